"""Bad input: never a crash, never a huge allocation."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocr.errors import ImageError
from ocr.image import WORK_SIDE, decode_image, fit, load_image, percentile_u8


def _png_header(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)))


def test_not_an_image(tmp_path: Path) -> None:
    p = tmp_path / "x.jpg"
    p.write_text("this is not an image")
    with pytest.raises(ImageError) as info:
        load_image(p)
    assert info.value.reason == "not-an-image"


def test_empty_and_missing(tmp_path: Path) -> None:
    p = tmp_path / "empty.png"
    p.write_bytes(b"")
    with pytest.raises(ImageError):
        load_image(p)
    with pytest.raises(ImageError) as info:
        load_image(tmp_path / "missing.png")
    assert info.value.reason == "unreadable"


def test_huge_dimensions_refused_before_decoding() -> None:
    with pytest.raises(ImageError) as info:
        decode_image(_png_header(20000, 20000) + b"\x00" * 100)
    assert info.value.reason == "image-too-large"


def test_large_image_is_reduced() -> None:
    big = np.full((4000, 6000, 3), 200, np.uint8)
    ok, buf = cv2.imencode(".png", big)
    assert ok
    img = decode_image(buf.tobytes())
    assert max(img.shape[:2]) <= WORK_SIDE
    assert max(fit(big).shape[:2]) == WORK_SIDE


def test_truncated_jpeg() -> None:
    ok, buf = cv2.imencode(".jpg", np.full((200, 300, 3), 90, np.uint8))
    assert ok
    try:
        img = decode_image(buf.tobytes()[:200])
    except ImageError:
        return
    assert img.ndim == 3  # OpenCV may return a partial image; that is fine too


def test_tiny_or_odd_arrays() -> None:
    with pytest.raises(ImageError):
        fit(np.zeros((3, 3), np.uint8))
    with pytest.raises(ImageError):
        fit(np.zeros((100, 100), np.float32))  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 256), st.floats(0, 100), st.integers(0, 2**32 - 1))
def test_percentile_from_the_histogram_is_numpys_bit_for_bit(h: int, w: int, levels: int, q: float,
                                                              seed: int) -> None:
    image = np.random.default_rng(seed).integers(0, levels, (h, w)).astype(np.uint8)
    assert percentile_u8(image, q) == float(np.percentile(image, q))
    assert percentile_u8(image[:, ::2], q) == float(np.percentile(image[:, ::2], q))  # a view, not contiguous


def test_percentile_from_the_histogram_refuses_what_it_cannot_count() -> None:
    with pytest.raises(ValueError):
        percentile_u8(np.zeros((0, 4), np.uint8), 50)
    with pytest.raises(ValueError):
        percentile_u8(np.zeros((4, 4), np.float32), 50)
