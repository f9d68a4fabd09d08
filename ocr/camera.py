"""Camera capture loop: frames → quality guidance → MRZ/QR reading with voting across frames.

Settings come in as a plain dataclass (the hardware profile is parsed elsewhere). The frame source is
injectable, so the loop runs headless and tests drive it with synthetic frames.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import cv2

from ocr.errors import CameraError, QrPayloadError
from ocr.image import Image
from ocr.mrz.engine import MrzReader
from ocr.mrz.parse import MrzResult
from ocr.mrz.vote import MrzVoter
from ocr.qr import QrResult, decode_qr
from ocr.quality import FrameQuality, measure


@dataclass(frozen=True)
class CameraSettings:
    device: int | str = 0
    width: int = 1280
    height: int = 960
    fps: int | None = None
    autofocus: bool | None = None
    focus: float | None = None  # driver units, when supported
    exposure: float | None = None  # driver units, when supported (disables auto exposure)


class FrameSource(Protocol):
    def read(self) -> Image | None: ...

    def close(self) -> None: ...


class OpenCvCamera:
    """cv2.VideoCapture with the settings applied where the driver supports them."""

    def __init__(self, settings: CameraSettings) -> None:
        self._cap = cv2.VideoCapture(settings.device)
        if not self._cap.isOpened():
            raise CameraError("camera could not be opened", reason="no-camera")
        props: list[tuple[int, float]] = [(cv2.CAP_PROP_FRAME_WIDTH, settings.width),
                                          (cv2.CAP_PROP_FRAME_HEIGHT, settings.height)]
        if settings.fps:
            props.append((cv2.CAP_PROP_FPS, settings.fps))
        if settings.autofocus is not None:
            props.append((cv2.CAP_PROP_AUTOFOCUS, 1.0 if settings.autofocus else 0.0))
        if settings.focus is not None:
            props.append((cv2.CAP_PROP_FOCUS, settings.focus))
        if settings.exposure is not None:
            props.append((cv2.CAP_PROP_AUTO_EXPOSURE, 0.25))  # V4L2: manual
            props.append((cv2.CAP_PROP_EXPOSURE, settings.exposure))
        for prop, value in props:
            self._cap.set(prop, value)  # unsupported properties are ignored by the driver

    def read(self) -> Image | None:
        ok, frame = self._cap.read()
        return frame if ok else None

    def close(self) -> None:
        self._cap.release()


@dataclass(frozen=True)
class ScanEvent:
    """One processed frame: its quality/guidance and, once agreed, the result."""

    quality: FrameQuality
    mrz: MrzResult | None = None
    qr: QrResult | None = None
    qr_error: str | None = None  # reason code of a QR that is not a CCCD


#: seconds the MRZ engine may spend on one camera frame before it gives up on it (engine.read_frame): a
#: card still moving into view is unreadable, and reading it to the end (up to 1–2 s on a 2-core kiosk)
#: would hold up the next frame and the guidance. Of the 71 single-frame reads among 10,000 benchmark frames
#: that took over 0.25 s, 0.5 s lost 15–19 (0.6 s: 5–11; runs vary with the machine), at most ~0.7 s a
#: frame; voting over the next frames makes up for them.
FRAME_BUDGET = 0.5


def scan(source: FrameSource, *, reader: MrzReader | None = None, timeout: float = 30.0,
         want_qr: bool = True, min_agree: int = 2, clock: Callable[[], float] = time.monotonic,
         frame_budget: float | None = FRAME_BUDGET) -> Iterator[ScanEvent]:
    """Process frames until an MRZ is agreed on by voting or a CCCD QR is decoded (the last event carries
    it), the source runs dry, or ``timeout`` seconds pass. Closes the source at the end. ``frame_budget``:
    seconds of MRZ reading per frame (None: no limit)."""
    reader = reader or MrzReader()
    voter = MrzVoter(min_agree=min_agree)
    deadline = clock() + timeout
    missing = 0
    try:
        while clock() < deadline:
            frame = source.read()
            if frame is None:
                missing += 1
                if missing > 5:
                    return
                continue
            missing = 0
            quality = measure(frame)
            agreed = voter.add(reader.read_frame(frame, frame_budget))
            if agreed is not None:
                yield ScanEvent(quality, mrz=agreed)
                return
            if want_qr:
                try:
                    qr = decode_qr(frame)
                except QrPayloadError as exc:
                    yield ScanEvent(quality, qr_error=exc.reason)
                    continue
                if qr is not None:
                    yield ScanEvent(quality, qr=qr)
                    return
            yield ScanEvent(quality)
    finally:
        source.close()
