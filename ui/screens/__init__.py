"""Patient kiosk screens. Each renders a ``FlowView`` (plus the current language) and emits what the
patient chose; none of them calls the flow directly."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from kiosk.flow.machine import FlowView
from ui.i18n import Translator


class Screen(QWidget):
    def update_view(self, view: FlowView, tr: Translator) -> None:
        """Render ``view`` in ``tr``'s language (called on every view and language change)."""
        raise NotImplementedError

    def wipe(self) -> None:
        """Forget anything personal this screen shows (idle reset)."""
