from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

import numpy as np
import pytest

from kiosk.face.errors import FaceImageError
from kiosk.face.image import as_rgb, decode_image, fit

Encode = Callable[..., bytes]


def test_jpeg_and_jpeg2000_decode_to_rgb(astronaut: np.ndarray, encode: Encode) -> None:
    jp2, j2k = encode(astronaut, "JPEG2000"), encode(astronaut, "JPEG2000", no_jp2=True)
    assert jp2.startswith(b"\x00\x00\x00\x0cjP") and j2k.startswith(b"\xff\x4f\xff\x51")
    for data in (encode(astronaut, "JPEG", quality=90), jp2, j2k):
        image = decode_image(data)
        assert image.shape == astronaut.shape
        assert image.dtype == np.uint8
        assert image.flags.writeable  # so the pipeline can zero it
        assert float(np.abs(image.astype(int) - astronaut).mean()) < 8


@pytest.mark.parametrize(
    "data", [b"", b"\xff\xd8\xff\xe0garbage", b"\x00" * 100, b"\x00\x00\x00\x0cjP  \r\n\x87\n"]
)
def test_bad_bytes_are_a_typed_error(data: bytes) -> None:
    with pytest.raises(FaceImageError) as info:
        decode_image(data)
    assert info.value.reason == "face-image-unreadable"


def _png_header_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(FaceImageError):
        decode_image(_png_header_claiming(60_000, 60_000))


def test_frames_must_be_uint8_rgb() -> None:
    with pytest.raises(FaceImageError):
        as_rgb(np.zeros((100, 100, 3), dtype=np.float32))
    with pytest.raises(FaceImageError):
        as_rgb(np.zeros((100, 100, 4), dtype=np.uint8))
    assert as_rgb(np.zeros((100, 120), dtype=np.uint8)).shape == (100, 120, 3)


def test_fit_downscales_only_large_images(astronaut: np.ndarray) -> None:
    assert fit(astronaut, 640) is astronaut
    small = fit(astronaut, 150)
    assert small.shape == (150, 150, 3)


def test_corrupted_images_only_raise_the_typed_error(astronaut: np.ndarray, encode: Encode) -> None:
    import random

    rnd = random.Random(8)
    seeds = [encode(astronaut[:120, :120], fmt) for fmt in ("JPEG", "JPEG2000", "PNG")]
    for _ in range(300):
        data = bytearray(rnd.choice(seeds))
        for _ in range(rnd.randint(1, 20)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        if rnd.random() < 0.3:
            data = data[: rnd.randrange(len(data))]
        try:
            image = decode_image(bytes(data))
        except FaceImageError:
            continue
        assert image.ndim == 3 and image.shape[2] == 3
