"""The optional face check (docs/face.md): the consent question with big "I agree" / "No, thanks"
buttons, then the liveness challenge with live guidance from the camera. The consent, challenge and
guidance wording comes from :mod:`kiosk.face` (the consent text is versioned there); the screen's own
strings come from the catalogs. Declining is as easy as agreeing and never costs the check-in.

:class:`FaceFrameFeeder` hands camera frames to the flow on its own thread while the challenge runs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QVBoxLayout

from kiosk.face.consent import consent_text
from kiosk.face.detect import Guidance, guidance_text
from kiosk.face.liveness import Challenge, challenge_text
from kiosk.flow.machine import FlowView
from ui import theme
from ui.i18n import Translator
from ui.screens import Screen
from ui.widgets import Row, button, label

log = logging.getLogger(__name__)


class FaceScreen(Screen):
    consent = Signal(bool)
    skip = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.title = label(name="title", center=True)
        self.body = label()
        self.instruction = label(name="title", center=True)
        self.guidance = label(name="notice", center=True)
        self.status = label(name="muted", center=True)
        self.yes_button = button(on_click=lambda: self.consent.emit(True))
        self.no_button = button(name="secondary", on_click=lambda: self.consent.emit(False))
        for widget in (self.yes_button, self.no_button):
            widget.setMinimumSize(4 * theme.touch_px(), round(1.5 * theme.touch_px()))  # big, equally easy
        self.skip_button = button(name="secondary", on_click=self.skip.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        layout.addWidget(self.instruction)
        layout.addWidget(self.guidance)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(Row(self.yes_button, self.no_button))
        layout.addWidget(Row(self.skip_button))
        self.step = ""  # the face step shown: consent / challenge / deciding

    def update_view(self, view: FlowView, tr: Translator) -> None:
        self.step = view.face_step
        asking = view.face_step == "consent"
        challenge = view.face_step == "challenge"
        if asking:
            text = consent_text(tr.language)
            self.title.setText(text["title"])
            self.body.setText(text["body"])
            self.yes_button.setText(text["accept"])
            self.no_button.setText(text["decline"])
        else:
            self.title.setText(tr("face.title"))
        self.body.setVisible(asking)
        self.yes_button.setVisible(asking)
        self.no_button.setVisible(asking)
        self.instruction.setVisible(challenge)
        self.guidance.setVisible(False)
        if challenge and view.face_challenge in {c.value for c in Challenge}:
            self.instruction.setText(challenge_text(Challenge(view.face_challenge), tr.language))
            if view.face_guidance in {g.value for g in Guidance}:
                self.guidance.setText(guidance_text(Guidance(view.face_guidance), tr.language))
                self.guidance.setVisible(True)
        self.status.setText(tr("face.look_at_camera") if challenge else tr("face.checking"))
        self.status.setVisible(not asking)
        self.skip_button.setText(tr("face.skip"))
        self.skip_button.setVisible(challenge)

    def wipe(self) -> None:
        self.guidance.clear()
        self.instruction.clear()


class FaceFrameFeeder(QObject):
    """Reads camera frames (BGR, as OpenCV gives them) on a worker thread and passes each to
    ``on_frame`` (the flow's ``face_frame``, which returns at once) until :meth:`stop`. ``camera_error``
    is emitted when no camera can be opened: the kiosk then skips the face step (staff confirm)."""

    camera_error = Signal()

    def __init__(self, open_source: Callable[[], Any], on_frame: Callable[[Any], None], *,
                 open_retry_s: float = 2.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open_source = open_source
        self._on_frame = on_frame
        self._open_retry_s = open_retry_s  # the QR scanner may still be releasing the same camera
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._stop,), name="face-camera", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _open(self, stop: threading.Event) -> Any:
        waited = 0.0
        while True:
            try:
                return self._open_source()
            except Exception:
                if waited >= self._open_retry_s or stop.is_set():
                    raise
                stop.wait(0.2)
                waited += 0.2

    def _run(self, stop: threading.Event) -> None:
        try:
            source = self._open(stop)
        except Exception as exc:  # no camera: say so; the flow goes on without the face check
            log.warning("face camera unavailable: %s", type(exc).__name__)
            self.camera_error.emit()
            return
        try:
            while not stop.is_set():
                frame = source.read()
                if frame is None:
                    stop.wait(0.05)
                    continue
                self._on_frame(frame)
        except Exception as exc:
            log.warning("face camera stopped: %s", type(exc).__name__)
            self.camera_error.emit()
        finally:
            try:
                source.close()
            except Exception as exc:  # closing a broken camera: nothing more to do
                log.warning("face camera close failed: %s", type(exc).__name__)
