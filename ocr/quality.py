"""Frame-quality measures and patient guidance (vi/en). Also used by the self-test.

Measures are cheap (a downscaled grayscale frame): sharpness = variance of the Laplacian, glare = share of
saturated pixels, exposure = mean brightness, MRZ size = character height of the located MRZ lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocr.image import Image, fit, to_gray
from ocr.mrz.locate import find_candidates

#: guidance code → (Vietnamese, English)
GUIDANCE: dict[str, tuple[str, str]] = {
    "ok": ("Giữ nguyên thẻ", "Hold the card there"),
    "no-document": ("Đặt mặt sau thẻ vào khung hình", "Place the back of the card in the frame"),
    "hold-still": ("Giữ yên thẻ", "Hold still"),
    "move-closer": ("Đưa thẻ lại gần hơn", "Move the card closer"),
    "move-away": ("Đưa thẻ ra xa hơn", "Move the card further away"),
    "glare": ("Nghiêng thẻ để tránh ánh sáng chói", "Tilt the card away from the light"),
    "too-dark": ("Ánh sáng quá tối", "Too dark: more light needed"),
    "too-bright": ("Ánh sáng quá mạnh", "Too bright"),
}

SHARPNESS_MIN = 60.0
GLARE_MAX = 0.02
MRZ_MIN_PX = 12.0
MRZ_MAX_PX = 60.0


@dataclass(frozen=True)
class FrameQuality:
    sharpness: float
    glare: float
    brightness: float
    mrz_char_height: float | None
    guidance: str

    def text(self, lang: str = "vi") -> str:
        vi, en = GUIDANCE[self.guidance]
        return vi if lang == "vi" else en


def measure(image: Image) -> FrameQuality:
    gray = to_gray(fit(image))
    small = cv2.resize(gray, (640, max(1, round(640 * gray.shape[0] / gray.shape[1]))),
                       interpolation=cv2.INTER_AREA)
    sharpness = float(cv2.Laplacian(small, cv2.CV_64F).var())
    glare = float(np.mean(small >= 250))
    brightness = float(small.mean())
    cands = find_candidates(gray)
    height = None
    if cands:
        height = float(np.median([ln.thickness for ln in cands[0].lines]))
    return FrameQuality(sharpness, glare, brightness, height, _guidance(sharpness, glare, brightness, height))


def _guidance(sharpness: float, glare: float, brightness: float, height: float | None) -> str:
    if brightness < 50:
        return "too-dark"
    if brightness > 225:
        return "too-bright"
    if glare > GLARE_MAX:
        return "glare"
    if height is None:
        return "no-document"
    if height < MRZ_MIN_PX:
        return "move-closer"
    if height > MRZ_MAX_PX:
        return "move-away"
    if sharpness < SHARPNESS_MIN:
        return "hold-still"
    return "ok"
