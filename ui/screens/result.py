"""The card is genuine: masked name, chip photo, insurance status, while check-in and printing go on."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QVBoxLayout, QWidget

from kiosk.flow.machine import STEPS, FlowView
from kiosk.flow.reasons import reason
from ui.i18n import Translator
from ui.screens import Screen
from ui.widgets import PhotoLabel, label


class ResultScreen(Screen):
    def __init__(self) -> None:
        super().__init__()
        self.title = label(name="title", center=True)
        self.photo = PhotoLabel()
        self.name_caption = label(name="muted")
        self.name = label(name="title")
        self.insurance_caption = label(name="muted")
        self.insurance = label()
        self.notices = label(name="notice")
        self.step = label(name="muted")
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        details = QVBoxLayout()
        for widget in (self.name_caption, self.name, self.insurance_caption, self.insurance):
            details.addWidget(widget)
        details.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.photo)
        holder = QWidget()
        holder.setLayout(details)
        top.addWidget(holder, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(top)
        layout.addWidget(self.notices)
        layout.addStretch(1)
        layout.addWidget(self.step)
        layout.addWidget(self.bar)

    def update_view(self, view: FlowView, tr: Translator) -> None:
        self.title.setText(tr("result.title"))
        self.name_caption.setText(tr("result.name"))
        self.name.setText(view.masked_name)
        if view.photo is not None and not self.photo.has_photo():
            self.photo.set_photo(view.photo)
        elif view.photo is None:
            self.photo.clear_photo()
        self.insurance_caption.setText(tr("result.insurance"))
        if view.insurance:
            item = reason(view.insurance)
            self.insurance.setText(tr.pick(item.vi, item.en))
        else:
            self.insurance.setText(tr("result.insurance_checking"))
        notices = [tr.pick(n.vi, n.en) for n in view.notices if n.code != view.insurance]
        self.notices.setText("\n".join(notices))
        self.notices.setVisible(bool(notices))
        step = view.step if view.step in STEPS else "insurance"
        self.step.setText(f"{STEPS.index(step) + 1}/{len(STEPS)}  {tr('step.' + step)}…")
        self.bar.setValue(round(view.progress * 100))

    def wipe(self) -> None:
        self.name.clear()
        self.photo.clear_photo()
        self.insurance.clear()
        self.notices.clear()
