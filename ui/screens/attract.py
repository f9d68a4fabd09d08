"""Attract screen: put the card on the reader and show its QR to the camera, or type the digits."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout

from kiosk.flow.machine import FlowView
from ui.i18n import Translator
from ui.screens import Screen
from ui.widgets import CardIllustration, Row, button, label


class AttractScreen(Screen):
    type_digits = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.title = label(name="title", center=True)
        self.illustration = CardIllustration()
        self.step1 = label()
        self.step2 = label()
        self.digits_button = button(name="secondary", on_click=self.type_digits.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.illustration, 1)
        layout.addWidget(self.step1)
        layout.addWidget(self.step2)
        layout.addWidget(Row(self.digits_button))

    def update_view(self, view: FlowView, tr: Translator) -> None:
        self.title.setText(tr("attract.title"))
        self.step1.setText(tr("attract.step_card"))
        self.step2.setText(tr("attract.step_qr"))
        self.digits_button.setText(tr("attract.type_digits"))
