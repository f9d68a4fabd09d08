"""Find MRZ text lines anywhere in a frame and group them into 2- or 3-line MRZ blocks.

Dark strokes are isolated with a small black-hat (independent of character size), characters are joined
into line bands by a short horizontal closing, and each band becomes a rotated rectangle. Bands that are
long, thin, parallel, equally long and evenly stacked form an MRZ candidate. Works at half resolution for
speed; rotation up to about ±25° and mild perspective are tolerated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Gray = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class TextLine:
    """A text band in full-resolution frame coordinates: left/right mid-points and thickness."""

    left: tuple[float, float]
    right: tuple[float, float]
    thickness: float

    @property
    def length(self) -> float:
        return math.dist(self.left, self.right)

    @property
    def angle(self) -> float:
        return math.atan2(self.right[1] - self.left[1], self.right[0] - self.left[0])

    @property
    def center(self) -> tuple[float, float]:
        return ((self.left[0] + self.right[0]) / 2, (self.left[1] + self.right[1]) / 2)


@dataclass(frozen=True)
class Candidate:
    lines: tuple[TextLine, ...]
    score: float


def _ink_mask(gray: Gray) -> Gray | None:
    bh = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7)))
    hi = float(np.percentile(bh, 99.7))
    if hi < 12:
        return None
    _, mask = cv2.threshold(bh, max(hi * 0.35, 10.0), 255, cv2.THRESH_BINARY)
    return mask


def _text_angles(mask: Gray) -> list[float]:
    """Dominant orientations (degrees) of elongated ink clusters, strongest first."""
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hist = np.zeros(71, np.float64)  # -35…35°
    for c in contours:
        if len(c) < 5:
            continue
        (_, _), (w, h), ang = cv2.minAreaRect(c)
        if w < h:
            w, h = h, w
            ang += 90.0
        if w < 40 or w < 2.5 * h:
            continue
        a = math.remainder(ang, 180.0)
        if abs(a) <= 35:
            hist[round(a) + 35] += w
    if not hist.any():
        return [0.0]
    smooth = np.convolve(hist, [0.5, 1.0, 0.5], mode="same")
    order = np.argsort(-smooth)
    angles = [float(order[0]) - 35]
    for k in order[1:]:
        if smooth[k] < 0.3 * smooth[order[0]]:
            break
        if all(abs(float(k) - 35 - a) > 4 for a in angles):
            angles.append(float(k) - 35)
        if len(angles) == 2:
            break
    return angles


def _bands(mask: Gray, close_w: int) -> list[tuple[float, float, float, float]]:
    """Axis-aligned text bands (x0, x1, y_center, thickness) in an already deskewed ink mask."""
    m = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (close_w, 1)))
    # drop thin strokes that are not text bands: hairlines (vertical opening), steep lines (horizontal)
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 3)))
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (close_w // 2 + 3, 1)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if h < 3 or w < 60 or w < 10 * h or area < 0.5 * w * h:
            continue
        out.append((float(x), float(x + w), y + h / 2.0, float(h)))
    return out


def find_lines(gray: Gray) -> list[TextLine]:
    """Text bands in ``gray`` (full-resolution coordinates), found at half resolution after deskewing."""
    small = cv2.pyrDown(gray) if min(gray.shape) >= 200 else gray
    f = gray.shape[1] / small.shape[1]
    mask = _ink_mask(small)
    if mask is None:
        return []
    h, w = mask.shape
    lines: list[TextLine] = []
    for angle in _text_angles(mask):
        rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        cos, sin = abs(rot[0, 0]), abs(rot[0, 1])
        nw, nh = int(w * cos + h * sin) + 2, int(w * sin + h * cos) + 2
        rot[0, 2] += nw / 2 - w / 2
        rot[1, 2] += nh / 2 - h / 2
        deskewed = cv2.warpAffine(mask, rot, (nw, nh), flags=cv2.INTER_NEAREST)
        inv = cv2.invertAffineTransform(rot)
        for close_w in (7, 13, 21):
            for x0, x1, yc, th in _bands(deskewed, close_w):
                pts = np.array([[x0, yc, 1.0], [x1, yc, 1.0]]) @ inv.T * f
                lines.append(TextLine((float(pts[0, 0]), float(pts[0, 1])), (float(pts[1, 0]), float(pts[1, 1])),
                                      th * f))
    return _dedupe(lines)


def _dedupe(lines: list[TextLine]) -> list[TextLine]:
    out: list[TextLine] = []
    for ln in sorted(lines, key=lambda x: -x.length):
        if any(math.dist(ln.center, o.center) < 0.5 * o.thickness and abs(ln.length - o.length) < 0.1 * o.length
               for o in out):
            continue
        out.append(ln)
    return out


def _compatible(a: TextLine, b: TextLine) -> float | None:
    """Perpendicular offset of b from a if they look like neighbouring MRZ lines, else None."""
    if abs(math.remainder(a.angle - b.angle, 2 * math.pi)) > math.radians(6):
        return None
    if abs(a.length - b.length) > 0.12 * max(a.length, b.length):
        return None
    ux, uy = math.cos(a.angle), math.sin(a.angle)
    dx, dy = b.center[0] - a.center[0], b.center[1] - a.center[1]
    along = dx * ux + dy * uy
    perp = -dx * uy + dy * ux
    t = max(a.thickness, b.thickness)
    if abs(along) > 0.08 * a.length:
        return None
    char_h = a.length / 30.0  # rough: an MRZ line is 30–44 characters about as wide as tall
    if not (0.8 * min(t, char_h * 1.4) < abs(perp) < 3.2 * max(t, char_h)):
        return None
    return perp


def find_candidates(gray: Gray) -> list[Candidate]:
    """MRZ blocks (lines ordered top to bottom), best first."""
    lines = find_lines(gray)
    cands: list[Candidate] = []
    seen: set[tuple[int, ...]] = set()
    for i, a in enumerate(lines):
        # greedily stack the nearest compatible line below the current last one
        chain = [i]
        while len(chain) < 3:
            last = lines[chain[-1]]
            below = [(p, j) for j, b in enumerate(lines) if j not in chain
                     and (p := _compatible(last, b)) is not None and p > 0]
            if not below:
                break
            chain.append(min(below)[1])
        for k in (3, 2):
            if len(chain) >= k:
                key = tuple(chain[:k])
                if key in seen:
                    continue
                seen.add(key)
                group = tuple(lines[j] for j in chain[:k])
                spacing = [math.dist(group[m].center, group[m + 1].center) for m in range(k - 1)]
                even = 1.0 if k == 2 else min(spacing) / max(spacing)
                score = sum(g.length for g in group) * even + (0.5 if k == 3 else 0.0)
                cands.append(Candidate(group, score))
    cands.sort(key=lambda c: -c.score)
    return cands
