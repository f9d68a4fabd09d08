"""Safe image loading: size checked from the header before decoding, large images decoded reduced."""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ocr.errors import ImageError

#: longest side the engine works on; bigger frames are reduced first (the MRZ stays ≥ 12 px tall on a card
#: that fills a third of the frame)
WORK_SIDE = 1600
#: refuse outright beyond this many pixels (a 20000×20000 bomb would need 1.2 GB decoded)
MAX_PIXELS = 120_000_000
MAX_BYTES = 64 * 1024 * 1024

Image = npt.NDArray[Any]  # cv2 stubs type frames loosely


def _header_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG or JPEG header without decoding, None if unknown."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            seg = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(w), int(h)
            i += 2 + seg
    return None


def decode_image(data: bytes) -> Image:
    """Decode encoded image bytes to a BGR array no larger than WORK_SIDE, or raise ImageError."""
    if not data:
        raise ImageError("empty image data", reason="empty-image")
    if len(data) > MAX_BYTES:
        raise ImageError("image file too large", reason="image-too-large")
    size = _header_size(data)
    flags = cv2.IMREAD_COLOR
    if size is not None:
        w, h = size
        if w <= 0 or h <= 0:
            raise ImageError("image has no pixels", reason="empty-image")
        if w * h > MAX_PIXELS:
            raise ImageError(f"image too large ({w}×{h} pixels)", reason="image-too-large")
        longest = max(w, h)
        for factor, flag in ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4),
                             (2, cv2.IMREAD_REDUCED_COLOR_2)):
            if longest // factor >= WORK_SIDE:
                flags = flag
                break
    buf = np.frombuffer(data, np.uint8)
    try:
        img = cv2.imdecode(buf, flags)
    except cv2.error as exc:
        raise ImageError("image could not be decoded", reason="not-an-image") from exc
    if img is None or img.size == 0:
        raise ImageError("not an image (or an unsupported format)", reason="not-an-image")
    return fit(img)


def load_image(path: str | Path) -> Image:
    """Read and decode an image file (see decode_image)."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_BYTES:
            raise ImageError("image file too large", reason="image-too-large")
        data = p.read_bytes()
    except OSError as exc:
        raise ImageError(f"cannot read image file ({exc.strerror})", reason="unreadable") from exc
    return decode_image(data)


def fit(img: Image) -> Image:
    """Check an in-memory frame and bring it to at most WORK_SIDE on its longest side."""
    if img.ndim not in (2, 3) or img.size == 0 or min(img.shape[:2]) < 8:
        raise ImageError("image too small or malformed", reason="empty-image")
    if img.dtype != np.uint8:
        raise ImageError("image must be 8-bit", reason="not-an-image")
    h, w = img.shape[:2]
    if h * w > MAX_PIXELS:
        raise ImageError("image too large", reason="image-too-large")
    longest = max(h, w)
    if longest > WORK_SIDE:
        scale = WORK_SIDE / longest
        img = cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return img


def to_gray(img: Image) -> Image:
    if img.ndim == 2:
        return img
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2GRAY)
    if img.shape[2] == 1:
        return img[:, :, 0]
    return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)


def percentile_u8(image: Image, q: float) -> float:
    """``np.percentile(image, q)`` of a uint8 image (linear interpolation, bit for bit the same value) from
    its histogram: a frame has 10^5–10^6 pixels, and partitioning them costs ~1 ms a call."""
    n = int(image.size)
    if n == 0 or image.dtype != np.uint8:
        raise ValueError("percentile_u8 needs a non-empty uint8 image")
    # calcHist counts in float32, exact below 2^24 pixels (a frame here is at most WORK_SIDE²)
    counts = cv2.calcHist([np.ascontiguousarray(image)], [0], None, [256], [0, 256]).ravel()
    cumulative = np.cumsum(counts.astype(np.int64))
    virtual = (n - 1) * (q / 100)
    lower = n - 1 if virtual >= n - 1 else max(math.floor(virtual), 0)
    upper = min(lower + 1, n - 1)
    a, b = (int(np.searchsorted(cumulative, k, side="right")) for k in (lower, upper))
    gamma = virtual - math.floor(virtual) if 0 <= virtual < n - 1 else 0.0
    # numpy's lerp, same operations in the same order
    diff = b - a
    return float(b - diff * (1 - gamma)) if gamma >= 0.5 else float(a + diff * gamma)
