"""Walk-ins choose where to go: one large button per department (name in the patient's language, room)."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kiosk.flow.machine import FlowView
from ui import theme
from ui.i18n import Translator
from ui.screens import Screen
from ui.widgets import Row, button, label


class DepartmentScreen(Screen):
    chosen = Signal(str)
    cancel = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.title = label(name="title", center=True)
        self.name = label(center=True)
        self.grid_holder = QWidget()
        self.grid = QGridLayout(self.grid_holder)
        self.cancel_button = button(name="secondary", on_click=self.cancel.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.name)
        layout.addWidget(self.grid_holder)
        layout.addStretch(1)
        layout.addWidget(Row(self.cancel_button))
        self.buttons: dict[str, QPushButton] = {}

    def update_view(self, view: FlowView, tr: Translator) -> None:
        self.title.setText(tr("department.title"))
        self.name.setText(view.masked_name)
        codes = tuple(d.code for d in view.departments)
        if codes != tuple(self.buttons):
            for old in self.buttons.values():
                old.setParent(None)
            self.buttons = {}
            for i, dept in enumerate(view.departments):
                widget = button(on_click=partial(self.chosen.emit, dept.code))
                widget.setMinimumHeight(2 * theme.touch_px())  # two lines: name and room
                widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                self.grid.addWidget(widget, i // 2, i % 2)
                self.buttons[dept.code] = widget
        for dept in view.departments:
            name = tr.pick(dept.name, dept.name_en or dept.name)
            room = tr("department.room", room=dept.room) if dept.room else ""
            self.buttons[dept.code].setText(f"{name}\n{room}".strip())
        self.cancel_button.setText(tr("common.cancel"))

    def wipe(self) -> None:
        self.name.clear()
