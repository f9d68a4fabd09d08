"""Decode and size images for the face pipeline. Chip photos (DG2) are JPEG or JPEG 2000 bytes;
Pillow decodes both (JPEG 2000 through its OpenJPEG plugin). Everything stays in memory."""

from __future__ import annotations

import io
import warnings

import numpy as np
import numpy.typing as npt
from PIL import Image

from kiosk.face.errors import FaceImageError

RgbImage = npt.NDArray[np.uint8]  # H×W×3, RGB, uint8

#: A DG2 photo is ~10–30 kB; a camera still a few MB. Beyond this the input is not a photo.
MAX_BYTES = 25 * 1024 * 1024
#: Refuse images whose header claims more pixels than this before decoding (decompression bombs).
MAX_PIXELS = 40_000_000


def decode_image(data: bytes) -> RgbImage:
    """Bytes (JPEG, JPEG 2000, PNG, ...) → RGB array. Bad input → ``FaceImageError``."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise FaceImageError("image must be bytes")
    if len(data) == 0:
        raise FaceImageError("image is empty")
    if len(data) > MAX_BYTES:
        raise FaceImageError(f"image too large: {len(data)} bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(bytes(data))) as img:
                width, height = img.size
                if width < 1 or height < 1 or width * height > MAX_PIXELS:
                    raise FaceImageError(f"image size {width}x{height} out of range")
                rgb = img.convert("RGB")
                rgb.load()
    except FaceImageError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, MemoryError) as exc:
        raise FaceImageError(f"image could not be decoded: {type(exc).__name__}") from exc
    return np.array(rgb, dtype=np.uint8)  # a writeable copy, so it can be zeroed


def as_rgb(frame: npt.NDArray[np.generic]) -> RgbImage:
    """Accept a camera frame as H×W×3 uint8 RGB (or H×W grey) and return a contiguous RGB array."""
    array = np.asarray(frame)
    if array.dtype != np.uint8:
        raise FaceImageError(f"frame must be uint8, got {array.dtype}")
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] != 3 or array.shape[0] < 16 or array.shape[1] < 16:
        raise FaceImageError(f"frame must be H×W×3 RGB, got shape {array.shape}")
    if array.shape[0] * array.shape[1] > MAX_PIXELS:
        raise FaceImageError("frame too large")
    return np.ascontiguousarray(array)


def fit(image: RgbImage, max_side: int) -> RgbImage:
    """Downscale so the longer side is at most ``max_side``: HOG detection time grows with pixels, and
    a face wider than ~200 px gains nothing (the embedding works on a 150 px chip)."""
    height, width = image.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return image
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = Image.fromarray(image).resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.array(resized, dtype=np.uint8)
