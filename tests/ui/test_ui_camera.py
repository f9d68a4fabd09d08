"""Camera side of the kiosk: scan results become access keys; the loop runs on its own thread."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from typing import Any

import pytest

pytest.importorskip("pytestqt")

from kiosk.demo import citizen_qr_payload
from nfc.access.keys import CanKey
from nfc.virtual.builder import DEFAULT_CITIZEN
from ocr.camera import ScanEvent
from ocr.qr import parse_cccd_qr
from ocr.quality import FrameQuality
from ui.camera import CameraScanner, key_from_event, qr_payload

QUALITY = FrameQuality(100.0, 0.0, 128.0, None, "no-document")


def test_qr_gives_can_and_the_same_text() -> None:
    payload = citizen_qr_payload(DEFAULT_CITIZEN)
    qr = parse_cccd_qr(payload)
    assert qr_payload(qr) == payload
    found = key_from_event(ScanEvent(QUALITY, qr=qr))
    assert found is not None
    key, text = found
    assert key == CanKey(DEFAULT_CITIZEN.id_number[-6:]) and text == payload
    assert key_from_event(ScanEvent(QUALITY)) is None


def test_camera_that_cannot_open_reports_and_stops(qtbot: Any) -> None:
    def broken() -> Any:
        raise OSError("no /dev/video0")

    scanner = CameraScanner(broken)
    with qtbot.waitSignal(scanner.guidance, timeout=5_000) as signal:
        scanner.start()
    assert signal.args == ["camera-error"]
    qtbot.waitUntil(lambda: not scanner.running, timeout=5_000)


def test_frames_are_processed_off_the_gui_thread(qtbot: Any) -> None:
    import numpy as np

    threads: list[str] = []

    class Desk:
        def read(self) -> Any:
            threads.append(threading.current_thread().name)
            return np.full((480, 640, 3), 128, dtype=np.uint8)

        def close(self) -> None:
            pass

    scanner = CameraScanner(Desk)
    with qtbot.waitSignal(scanner.guidance, timeout=10_000) as signal:
        scanner.start()
    scanner.stop()
    qtbot.waitUntil(lambda: not scanner.running, timeout=5_000)
    assert signal.args == ["no-document"]
    assert threads and threading.main_thread().name not in threads
