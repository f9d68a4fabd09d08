"""Face test fixtures. Faces come from registry packages only:
- scikit-image's astronaut (NASA, public domain) — always available, no network;
- the face_recognition source package's test photos, fetched by ``scripts/fetch_face_test_images``
  into a cache outside git; tests that need them skip with the reason when absent."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

FETCH_HINT = "face_recognition test photos not fetched: run scripts/fetch_face_test_images (needs PyPI)"


def _models_or_skip() -> None:
    from kiosk.face.errors import FaceModelError
    from kiosk.face.models import find_models, import_dlib

    try:
        import_dlib()
        find_models()
    except FaceModelError as exc:
        pytest.skip(f"face models unavailable: {exc}")


@pytest.fixture(scope="session")
def detector():  # type: ignore[no-untyped-def]
    _models_or_skip()
    from kiosk.face.detect import FaceDetector

    return FaceDetector()


@pytest.fixture(scope="session")
def embedder(detector):  # type: ignore[no-untyped-def]
    from kiosk.face.embed import DlibResnetEmbedder

    return DlibResnetEmbedder(detector.models)


@pytest.fixture(scope="session")
def astronaut_full() -> np.ndarray:
    skdata = pytest.importorskip("skimage.data", reason="scikit-image (test dependency) not installed")
    return np.array(skdata.astronaut(), dtype=np.uint8)


@pytest.fixture(scope="session")
def astronaut(astronaut_full: np.ndarray) -> np.ndarray:
    """A 300×300 head-and-shoulders crop: the full picture's suit badges give weak false boxes."""
    return astronaut_full[0:300, 70:370].copy()


def to_bytes(image: np.ndarray, fmt: str = "JPEG", **params: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, fmt, **params)
    return buf.getvalue()


@pytest.fixture(scope="session")
def chip_photo_jp2(astronaut_full: np.ndarray) -> bytes:
    """A simulated DG2 portrait: 240×312 JPEG 2000 at ~11 kB, like ICAO 9303 chip photos."""
    portrait = (
        Image.fromarray(astronaut_full).crop((120, 20, 320, 280)).resize((240, 312), Image.Resampling.LANCZOS)
    )
    return to_bytes(np.array(portrait), "JPEG2000", quality_mode="rates", quality_layers=[20])


@pytest.fixture(scope="session")
def fr_images() -> Path:
    folder = Path(os.environ.get("CCCD_FACE_TEST_IMAGES", Path.home() / ".cache/cccd-kiosk/face_test_images"))
    if not (folder / "obama.jpg").is_file() or not (folder / "biden.jpg").is_file():
        pytest.skip(FETCH_HINT)
    return folder


@pytest.fixture(scope="session")
def fr_frames(fr_images: Path) -> dict[str, np.ndarray]:
    from kiosk.face.image import decode_image, fit

    return {path.stem: fit(decode_image(path.read_bytes()), 640) for path in sorted(fr_images.glob("*.jpg"))}


@pytest.fixture(scope="session")
def encode():  # type: ignore[no-untyped-def]
    """``encode(image, fmt="JPEG", **params) -> bytes`` (helpers cannot be imported under importlib mode)."""
    return to_bytes
