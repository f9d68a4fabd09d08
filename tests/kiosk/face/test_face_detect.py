from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter

from kiosk.face.detect import GUIDANCE_TEXT, FaceDetector, Guidance, QualityConfig, guidance_text, pose_from_5


def test_one_frontal_face_passes_every_gate(detector: FaceDetector, astronaut: np.ndarray) -> None:
    found = detector.detect(astronaut)
    assert len(found.faces) == 1
    face = found.single
    assert face is not None
    assert face.quality.ok, face.quality
    assert found.guidance == (Guidance.OK,)
    assert 80 <= face.box.width <= 120
    assert abs(face.quality.roll_deg) < 10 and abs(face.quality.yaw) < 0.15


def test_no_face_gives_no_face_guidance(detector: FaceDetector) -> None:
    skdata = pytest.importorskip("skimage.data")
    for image in (
        np.full((480, 640, 3), 128, np.uint8),
        np.array(skdata.chelsea()),
        np.array(skdata.coffee()),
    ):
        found = detector.detect(image)
        assert found.faces == ()
        assert found.single is None
        assert found.guidance == (Guidance.NO_FACE,)


def test_two_faces_ask_for_one_person(detector: FaceDetector, astronaut: np.ndarray) -> None:
    pair = np.concatenate([astronaut, astronaut[:, ::-1]], axis=1)
    found = detector.detect(pair)
    assert len(found.faces) == 2
    assert found.single is None
    assert found.guidance == (Guidance.MULTIPLE_FACES,)


def _pil(image: np.ndarray) -> Image.Image:
    return Image.fromarray(image)


def test_blur_asks_to_hold_still(detector: FaceDetector, astronaut: np.ndarray) -> None:
    blurred = np.array(_pil(astronaut).filter(ImageFilter.GaussianBlur(1.5)))
    face = detector.detect(blurred).single
    assert face is not None
    assert Guidance.HOLD_STILL in face.quality.issues


def test_light_gates(detector: FaceDetector, astronaut: np.ndarray) -> None:
    dark = np.array(ImageEnhance.Brightness(_pil(astronaut)).enhance(0.25))
    bright = np.array(ImageEnhance.Brightness(_pil(astronaut)).enhance(1.6))
    dark_face, bright_face = detector.detect(dark).single, detector.detect(bright).single
    assert dark_face is not None and Guidance.MORE_LIGHT in dark_face.quality.issues
    assert bright_face is not None and Guidance.LESS_LIGHT in bright_face.quality.issues


def test_small_face_asks_to_come_closer(detector: FaceDetector, astronaut: np.ndarray) -> None:
    strict = FaceDetector(detector.models, QualityConfig(min_face_px=120))
    face = strict.detect(astronaut).single  # the astronaut's face box is ~87 px wide
    assert face is not None
    assert Guidance.MOVE_CLOSER in face.quality.issues


def test_face_cut_by_the_frame_asks_to_centre(
    detector: FaceDetector, fr_frames: dict[str, np.ndarray]
) -> None:
    face = detector.detect(fr_frames["obama_partial_face"]).single
    assert face is not None
    assert Guidance.CENTRE in face.quality.issues


def test_turned_head_asks_to_face_the_camera() -> None:
    # eyes level, nose base pushed sideways by 0.4 interocular distances
    frontal = ((100.0, 100.0), (120.0, 100.0), (180.0, 100.0), (160.0, 100.0), (140.0, 140.0))
    turned = (*frontal[:4], (140.0 + 0.4 * 60, 140.0))
    assert pose_from_5(frontal) == pytest.approx((0.0, 0.0), abs=1e-9)
    _roll, yaw = pose_from_5(turned)
    assert abs(yaw) == pytest.approx(0.4)
    tilted = ((100.0, 100.0), (120.0, 110.0), (180.0, 140.0), (160.0, 130.0), (130.0, 160.0))
    assert abs(pose_from_5(tilted)[0]) == pytest.approx(26.57, abs=0.1)


def test_every_guidance_code_has_vietnamese_and_english_text() -> None:
    assert set(GUIDANCE_TEXT) == set(Guidance)
    for code in Guidance:
        assert guidance_text(code, "vi") and guidance_text(code, "en")
        assert guidance_text(code, "vi") != guidance_text(code, "en")
    assert guidance_text(Guidance.NO_FACE, "fr") == guidance_text(Guidance.NO_FACE, "vi")


def test_landmarks_are_kept_out_of_repr(detector: FaceDetector, astronaut: np.ndarray) -> None:
    face = detector.detect(astronaut).single
    assert face is not None
    assert "landmarks5" not in repr(face)
