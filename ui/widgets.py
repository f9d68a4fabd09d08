"""Small reusable widgets of the patient kiosk."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ui import theme
from ui.i18n import Translator


def label(text: str = "", *, name: str = "", wrap: bool = True, center: bool = False) -> QLabel:
    widget = QLabel(text)
    widget.setWordWrap(wrap)
    if name:
        widget.setObjectName(name)
    if center:
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return widget


def button(text: str = "", *, name: str = "", on_click: Callable[[], None] | None = None) -> QPushButton:
    widget = QPushButton(text)
    if name:
        widget.setObjectName(name)
    widget.setMinimumSize(theme.touch_px(), theme.touch_px())
    widget.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # touch screen: no focus rectangles
    if on_click is not None:
        widget.clicked.connect(lambda *_: on_click())  # drop ``checked``: callers take no arguments
    return widget


class PhotoLabel(QLabel):
    """The chip photo. ``clear_photo`` drops the pixmap (the idle wipe checks it is gone)."""

    def __init__(self, width: int = 180, height: int = 240) -> None:
        super().__init__()
        self.setFixedSize(width, height)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet(f"border: 2px solid {theme.INK};")

    def set_photo(self, data: bytes | None) -> None:
        pixmap = QPixmap()
        if data and pixmap.loadFromData(data):
            self.setPixmap(pixmap.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation))
        else:
            self.clear_photo()

    def clear_photo(self) -> None:
        self.setPixmap(QPixmap())
        self.clear()

    def has_photo(self) -> bool:
        return not self.pixmap().isNull()


class StepList(QWidget):
    """Named steps with their state: done ✓, current ▶, still to come ○."""

    def __init__(self, steps: Sequence[str]) -> None:
        super().__init__()
        self._steps = tuple(steps)
        self._labels = [label(wrap=False) for _ in self._steps]
        layout = QVBoxLayout(self)
        for widget in self._labels:
            layout.addWidget(widget)

    def show_step(self, current: str, tr: Translator, *, done: bool = False) -> None:
        index = self._steps.index(current) if current in self._steps else (len(self._steps) if done else -1)
        for i, (step, widget) in enumerate(zip(self._steps, self._labels, strict=True)):
            mark = "✓" if i < index or done else ("▶" if i == index else "○")
            widget.setText(f"{mark}  {tr('step.' + step)}")
            widget.setObjectName("ok" if i < index or done else ("title" if i == index else "muted"))
            widget.setStyleSheet("")  # re-polish for the new object name


class CardIllustration(QWidget):
    """A card being laid flat on the reader (drawn, so it scales and needs no asset)."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumSize(320, 200)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        reader = QRectF(w * 0.2, h * 0.55, w * 0.6, h * 0.35)
        painter.setPen(QPen(QColor(theme.INK), 3))
        painter.setBrush(QColor("#D9D9D9"))
        painter.drawRoundedRect(reader, 14, 14)
        card = QRectF(w * 0.3, h * 0.08, w * 0.4, h * 0.45)
        painter.setBrush(QColor("#BFD4F2"))
        painter.drawRoundedRect(card, 10, 10)
        painter.setBrush(QColor("#E0B341"))  # the chip
        painter.drawRoundedRect(QRectF(card.x() + card.width() * 0.1, card.y() + card.height() * 0.3,
                                       card.width() * 0.18, card.height() * 0.28), 4, 4)
        painter.setPen(QPen(QColor(theme.PRIMARY), 6))
        x = w * 0.5
        painter.drawLine(int(x), int(h * 0.53), int(x), int(h * 0.62))
        painter.drawLine(int(x - 14), int(h * 0.57), int(x), int(h * 0.62))
        painter.drawLine(int(x + 14), int(h * 0.57), int(x), int(h * 0.62))
        painter.end()


class Keypad(QWidget):
    """Digit entry on the touch screen (the last 6 digits of the ID number)."""

    submitted = Signal(str)

    def __init__(self, length: int = 6) -> None:
        super().__init__()
        self._length = length
        self.display = label(center=True, name="title", wrap=False)
        grid = QGridLayout()
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]
        self.ok_button: QPushButton | None = None
        for i, key in enumerate(keys):
            widget = button(key, name="secondary" if key != "OK" else "")
            widget.clicked.connect(lambda *_, k=key: self._press(k))
            if key == "OK":
                self.ok_button = widget
            grid.addWidget(widget, i // 3, i % 3)
        self.extra_row = QHBoxLayout()
        self.extra_row.addWidget(self.display, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.extra_row)
        layout.addLayout(grid)
        self._digits = ""
        self._refresh()

    @property
    def digits(self) -> str:
        return self._digits

    def clear(self) -> None:
        self._digits = ""
        self._refresh()

    def _press(self, key: str) -> None:
        if key == "⌫":
            self._digits = self._digits[:-1]
        elif key == "OK":
            if len(self._digits) == self._length:
                self.submitted.emit(self._digits)
            return
        elif len(self._digits) < self._length:
            self._digits += key
        self._refresh()

    def _refresh(self) -> None:
        # digits are shown as typed (the patient checks them), padded with placeholders
        self.display.setText(" ".join(self._digits.ljust(self._length, "_")))


class Row(QWidget):
    def __init__(self, *widgets: QWidget, stretch_first: bool = False) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for i, widget in enumerate(widgets):
            layout.addWidget(widget, 1 if stretch_first and i == 0 else 0)
