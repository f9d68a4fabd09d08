"""Thread ↔ GUI marshalling.

``KioskFlow`` publishes ``FlowView``s from worker threads; :meth:`FlowBridge.post_view` emits a Qt signal,
which Qt delivers on the GUI thread as a queued call (the emitting thread is not the bridge's thread).
Events go the other way through one worker thread, in order, so the GUI never waits on the flow's lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

from kiosk.flow.machine import FlowView, KioskFlow
from nfc.access.keys import AccessKey

log = logging.getLogger(__name__)


class FlowBridge(QObject):
    view_changed = Signal(object)  # FlowView, on the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._flow: KioskFlow | None = None
        self._events = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ui-events")
        self._closed = False

    # -- flow → GUI (any thread) ----------------------------------------------------------------------
    def post_view(self, view: FlowView) -> None:
        self.view_changed.emit(view)

    # -- GUI → flow ----------------------------------------------------------------------------------
    def attach(self, flow: KioskFlow) -> None:
        self._flow = flow

    @property
    def flow(self) -> KioskFlow | None:
        return self._flow

    def _send(self, event: Callable[[KioskFlow], None]) -> Future[None] | None:
        flow = self._flow
        if flow is None or self._closed:
            return None

        def call() -> None:
            try:
                event(flow)
            except Exception as exc:  # the flow reports its own failures as views; never kill the queue
                log.warning("flow event failed: %s", type(exc).__name__)

        try:
            return self._events.submit(call)
        except RuntimeError:  # closed meanwhile (shutdown): the event has nowhere to go
            return None

    def card_inserted(self) -> None:
        self._send(lambda f: f.card_inserted())

    def card_removed(self) -> None:
        self._send(lambda f: f.card_removed())

    def key_provided(self, key: AccessKey, qr_text: str | None = None) -> None:
        self._send(lambda f: f.key_provided(key, qr_text=qr_text))

    def choose_department(self, code: str) -> None:
        self._send(lambda f: f.choose_department(code))

    def cancel(self) -> None:
        self._send(lambda f: f.cancel())

    def idle_timeout(self) -> None:
        self._send(lambda f: f.idle_timeout())

    def finish(self) -> None:
        self._send(lambda f: f.finish())

    def face_consent(self, granted: bool) -> None:
        self._send(lambda f: f.face_consent(granted))

    def face_skip(self) -> None:
        self._send(lambda f: f.face_skip())

    def set_language(self, language: str) -> None:
        def apply(flow: KioskFlow) -> None:
            flow.language = language  # the ticket is printed in the patient's language

        self._send(apply)

    def close(self) -> None:
        self._closed = True
        self._events.shutdown(wait=True, cancel_futures=False)
