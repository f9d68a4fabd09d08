"""The kiosk window over :class:`kiosk.demo.DemoEnvironment` (virtual card, local BHYT and FHIR servers):
``cccd-kiosk run --demo``, the screenshots and the UI tests. A demo camera shows the virtual card's QR
when asked, so the real frame-quality and QR decoding path runs too."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from kiosk.flow.machine import KioskFlow
from ocr.image import Image, decode_image
from ui.bridge import FlowBridge
from ui.camera import CameraScanner
from ui.i18n import Translator
from ui.kiosk_window import DEFAULT_TIMINGS, KioskTimings, KioskWindow


class DemoCamera:
    """A frame source: a plain desk until :meth:`show_card`, then the card's QR (as a camera would see it)."""

    def __init__(self, qr_png: bytes, *, frame_s: float = 0.1) -> None:
        self._card = decode_image(qr_png)
        self._desk: Image = np.full((480, 640, 3), 128, dtype=np.uint8)
        self._showing = threading.Event()
        self._frame_s = frame_s

    def show_card(self, showing: bool = True) -> None:
        if showing:
            self._showing.set()
        else:
            self._showing.clear()

    def read(self) -> Image | None:
        time.sleep(self._frame_s)  # a camera paces the loop; so does this
        return self._card if self._showing.is_set() else self._desk

    def close(self) -> None:
        pass


@dataclass
class DemoKiosk:
    window: KioskWindow
    bridge: FlowBridge
    flow: KioskFlow
    translator: Translator
    camera: DemoCamera | None
    scanner: CameraScanner | None

    def close(self) -> None:
        self.window.shutdown()
        self.flow.close()
        self.bridge.close()
        self.window.close()


def build_demo_kiosk(env: Any, *, language: str = "vi", timings: KioskTimings = DEFAULT_TIMINGS,
                     camera: bool = True) -> DemoKiosk:
    """``env`` is a started ``DemoEnvironment``. The window gets its own flow over the environment's
    services (so its views reach the bridge); ``camera=False`` leaves the QR out (tests use keys)."""
    from kiosk.cli.demo import qr_image_png
    from kiosk.demo import citizen_qr_payload

    translator = Translator(language)
    bridge = FlowBridge()
    flow = KioskFlow(env.wiring.services, env.wiring.policy, bridge.post_view, language=language)
    bridge.attach(flow)
    demo_camera: DemoCamera | None = None
    scanner: CameraScanner | None = None
    if camera:
        demo_camera = DemoCamera(qr_image_png(citizen_qr_payload(env.citizen)))
        source = demo_camera
        scanner = CameraScanner(lambda: source)
    window = KioskWindow(bridge, translator, scanner=scanner, timings=timings)
    return DemoKiosk(window, bridge, flow, translator, demo_camera, scanner)
