"""Typing the last 6 digits of the ID number (the CCCD's CAN) on the touch screen."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout

from kiosk.flow.machine import FlowView
from ui.i18n import Translator
from ui.screens import Screen
from ui.widgets import Keypad, button, label


class KeyEntryScreen(Screen):
    submitted = Signal(str)
    cancel = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.title = label(name="title", center=True)
        self.help = label(center=True)
        self.keypad = Keypad(6)
        self.keypad.submitted.connect(self.submitted.emit)
        self.cancel_button = button(name="secondary", on_click=self.cancel.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.help)
        layout.addWidget(self.keypad, 1)
        self.keypad.extra_row.addWidget(self.cancel_button)  # beside the digits: the screen stays short

    def update_view(self, view: FlowView, tr: Translator) -> None:
        self.title.setText(tr("entry.title"))
        self.help.setText(tr("entry.help"))
        self.cancel_button.setText(tr("common.cancel"))
        if self.keypad.ok_button is not None:
            self.keypad.ok_button.setText(tr("entry.ok"))

    def wipe(self) -> None:
        self.keypad.clear()
