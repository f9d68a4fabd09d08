"""Checked in: the queue number, where to go, and anything staff will still confirm. Resets by itself."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout

from kiosk.flow.machine import FlowView
from ui.i18n import Translator
from ui.screens import Screen
from ui.widgets import Row, button, label


class TicketScreen(Screen):
    done = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.title = label(name="title", center=True)
        self.caption = label(center=True)
        self.number = label(name="number", center=True, wrap=False)
        self.where = label(center=True)
        self.printed = label(center=True)
        self.notices = label(name="notice")
        self.countdown = label(name="muted", center=True)
        self.done_button = button(on_click=self.done.emit)
        layout = QVBoxLayout(self)
        for widget in (self.title, self.caption, self.number, self.where, self.printed, self.notices):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.countdown)
        layout.addWidget(Row(self.done_button))
        self._seconds_left = 0

    def set_countdown(self, seconds: int) -> None:
        self._seconds_left = seconds

    def update_view(self, view: FlowView, tr: Translator) -> None:
        ticket = view.ticket
        self.title.setText(tr("ticket.title"))
        self.caption.setText(tr("ticket.your_number"))
        if ticket is None:
            self.number.clear()
            self.where.clear()
            self.printed.clear()
        else:
            self.number.setText(str(ticket.queue_number))
            name = tr.pick(ticket.department, ticket.department_en)
            self.where.setText(tr("ticket.where", department=name, room=ticket.room) if ticket.room
                               else name)
            self.printed.setText(tr("ticket.take" if ticket.printed else "ticket.not_printed"))
        lines = [tr.pick(n.vi, n.en) for n in view.notices]
        if ticket is not None and ticket.staff_confirmation:
            lines.append(tr("ticket.staff_confirmation"))
        self.notices.setText("\n".join(lines))
        self.notices.setVisible(bool(lines))
        self.countdown.setText(tr("ticket.reset_in", seconds=self._seconds_left) if self._seconds_left else "")
        self.done_button.setText(tr("ticket.done"))

    def wipe(self) -> None:
        for widget in (self.number, self.where, self.printed, self.notices):
            widget.clear()
