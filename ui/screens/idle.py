""""Are you still there?" with a visible countdown; no answer wipes the session (kiosk-practice §4)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from ui import theme
from ui.i18n import Translator
from ui.widgets import Row, button, label


class IdleDialog(QDialog):
    expired = Signal()
    extended = Signal()

    def __init__(self, tr: Translator, seconds: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("idle")
        self.setModal(True)
        self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)  # kiosk: no title bar
        self.setStyleSheet(theme.kiosk_stylesheet())
        self.setMinimumWidth(720)
        self._tr = tr
        self._total = seconds
        self._left = seconds
        self.title = label(name="title", center=True)
        self.countdown = label(name="number", center=True, wrap=False)
        self.body = label(center=True)
        self.continue_button = button(on_click=self._extend)
        layout = QVBoxLayout(self)
        for widget in (self.title, self.countdown, self.body):
            layout.addWidget(widget)
        layout.addWidget(Row(self.continue_button))
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        tr.on_change(lambda _language: self.retranslate())

    @property
    def seconds_left(self) -> int:
        return self._left

    def start(self) -> None:
        self._left = self._total
        self.retranslate()
        self._timer.start()
        self.open()  # window-modal, non-blocking: the GUI loop keeps running

    def stop(self) -> None:
        self._timer.stop()
        self.hide()

    def retranslate(self) -> None:
        tr = self._tr
        self.setWindowTitle(tr("idle.title"))
        self.title.setText(tr("idle.title"))
        self.countdown.setText(str(self._left))
        self.body.setText(tr("idle.body"))
        self.continue_button.setText(tr("idle.continue"))

    def _tick(self) -> None:
        self._left -= 1
        self.countdown.setText(str(max(self._left, 0)))
        if self._left <= 0:
            self.stop()
            self.expired.emit()

    def _extend(self) -> None:
        self.stop()
        self.extended.emit()
