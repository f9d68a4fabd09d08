"""Checked in: the queue number, where to go, and anything staff will still confirm. Resets by itself."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

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
        self.number.setMinimumWidth(260)
        self.where = label(name="title")
        self.printed = label()
        self.notices = label(name="notice")
        self.done_button = button(on_click=self.done.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        # number on the left, where to go on the right: the screen keeps room for notices
        where = QVBoxLayout()
        where.addStretch(1)
        where.addWidget(self.where)
        where.addWidget(self.printed)
        where.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.number)
        row.addLayout(where, 1)
        for widget in (self.title, self.caption):
            layout.addWidget(widget)
        layout.addLayout(row)
        layout.addWidget(self.notices)
        layout.addStretch(1)
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
        # the countdown rides on the button: one line less on a full screen
        self.done_button.setText(tr("ticket.reset_in", seconds=self._seconds_left) if self._seconds_left
                                 else tr("ticket.done"))

    def wipe(self) -> None:
        for widget in (self.number, self.where, self.printed, self.notices):
            widget.clear()
