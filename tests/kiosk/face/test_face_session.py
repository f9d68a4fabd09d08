"""The whole check: consent, chip photo, frames, decision, wipe.

Frame sequences are built from still images. The held-up-photo cases are what a printed photo or a
photo on a phone shows the camera: the same picture, moved, tilted, re-compressed. The positive
head-turn case warps the face's centre sideways against its outline (a simulated turn; it proves the
pipeline from pixels to decision, not that real turns are detected — docs/face.md)."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter

from kiosk.face.consent import record_consent
from kiosk.face.detect import FaceDetector, Guidance
from kiosk.face.embed import DlibResnetEmbedder, Embedding
from kiosk.face.errors import ConsentRequiredError, FaceError
from kiosk.face.liveness import Challenge, landmarks68
from kiosk.face.match import Outcome, Reason
from kiosk.face.session import FaceCheck, compare_stills

Encode = Callable[..., bytes]
RNG = np.random.default_rng(88)


@pytest.fixture
def check(detector: FaceDetector, embedder: DlibResnetEmbedder) -> FaceCheck:
    session = FaceCheck(detector=detector, embedder=embedder)
    assert session.give_consent(record_consent(True)) is None
    return session


def head_turn_frames(detector: FaceDetector, image: np.ndarray) -> list[np.ndarray]:
    face = detector.detect(image).single
    assert face is not None
    nose = landmarks68(detector.models, image, face.box)[30]
    h, w = image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    bump = np.exp(-((xx - nose[0]) ** 2 + (yy - nose[1]) ** 2) / (2 * (0.35 * face.box.width) ** 2))
    frames = []
    for amp in (0.0, 0.0, 0.0, 0.1, 0.2, 0.25, 0.2, 0.1, 0.0):
        map_x = (xx - amp * face.box.width * bump).astype(np.float32)
        frames.append(cv2.remap(image, map_x, yy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT))
    return frames


def held_up_photo_frames(image: np.ndarray, encode: Encode) -> list[np.ndarray]:
    """The same photo moved, tilted (perspective) and re-compressed frame after frame."""
    from kiosk.face.image import decode_image

    h, w = image.shape[:2]
    frames = []
    for i in range(12):
        k = 0.08 * np.sin(i / 2)
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
        corners = [[0, 0], [w * (1 - abs(k)), h * k / 2], [w * (1 - abs(k)), h * (1 - k / 2)], [0, h]]
        dst = (np.array(corners) + RNG.uniform(-4, 4, (4, 2))).astype(np.float32)
        warped = cv2.warpPerspective(
            image, cv2.getPerspectiveTransform(src, dst), (w, h), borderMode=cv2.BORDER_REPLICATE
        )
        frames.append(decode_image(encode(warped, "JPEG", quality=int(RNG.integers(60, 90)))))
    return frames


# --- consent --------------------------------------------------------------------------------------
def test_declined_consent_continues_with_staff(detector: FaceDetector, embedder: DlibResnetEmbedder) -> None:
    session = FaceCheck(detector=detector, embedder=embedder)
    decision = session.give_consent(record_consent(False))
    assert decision is not None
    assert (decision.outcome, decision.reason, decision.needs_staff) == (
        Outcome.NOT_CHECKED,
        Reason.NO_CONSENT,
        True,
    )
    assert session.decide().reason is Reason.NO_CONSENT
    with pytest.raises(ConsentRequiredError):
        session.set_chip_photo(b"\xff\xd8")
    with pytest.raises(ConsentRequiredError):
        session.start_challenge()


def test_nothing_runs_before_consent(detector: FaceDetector, embedder: DlibResnetEmbedder) -> None:
    session = FaceCheck(detector=detector, embedder=embedder)
    with pytest.raises(ConsentRequiredError) as info:
        session.add_frame(np.zeros((100, 100, 3), np.uint8))
    assert info.value.reason == "no-consent"


# --- liveness through the pipeline ---------------------------------------------------------------
@pytest.mark.parametrize("challenge", list(Challenge))
def test_photo_held_to_the_camera_is_not_a_match(
    check: FaceCheck, astronaut: np.ndarray, chip_photo_jp2: bytes, encode: Encode, challenge: Challenge
) -> None:
    check.set_chip_photo(chip_photo_jp2)
    check.start_challenge(challenge)
    for frame in held_up_photo_frames(astronaut, encode):
        check.add_frame(frame)
    decision = check.decide()
    assert decision.outcome is not Outcome.MATCH
    assert decision.reason is Reason.LIVENESS_FAILED
    assert decision.liveness.startswith("failed:")
    assert decision.distance is not None and decision.distance < 0.5  # it IS the same face


def test_static_frames_are_not_a_match(
    check: FaceCheck, astronaut: np.ndarray, chip_photo_jp2: bytes
) -> None:
    check.set_chip_photo(chip_photo_jp2)
    check.start_challenge(Challenge.BLINK)
    for _ in range(10):
        assert check.add_frame(astronaut).usable
    assert check.decide().reason is Reason.LIVENESS_FAILED


def test_simulated_head_turn_matches(
    check: FaceCheck, detector: FaceDetector, astronaut: np.ndarray, chip_photo_jp2: bytes
) -> None:
    check.set_chip_photo(chip_photo_jp2)
    check.start_challenge(Challenge.TURN_LEFT)
    for frame in head_turn_frames(detector, astronaut):
        check.add_frame(frame)
    live = check.liveness()
    assert live is not None and live.passed, live
    decision = check.decide()
    assert (decision.outcome, decision.reason, decision.liveness) == (Outcome.MATCH, Reason.MATCH, "passed")
    assert not decision.needs_staff


def test_same_turn_the_other_way_is_not_a_match(
    check: FaceCheck, detector: FaceDetector, astronaut: np.ndarray, chip_photo_jp2: bytes
) -> None:
    check.set_chip_photo(chip_photo_jp2)
    check.start_challenge(Challenge.TURN_RIGHT)
    for frame in head_turn_frames(detector, astronaut):
        check.add_frame(frame)
    assert check.decide().reason is Reason.LIVENESS_FAILED


# --- clear outcomes for bad inputs ---------------------------------------------------------------
def test_no_face_and_two_faces_in_frames(
    check: FaceCheck, astronaut: np.ndarray, chip_photo_jp2: bytes
) -> None:
    check.set_chip_photo(chip_photo_jp2)
    check.start_challenge(Challenge.BLINK)
    feedback = check.add_frame(np.full((480, 640, 3), 90, np.uint8))
    assert (feedback.faces, feedback.guidance) == (0, (Guidance.NO_FACE,))
    assert check.decide().reason is Reason.NO_FACE_LIVE
    pair = np.concatenate([astronaut, astronaut[:, ::-1]], axis=1)
    assert check.add_frame(pair).guidance == (Guidance.MULTIPLE_FACES,)
    for _ in range(6):
        check.add_frame(astronaut)
    decision = check.decide()
    assert (decision.outcome, decision.reason) == (Outcome.UNSURE, Reason.MULTIPLE_FACES_LIVE)


def test_only_poor_frames_give_a_quality_reason(
    check: FaceCheck, astronaut: np.ndarray, chip_photo_jp2: bytes
) -> None:
    check.set_chip_photo(chip_photo_jp2)
    check.start_challenge(Challenge.BLINK)
    dark = np.array(ImageEnhance.Brightness(Image.fromarray(astronaut)).enhance(0.25))
    assert Guidance.MORE_LIGHT in check.add_frame(dark).guidance
    assert check.decide().reason is Reason.POOR_QUALITY_LIVE


def test_chip_photo_problems(check: FaceCheck, astronaut: np.ndarray, encode: Encode) -> None:
    check.set_chip_photo(b"not an image")
    assert check.decide().reason is Reason.CHIP_PHOTO_UNREADABLE
    check.set_chip_photo(encode(np.full((320, 240, 3), 200, np.uint8)))
    decision = check.decide()
    assert (decision.outcome, decision.reason) == (Outcome.NOT_CHECKED, Reason.NO_FACE_CHIP)
    pair = np.concatenate([astronaut, astronaut[:, ::-1]], axis=1)
    check.set_chip_photo(encode(pair))
    assert check.decide().reason is Reason.MULTIPLE_FACES_CHIP


def test_frames_need_a_challenge(check: FaceCheck, astronaut: np.ndarray) -> None:
    with pytest.raises(FaceError):
        check.add_frame(astronaut)


# --- privacy -------------------------------------------------------------------------------------
def test_wipe_zeroes_embeddings_and_forgets_consent(
    check: FaceCheck, astronaut: np.ndarray, chip_photo_jp2: bytes
) -> None:
    check.set_chip_photo(chip_photo_jp2)
    check.start_challenge(Challenge.BLINK)
    check.add_frame(astronaut)
    chip = check._chip
    assert isinstance(chip, Embedding) and np.any(chip.vector)
    best = check._best
    assert best is not None and np.any(best[1])
    assert "vector" not in repr(chip) and "array" not in repr(check)
    check.wipe()
    assert not np.any(chip.vector)
    assert not np.any(best[1])
    assert check._chip is None and check._best is None and check._landmarks == []
    assert check.decide().reason is Reason.NO_CONSENT
    with pytest.raises(ConsentRequiredError):
        check.set_chip_photo(chip_photo_jp2)


def test_camera_buffer_is_not_kept_or_changed(
    check: FaceCheck, astronaut: np.ndarray, chip_photo_jp2: bytes
) -> None:
    check.set_chip_photo(chip_photo_jp2)
    check.start_challenge(Challenge.BLINK)
    frame = astronaut.copy()
    check.add_frame(frame)
    check.wipe()
    assert np.array_equal(frame, astronaut)


# --- still-image comparisons (technician path) ---------------------------------------------------
def _variants(image: np.ndarray, encode: Encode) -> dict[str, bytes]:
    pil = Image.fromarray(image)
    return {
        "resize-down": encode(np.array(pil.resize((200, 200)).resize((300, 300)))),
        "resize-up": encode(np.array(pil.resize((600, 600)))),
        "jpeg-q25": encode(image, "JPEG", quality=25),
        "blur": encode(np.array(pil.filter(ImageFilter.GaussianBlur(1.2)))),
        "darker": encode(np.array(ImageEnhance.Brightness(pil).enhance(0.6))),
        "brighter": encode(np.array(ImageEnhance.Brightness(pil).enhance(1.3))),
    }


def test_same_photo_under_distortions_matches(
    astronaut: np.ndarray,
    chip_photo_jp2: bytes,
    encode: Encode,
    detector: FaceDetector,
    embedder: DlibResnetEmbedder,
) -> None:
    for name, still in _variants(astronaut, encode).items():
        decision = compare_stills(chip_photo_jp2, still, detector=detector, embedder=embedder)
        assert decision.outcome is Outcome.MATCH, (name, decision)
        assert decision.liveness == "not-run"


def test_same_person_other_photos_match(
    fr_images: object,
    fr_frames: dict[str, np.ndarray],
    encode: Encode,
    detector: FaceDetector,
    embedder: DlibResnetEmbedder,
) -> None:
    chip = encode(fr_frames["obama"], "JPEG2000", quality_mode="rates", quality_layers=[20])
    for other in ("obama2", "obama3"):
        decision = compare_stills(chip, encode(fr_frames[other]), detector=detector, embedder=embedder)
        assert decision.outcome is Outcome.MATCH, (other, decision)


def test_different_people_do_not_match(
    fr_frames: dict[str, np.ndarray],
    astronaut: np.ndarray,
    encode: Encode,
    detector: FaceDetector,
    embedder: DlibResnetEmbedder,
) -> None:
    people = {"biden": fr_frames["biden"], "obama": fr_frames["obama"], "astronaut": astronaut}
    for a in people:
        for b in people:
            if a < b:
                decision = compare_stills(
                    encode(people[a]), encode(people[b]), detector=detector, embedder=embedder
                )
                assert (decision.outcome, decision.reason) == (Outcome.NO_MATCH, Reason.DISTANCE_HIGH), (a, b)
                assert decision.distance is not None and decision.distance > 0.7


def test_models_missing_is_a_clear_outcome(monkeypatch: pytest.MonkeyPatch, chip_photo_jp2: bytes) -> None:
    from kiosk.face import detect
    from kiosk.face.errors import FaceModelError

    def broken(folder: object = None) -> object:
        raise FaceModelError("model file missing: x.dat")

    monkeypatch.setattr(detect, "load_dlib_models", broken)
    session = FaceCheck()
    session.give_consent(record_consent(True))
    session.set_chip_photo(chip_photo_jp2)
    assert session.decide().reason is Reason.MODEL_UNAVAILABLE
    assert compare_stills(chip_photo_jp2, chip_photo_jp2).reason is Reason.MODEL_UNAVAILABLE
