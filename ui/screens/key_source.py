"""Waiting for the other half: the card is on the reader but the key is missing (show the QR / MRZ to
the camera, with live frame-quality guidance), or the key is in but the card is not on the reader."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout

from kiosk.flow.machine import FlowView
from ocr.quality import GUIDANCE
from ui.i18n import Translator
from ui.screens import Screen
from ui.widgets import CardIllustration, Row, button, label


class KeySourceScreen(Screen):
    type_digits = Signal()
    cancel = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.title = label(name="title", center=True)
        self.illustration = CardIllustration()
        self.instruction = label()
        self.guidance = label(name="notice", center=True)
        self.digits_button = button(name="secondary", on_click=self.type_digits.emit)
        self.cancel_button = button(name="secondary", on_click=self.cancel.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.illustration, 1)
        layout.addWidget(self.instruction)
        layout.addWidget(self.guidance)
        layout.addStretch(1)
        layout.addWidget(Row(self.digits_button, self.cancel_button))
        self._guidance_code = ""

    def set_guidance(self, code: str) -> None:
        self._guidance_code = code

    def update_view(self, view: FlowView, tr: Translator) -> None:
        need_key = view.card_present and not view.key_present
        self.title.setText(tr("key.title_need_key" if need_key else "key.title_need_card"))
        self.instruction.setText(tr("key.show_qr" if need_key else "key.place_card"))
        self.illustration.setVisible(not need_key)
        code = self._guidance_code
        if need_key and code:
            text = tr("key.camera_error") if code not in GUIDANCE else tr.pick(*GUIDANCE[code])
            self.guidance.setText(text)
            self.guidance.setVisible(True)
        else:
            self.guidance.setVisible(False)
        self.digits_button.setText(tr("attract.type_digits"))
        self.digits_button.setVisible(need_key)
        self.cancel_button.setText(tr("common.cancel"))

    def wipe(self) -> None:
        self._guidance_code = ""
