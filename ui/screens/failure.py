"""The check-in stopped: what happened, and what to do next (never a dead end)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout

from kiosk.flow.machine import FlowView
from kiosk.flow.reasons import NextStep
from ui.i18n import Translator
from ui.screens import Screen
from ui.widgets import Row, button, label


class FailureScreen(Screen):
    retry = Signal()
    type_digits = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.title = label(name="title", center=True)
        self.reason = label(name="error")
        self.next_step = label()
        self.staff_alerted = label(name="notice")
        self.retry_button = button(on_click=self.retry.emit)
        self.digits_button = button(name="secondary", on_click=self.type_digits.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.reason)
        layout.addWidget(self.next_step)
        layout.addWidget(self.staff_alerted)
        layout.addStretch(1)
        # "call staff" is in the window's bottom bar on every screen, this one included
        layout.addWidget(Row(self.retry_button, self.digits_button))

    def update_view(self, view: FlowView, tr: Translator) -> None:
        why = view.failure
        self.title.setText(tr("failure.title"))
        step = why.next_step if why is not None else NextStep.STAFF
        self.reason.setText(tr.pick(why.vi, why.en) if why is not None else tr("failure.unknown"))
        self.next_step.setText(tr(f"next.{step.value}"))
        self.staff_alerted.setText(tr("failure.staff_alerted"))
        self.staff_alerted.setVisible(why is not None and why.alert_staff)
        self.retry_button.setText(tr("failure.retry"))
        self.digits_button.setText(tr("attract.type_digits"))
        self.digits_button.setVisible(step is NextStep.OTHER_KEY)

    def wipe(self) -> None:
        self.reason.clear()
