"""Camera frames on a worker thread: frame-quality guidance for the patient, and the chip key once the
card's QR or MRZ is read (``ocr.camera.scan``). Nothing here touches the GUI thread but the signals."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from nfc.access.keys import AccessKey, CanKey, MrzKey
from nfc.errors import NfcError
from ocr.camera import FrameSource, ScanEvent, scan
from ocr.image import Image
from ocr.qr import QrResult

log = logging.getLogger(__name__)


def qr_payload(qr: QrResult) -> str:
    """The QR text again (the flow cross-checks it against the chip)."""
    return "|".join([qr.id_number, qr.old_id, qr.name, qr.birth_date.strftime("%d%m%Y"), qr.sex, qr.address,
                     qr.issue_date.strftime("%d%m%Y"), *qr.extra])


def key_from_event(event: ScanEvent) -> tuple[AccessKey, str | None] | None:
    """The access key a scan result gives, with the QR text when it came from the QR (None if the
    reading does not make a valid key: the loop goes on)."""
    try:
        return _key_from_event(event)
    except NfcError:
        return None


def _key_from_event(event: ScanEvent) -> tuple[AccessKey, str | None] | None:
    if event.qr is not None:
        return CanKey(event.qr.can), qr_payload(event.qr)
    if event.mrz is not None:
        from ocr.keys import keys_from_mrz

        keys = keys_from_mrz(event.mrz)
        if keys is None:
            return None
        if keys.can:
            return CanKey(keys.can), None
        return MrzKey(keys.document_number, keys.birth_date, keys.expiry_dates[0]), None
    return None


class _Stoppable:
    """Wraps a frame source so that ``stop()`` ends ``scan`` at its next frame."""

    def __init__(self, source: FrameSource, stop: threading.Event) -> None:
        self._source = source
        self._stop = stop

    def read(self) -> Image | None:
        return None if self._stop.is_set() else self._source.read()

    def close(self) -> None:
        self._source.close()


class CameraScanner(QObject):
    guidance = Signal(str)  # ocr.quality.GUIDANCE code, or "camera-error"
    key_found = Signal(object, object)  # (AccessKey, QR text | None)

    def __init__(self, open_source: Callable[[], FrameSource], *, reader: Any = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open_source = open_source
        self._reader = reader
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def open_source(self) -> Callable[[], FrameSource]:
        """The kiosk's one camera, for other users while this scanner is stopped (the face step)."""
        return self._open_source

    def start(self) -> None:
        if self.running:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._stop,), name="camera-scan", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                source = _Stoppable(self._open_source(), stop)
                for event in scan(source, reader=self._reader, timeout=60.0):
                    if stop.is_set():
                        return
                    self.guidance.emit(event.quality.guidance)
                    found = key_from_event(event)
                    if found is not None:
                        self.key_found.emit(found[0], found[1])
                        return
                stop.wait(0.5)  # the source ran dry or timed out: reopen it, without spinning
        except Exception as exc:  # no camera, driver error: the patient can still type the digits
            log.warning("camera scan stopped: %s", type(exc).__name__)
            self.guidance.emit("camera-error")
