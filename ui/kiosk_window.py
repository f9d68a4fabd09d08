"""The patient kiosk window: a language toggle and "call staff" on every screen, a stack of screens chosen
by the flow's state, the idle countdown and the automatic reset. It renders views and sends events; the
check-in logic lives in :mod:`kiosk.flow`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractButton, QHBoxLayout, QLabel, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from kiosk.flow.machine import FlowState, FlowView
from nfc.access.keys import AccessKey, CanKey, MrzKey
from nfc.errors import NfcError
from ui import theme
from ui.bridge import FlowBridge
from ui.camera import CameraScanner
from ui.i18n import Translator
from ui.screens import Screen
from ui.screens.attract import AttractScreen
from ui.screens.department import DepartmentScreen
from ui.screens.face import FaceFrameFeeder, FaceScreen
from ui.screens.failure import FailureScreen
from ui.screens.idle import IdleDialog
from ui.screens.key_entry import KeyEntryScreen
from ui.screens.key_source import KeySourceScreen
from ui.screens.progress import ProgressScreen
from ui.screens.result import ResultScreen
from ui.screens.ticket import TicketScreen
from ui.widgets import button, label

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KioskTimings:
    idle_s: float = 45.0  # no touch while the patient must act → "are you still there?"
    countdown_s: int = 20  # the dialog's visible countdown, then a full wipe
    done_s: int = 10  # the ticket screen resets by itself
    failed_s: float = 40.0  # so does the failure screen (its buttons restart earlier)
    staff_notice_s: float = 30.0


DEFAULT_TIMINGS = KioskTimings()

SCREEN_FOR_STATE = {
    FlowState.IDLE: "attract",
    FlowState.WAITING: "key_source",
    FlowState.READING: "progress",
    FlowState.VERIFYING: "progress",
    FlowState.FACE: "face",
    FlowState.INSURANCE: "result",
    FlowState.CHECKING_IN: "result",
    FlowState.PRINTING: "result",
    FlowState.CHOOSE_DEPARTMENT: "department",
    FlowState.DONE: "ticket",
    FlowState.FAILED: "failure",
}
#: states in which the kiosk waits for the patient (the idle timer runs). Not the face step: the flow's own
#: face timeout takes silence as a refusal and goes on (kiosk.flow.machine.FlowPolicy.face_timeout_s)
_PATIENT_TURN = frozenset({FlowState.WAITING, FlowState.CHOOSE_DEPARTMENT})
_SCANNING = frozenset({FlowState.IDLE, FlowState.WAITING})


class KioskWindow(QMainWindow):
    def __init__(self, bridge: FlowBridge, tr: Translator, *, scanner: CameraScanner | None = None,
                 timings: KioskTimings = DEFAULT_TIMINGS, on_call_staff: Callable[[], None] | None = None,
                 face_source: Callable[[], Any] | None = None) -> None:
        """``face_source`` opens the camera for the face challenge (an ``ocr.camera.FrameSource`` giving BGR
        frames); by default the QR scanner's camera."""
        super().__init__()
        self.bridge = bridge
        self.translator = tr
        self.timings = timings
        self.scanner = scanner
        self._on_call_staff = on_call_staff
        self._view = FlowView(0, FlowState.IDLE)
        self._manual_entry = False
        self.setStyleSheet(theme.kiosk_stylesheet())

        self.site = label(name="muted", wrap=False)
        self.language_button = button(name="secondary", on_click=self.toggle_language)
        self.staff_button = button(name="staff", on_click=self.call_staff)
        self.staff_called = label(name="notice")
        self.staff_called.setVisible(False)

        self.screens: dict[str, Screen] = {
            "attract": AttractScreen(), "key_source": KeySourceScreen(), "key_entry": KeyEntryScreen(),
            "progress": ProgressScreen(), "result": ResultScreen(), "department": DepartmentScreen(),
            "ticket": TicketScreen(), "failure": FailureScreen(), "face": FaceScreen(),
        }
        self.stack = QStackedWidget()
        for screen in self.screens.values():
            self.stack.addWidget(screen)
        self._wire_screens()

        top = QHBoxLayout()
        top.addWidget(self.site, 1)
        top.addWidget(self.language_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.staff_called, 1)
        bottom.addWidget(self.staff_button)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        layout.addLayout(bottom)
        self.setCentralWidget(central)

        self.idle_dialog = IdleDialog(tr, timings.countdown_s, self)
        self.idle_dialog.expired.connect(self.idle_reset)
        self.idle_dialog.extended.connect(self.user_activity)
        self._idle_timer = self._single_shot(timings.idle_s, self._idle_elapsed)
        self._failed_timer = self._single_shot(timings.failed_s, self.bridge.finish)
        self._staff_timer = self._single_shot(timings.staff_notice_s, lambda: self.staff_called.setVisible(False))
        self._done_left = 0
        self._done_timer = QTimer(self)
        self._done_timer.setInterval(1000)
        self._done_timer.timeout.connect(self._done_tick)

        if face_source is None and scanner is not None:
            face_source = scanner.open_source  # the one camera of the kiosk (free while not scanning)
        self.face_feeder: FaceFrameFeeder | None = None
        if face_source is not None:
            self.face_feeder = FaceFrameFeeder(face_source, self._face_frame, parent=self)
            self.face_feeder.camera_error.connect(self._face_skip)

        bridge.view_changed.connect(self.show_view)
        tr.on_change(lambda _language: self._render())
        if scanner is not None:
            scanner.guidance.connect(self._camera_guidance)
            scanner.key_found.connect(self._camera_key)
        self._render()
        self._update_activities()

    # -- public API ------------------------------------------------------------------------------
    @property
    def view(self) -> FlowView:
        return self._view

    @property
    def current_screen(self) -> str:
        for name, screen in self.screens.items():
            if screen is self.stack.currentWidget():
                return name
        return ""

    def show_view(self, view: FlowView) -> None:
        """Render a view (connected to the bridge; the GUI thread only)."""
        previous = self._view
        if view.session != previous.session or (view.state in (FlowState.IDLE, FlowState.FAILED)
                                                 and view.state is not previous.state):
            self._wipe_screens()  # a new session (or a failed one) keeps nothing personal on any screen
        if view.state not in (FlowState.IDLE, FlowState.WAITING, FlowState.FAILED):
            self._manual_entry = False
        self._view = view
        if view.state is FlowState.DONE and previous.state is not FlowState.DONE:
            self._done_left = self.timings.done_s
            self._done_timer.start()
        self._render()
        self._update_activities()

    def toggle_language(self) -> None:
        self.translator.toggle()
        self.bridge.set_language(self.translator.language)

    def call_staff(self) -> None:
        log.info("patient asked for staff")
        if self._on_call_staff is not None:
            self._on_call_staff()
        self.staff_called.setVisible(True)
        self._staff_timer.start()
        self._render()

    def user_activity(self) -> None:
        """Any touch, click or key (from the application-wide filter in :mod:`ui.app`)."""
        if self.idle_dialog.isVisible():
            return  # only "continue" answers the question
        if self._patient_turn():
            self._idle_timer.start()

    def idle_reset(self) -> None:
        """Nobody answered: wipe what is on screen now, and reset the flow."""
        self.idle_dialog.stop()
        self._manual_entry = False
        self._wipe_screens()
        self._view = FlowView(self._view.session, FlowState.IDLE)
        self.bridge.idle_timeout()
        self._render()
        self._update_activities()

    def shutdown(self) -> None:
        """Stop every timer and the camera (before the flow and the bridge are closed)."""
        for timer in (self._idle_timer, self._failed_timer, self._staff_timer, self._done_timer):
            timer.stop()
        self.idle_dialog.stop()
        if self.scanner is not None:
            self.scanner.stop()
        if self.face_feeder is not None:
            self.face_feeder.stop()

    def visible_texts(self) -> list[str]:
        """Every text the patient can see now (tests, screenshot checks)."""
        texts: list[str] = []
        for widget in self.findChildren(QWidget):
            if not widget.isVisibleTo(self):
                continue
            if isinstance(widget, QLabel | QAbstractButton) and widget.text().strip():
                texts.append(widget.text())
        return texts

    # -- screens ---------------------------------------------------------------------------------
    def _wire_screens(self) -> None:
        s = self.screens
        for name in ("attract", "key_source", "failure"):
            s[name].type_digits.connect(self._open_entry)  # type: ignore[attr-defined]
        for name in ("key_source", "department"):
            s[name].cancel.connect(self._cancel)  # type: ignore[attr-defined]
        entry = s["key_entry"]
        assert isinstance(entry, KeyEntryScreen)
        entry.submitted.connect(self._digits_entered)
        entry.cancel.connect(self._close_entry)
        department = s["department"]
        assert isinstance(department, DepartmentScreen)
        department.chosen.connect(self.bridge.choose_department)
        failure = s["failure"]
        assert isinstance(failure, FailureScreen)
        failure.retry.connect(self._cancel)
        ticket = s["ticket"]
        assert isinstance(ticket, TicketScreen)
        ticket.done.connect(self._ticket_done)
        face = s["face"]
        assert isinstance(face, FaceScreen)
        face.consent.connect(self._face_consent)
        face.skip.connect(self._face_skip)

    def _render(self) -> None:
        tr = self.translator
        self.setWindowTitle(tr("app.title"))
        self.site.setText(tr("app.title"))
        self.language_button.setText(tr("lang.toggle"))
        self.staff_button.setText(tr("staff.call"))
        self.staff_called.setText(tr("staff.called"))
        name = "key_entry" if self._manual_entry else SCREEN_FOR_STATE[self._view.state]
        screen = self.screens[name]
        if isinstance(screen, TicketScreen):
            screen.set_countdown(self._done_left)
        screen.update_view(self._view, tr)
        self.stack.setCurrentWidget(screen)

    def _wipe_screens(self) -> None:
        for screen in self.screens.values():
            screen.wipe()

    def _open_entry(self) -> None:
        self._manual_entry = True
        self._render()
        self._update_activities()

    def _close_entry(self) -> None:
        self._manual_entry = False
        self.screens["key_entry"].wipe()
        self._render()
        self._update_activities()

    def _digits_entered(self, digits: str) -> None:
        try:
            key: AccessKey = CanKey(digits)
        except NfcError:
            return  # the keypad only submits 6 digits; nothing else to say
        self._close_entry()
        self.bridge.key_provided(key)

    def _cancel(self) -> None:
        self._manual_entry = False
        self.bridge.cancel()

    def _ticket_done(self) -> None:
        self._done_timer.stop()
        self.bridge.finish()

    def _done_tick(self) -> None:
        self._done_left -= 1
        if self._view.state is not FlowState.DONE:
            self._done_timer.stop()
            return
        if self._done_left <= 0:
            self._done_timer.stop()
            self.bridge.finish()
        self._render()

    # -- face check ------------------------------------------------------------------------------------
    # through the bridge's event thread, in order with the other events (FlowBridge has no face methods)
    def _face_consent(self, granted: bool) -> None:
        self.bridge.face_consent(granted)

    def _face_skip(self) -> None:
        self.bridge.face_skip()

    def _face_frame(self, frame: object) -> None:
        """On the camera thread: straight to the flow, which only keeps the latest frame and returns."""
        flow = self.bridge.flow
        if flow is not None:
            flow.face_frame(frame)

    # -- camera -----------------------------------------------------------------------------------
    def _camera_guidance(self, code: str) -> None:
        screen = self.screens["key_source"]
        assert isinstance(screen, KeySourceScreen)
        screen.set_guidance(code)
        if self.current_screen == "key_source":
            self._render()

    def _camera_key(self, key: object, qr_text: object) -> None:
        if self._view.state in _SCANNING and not self._view.key_present and isinstance(key, CanKey | MrzKey):
            self.bridge.key_provided(key, qr_text if isinstance(qr_text, str) else None)

    # -- timers -----------------------------------------------------------------------------------
    def _single_shot(self, seconds: float, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(round(seconds * 1000))
        timer.timeout.connect(slot)
        return timer

    def _patient_turn(self) -> bool:
        return self._manual_entry or self._view.state in _PATIENT_TURN

    def _idle_elapsed(self) -> None:
        if self._patient_turn():
            self.idle_dialog.start()

    def _update_activities(self) -> None:
        state = self._view.state
        if self._patient_turn():
            if not self._idle_timer.isActive() and not self.idle_dialog.isVisible():
                self._idle_timer.start()
        else:
            self._idle_timer.stop()
            if self.idle_dialog.isVisible():
                self.idle_dialog.stop()
        if state is FlowState.FAILED:
            if not self._failed_timer.isActive():
                self._failed_timer.start()
        else:
            self._failed_timer.stop()
        if self.scanner is not None:
            if state in _SCANNING and not self._view.key_present and not self._manual_entry:
                self.scanner.start()
            else:
                self.scanner.stop()
        if self.face_feeder is not None:
            if state is FlowState.FACE and self._view.face_step == "challenge":
                self.face_feeder.start()
            else:
                self.face_feeder.stop()
