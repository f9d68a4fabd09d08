"""Reading and verifying the card: named steps and a progress bar (the chip read takes seconds)."""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar, QVBoxLayout

from kiosk.flow.machine import STEPS, FlowView
from ui.i18n import Translator
from ui.screens import Screen
from ui.widgets import StepList, label


class ProgressScreen(Screen):
    def __init__(self) -> None:
        super().__init__()
        self.title = label(name="title", center=True)
        self.hold = label(name="notice", center=True)
        self.steps = StepList(STEPS)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.hold)
        layout.addWidget(self.steps, 1)
        layout.addWidget(self.bar)

    def update_view(self, view: FlowView, tr: Translator) -> None:
        self.title.setText(tr("progress.title"))
        self.hold.setText(tr("progress.hold"))
        self.steps.show_step(view.step or "reading", tr)
        self.bar.setValue(round(view.progress * 100))
