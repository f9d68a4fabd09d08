"""Liveness on landmark sequences.

Positive paths are SYNTHESISED: real 68-point landmarks of the astronaut photo, with the eyelids
moved (blink) or the inner face shifted against the jaw line (head turn). They prove the decision
logic, not that a real blink or turn on a kiosk camera is detected — see docs/face.md."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.face.detect import Box, FaceDetector
from kiosk.face.liveness import (
    CHALLENGE_TEXT,
    Challenge,
    LivenessConfig,
    assess,
    challenge_text,
    eye_openness,
    landmarks68,
    random_challenge,
    yaw_ratio,
)

RNG = np.random.default_rng(8)


@pytest.fixture(scope="module")
def base(detector: FaceDetector, astronaut: np.ndarray) -> np.ndarray:
    face = detector.detect(astronaut).single
    assert face is not None
    return landmarks68(detector.models, astronaut, face.box)


def jitter(points: np.ndarray, px: float = 0.4) -> np.ndarray:
    return points + RNG.normal(0.0, px, points.shape)


def closed_eyes(points: np.ndarray, factor: float) -> np.ndarray:
    """Move the upper lids towards the lower lids: factor 1 = as is, 0 = shut."""
    out = points.copy()
    for upper, lower in ((37, 41), (38, 40), (43, 47), (44, 46)):
        out[upper] = out[lower] + factor * (points[upper] - points[lower])
    return out


def turned(points: np.ndarray, share: float) -> np.ndarray:
    """Shift everything but the jaw line along the jaw axis by ``share`` of the jaw length."""
    out = points.copy()
    out[17:] += share * (points[16] - points[0])
    return out


def random_affine(points: np.ndarray) -> np.ndarray:
    """What moving, rotating, tilting or bending back a flat photo does (weak perspective)."""
    angle = RNG.uniform(-0.3, 0.3)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    squash = np.diag([RNG.uniform(0.6, 1.0), RNG.uniform(0.5, 1.0)])  # tilt about either axis
    shear = np.array([[1.0, RNG.uniform(-0.2, 0.2)], [0.0, 1.0]])
    centre = points.mean(axis=0)
    moved: np.ndarray = (points - centre) @ (rot @ squash @ shear).T + centre + RNG.uniform(-20, 20, 2)
    return moved


def test_measures_on_a_real_frontal_face(base: np.ndarray) -> None:
    assert 0.08 < eye_openness(base) < 0.3
    assert 0.4 < yaw_ratio(base) < 0.6


def test_blink_passes(base: np.ndarray) -> None:
    frames = [jitter(base) for _ in range(4)]
    frames += [jitter(closed_eyes(base, f)) for f in (0.6, 0.2, 0.1, 0.5)]
    frames += [jitter(base) for _ in range(3)]
    result = assess(Challenge.BLINK, frames)
    assert result.passed, result
    assert result.reason == "passed"
    assert result.measure > 0.5


def test_half_closing_or_closing_without_reopening_is_not_a_blink(base: np.ndarray) -> None:
    squint = [jitter(base) for _ in range(4)] + [jitter(closed_eyes(base, 0.8))] * 3 + [jitter(base)] * 3
    assert assess(Challenge.BLINK, squint).reason == "no-blink"
    never_reopen = [jitter(base) for _ in range(4)] + [jitter(closed_eyes(base, 0.1)) for _ in range(4)]
    assert not assess(Challenge.BLINK, never_reopen).passed


def test_head_turn_passes_in_the_asked_direction_only(base: np.ndarray) -> None:
    frames = [jitter(base) for _ in range(3)] + [jitter(turned(base, s)) for s in (0.05, 0.1, 0.15, 0.1, 0.0)]
    left = assess(Challenge.TURN_LEFT, frames)
    assert left.passed, left
    right = assess(Challenge.TURN_RIGHT, frames)
    assert (right.passed, right.reason) == (False, "wrong-direction")
    mirrored = LivenessConfig(camera_mirrored=True)
    assert assess(Challenge.TURN_RIGHT, frames, mirrored).passed
    assert not assess(Challenge.TURN_LEFT, frames, mirrored).passed


def test_turning_both_ways_passes_no_turn_challenge(base: np.ndarray) -> None:
    # a replayed clip that shows every action must not satisfy whichever turn is asked
    both = [jitter(base) for _ in range(3)] + [jitter(turned(base, s)) for s in (0.15, 0.0, -0.15, 0.0)]
    for challenge in (Challenge.TURN_LEFT, Challenge.TURN_RIGHT):
        assert assess(challenge, both).reason == "wrong-direction"


def test_static_photo_fails_every_challenge(base: np.ndarray) -> None:
    frames = [jitter(base) for _ in range(15)]
    for challenge in Challenge:
        result = assess(challenge, frames)
        assert not result.passed, (challenge, result)
        assert result.reason in {"no-blink", "no-turn"}


def test_moving_tilting_a_flat_photo_fails_every_challenge(base: np.ndarray) -> None:
    # Each frame is the same flat face under a different affine map: moved, rotated, tilted back,
    # tilted sideways. A plain eye aspect ratio would read tilting back as a blink; ours does not.
    for _ in range(20):
        frames = [base] + [random_affine(base) for _ in range(9)]
        for challenge in Challenge:
            result = assess(challenge, frames)
            assert not result.passed, (challenge, result)


def test_a_real_blink_survives_head_motion(base: np.ndarray) -> None:
    frames = [random_affine(base) for _ in range(3)]
    frames += [random_affine(closed_eyes(base, 0.1)), random_affine(base), random_affine(base)]
    assert assess(Challenge.BLINK, frames).passed


def test_too_few_frames_and_face_jumps_fail(base: np.ndarray) -> None:
    frames = [base] * 3
    assert assess(Challenge.BLINK, frames).reason == "too-few-frames"
    blink = [base] * 3 + [closed_eyes(base, 0.1)] + [base] * 3
    near = [Box(100 + i, 100, 200 + i, 200) for i in range(7)]
    assert assess(Challenge.BLINK, blink, boxes=near).passed
    swapped = [*near[:3], Box(400, 100, 500, 200), *near[4:]]
    assert assess(Challenge.BLINK, blink, boxes=swapped).reason == "face-lost"
    assert assess(Challenge.BLINK, blink, boxes=near[:3]).reason == "face-lost"


def test_closed_eyes_throughout_are_reported() -> None:
    flat = np.zeros((68, 2))
    assert assess(Challenge.BLINK, [flat] * 6).reason == "eyes-not-open"


def test_challenges_have_texts_and_are_random() -> None:
    assert set(CHALLENGE_TEXT) == set(Challenge)
    for challenge in Challenge:
        assert challenge_text(challenge, "vi") != challenge_text(challenge, "en")
    assert {random_challenge() for _ in range(200)} == set(Challenge)
    turns = (Challenge.TURN_LEFT, Challenge.TURN_RIGHT)
    assert {random_challenge(turns) for _ in range(100)} == set(turns)
    with pytest.raises(ValueError):
        random_challenge(())
