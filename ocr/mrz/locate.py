"""Find MRZ text lines anywhere in a frame and group them into 2- or 3-line MRZ blocks.

Dark strokes are isolated with a small black-hat (independent of character size), characters are joined
into line bands by a short horizontal closing, and each band becomes a rotated rectangle. Bands that are
long, thin, parallel, equally long and evenly stacked form an MRZ candidate. Works at half resolution for
speed; rotation up to about ±25° and mild perspective are tolerated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ocr.image import percentile_u8

Gray = npt.NDArray[Any]


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


def _ink_mask(gray: Gray, hairlines: bool = True) -> Gray | None:
    """Dark strokes of ``gray``; without ``hairlines``, strokes one pixel thin (guilloche, a background's
    fine print) are opened away, so that print crossed by a band of them is not closed into one blob."""
    bh = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7)))
    hi = percentile_u8(bh, 99.7)
    if hi < 12:
        return None
    _, mask = cv2.threshold(bh, max(hi * 0.35, 10.0), 255, cv2.THRESH_BINARY)
    if not hairlines:
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    return mask


def _profile_score(xs: npt.NDArray[np.float32], ys: npt.NDArray[np.float32], deg: float) -> float:
    a = math.radians(deg)
    # perpendicular coordinate: constant along a text line of direction (cos a, sin a), y down
    perp = -xs * math.sin(a) + ys * math.cos(a)
    hist = np.bincount((perp - perp.min()).astype(np.int64) // 2)
    return float(np.dot(hist, hist))


def _text_angles(mask: Gray) -> list[float]:
    """Dominant text-line directions (degrees, y down), strongest first: the angles at which the ink
    projects onto the fewest, densest rows."""
    ys, xs = np.nonzero(mask)
    if len(xs) < 50:
        return [0.0]
    if len(xs) > 40000:
        step = len(xs) // 40000 + 1
        xs, ys = xs[::step], ys[::step]
    fx, fy = xs.astype(np.float32), ys.astype(np.float32)
    coarse = np.arange(-30.0, 31.0, 1.5)
    scores = np.array([_profile_score(fx, fy, d) for d in coarse])
    peaks = [i for i in range(len(coarse))
             if scores[i] >= scores[max(i - 1, 0)] and scores[i] >= scores[min(i + 1, len(coarse) - 1)]]
    peaks.sort(key=lambda i: -scores[i])
    out: list[float] = []
    for i in peaks[:2]:
        if scores[i] < 0.8 * scores[peaks[0]]:
            break
        fine = np.arange(coarse[i] - 1.0, coarse[i] + 1.01, 0.25)
        best = max(fine, key=lambda d: _profile_score(fx, fy, float(d)))
        out.append(float(best))
    return out


def _bands(mask: Gray, close_w: int) -> list[tuple[float, float, float, float]]:
    """Axis-aligned text bands (x0, x1, y_center, thickness) in an already deskewed ink mask."""
    m = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (close_w, 1)))
    # drop thin strokes that are not text bands: hairlines (vertical opening), steep lines (horizontal)
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 3)))
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (close_w // 2 + 3, 1)))
    _, _, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    x, y, w, h, area = stats[1:].T
    # band-shaped components only (a noisy frame has tens of thousands of components: filtered as arrays)
    kept = np.flatnonzero((h >= 3) & (w >= 2 * h) & (area >= 0.5 * w * h))
    pieces: list[tuple[float, float, float, float]] = []
    for x0, y0, width, height in zip(*(v[kept].tolist() for v in (x, y, w, h)), strict=True):
        pieces.append((float(x0), float(x0 + width), y0 + height / 2.0, float(height)))
        if height >= 8:
            # closely stacked lines (small print, blur) can merge into one thick band: add its rows of text
            # as bands of their own (the merged band stays; grouping picks whichever forms an MRZ)
            for r0, r1 in _text_rows(mask[y0 : y0 + height, x0 : x0 + width]):
                pieces.append((float(x0), float(x0 + width), y0 + (r0 + r1) / 2.0, float(r1 - r0)))
    return [(x0, x1, yc, th) for x0, x1, yc, th in _joined(sorted(pieces)) if x1 - x0 >= 60 and x1 - x0 >= 10 * th]


def _joined(pieces: list[tuple[float, float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Glare or wide filler gaps can break a line into pieces: each piece (left to right) joins the first
    band (in the order bands were started) on its row that it continues, or starts a band. Bands are kept
    in buckets by row: a textured frame gives thousands of pieces."""
    bands: list[list[float]] = []  # x0, x1, y centre, thickness
    rows: dict[int, list[int]] = {}  # floor(y centre) → bands there
    for x0, x1, yc, th in pieces:
        # a band this piece may join is within 0.8 of its thickness: |dy| < 0.4 max(th), and a band over
        # twice as thick fails the thickness test
        near = sorted(i for r in range(math.floor(yc - 0.8 * th), math.floor(yc + 0.8 * th) + 1)
                      for i in rows.get(r, ()))
        for i in near:
            b = bands[i]
            t = max(th, b[3])
            if abs(yc - b[2]) < 0.4 * t and x0 - b[1] < 2.5 * t and abs(th - b[3]) < 0.5 * t:
                span = b[1] - b[0], x1 - x0
                old_row = math.floor(b[2])
                b[2] = (b[2] * span[0] + yc * span[1]) / (span[0] + span[1])
                b[1] = max(b[1], x1)
                b[3] = max(b[3], th)
                if math.floor(b[2]) != old_row:
                    rows[old_row].remove(i)
                    rows.setdefault(math.floor(b[2]), []).append(i)
                break
        else:
            rows.setdefault(math.floor(yc), []).append(len(bands))
            bands.append([x0, x1, yc, th])
    return [(b[0], b[1], b[2], b[3]) for b in bands]


def _text_rows(band: Gray) -> list[tuple[int, int]]:
    """Rows of text inside a band that is 2 or 3 lines thick (split at ink-free valleys) or one line
    thickened by noise; [] if the band is a single clean line."""
    h = band.shape[0]
    if h < 8:
        return []
    profile = (band > 0).mean(axis=1)  # not smoothed: the gap between small lines can be one row
    peak = float(profile.max())
    if peak <= 0:
        return []
    dense = profile >= 0.3 * peak
    runs: list[tuple[int, int]] = []
    start = -1
    for i, on in enumerate([*dense.tolist(), False]):
        if on and start < 0:
            start = i
        elif not on and start >= 0:
            if i - start >= 3:
                runs.append((start, i))
            start = -1
    if len(runs) == 1 and runs[0][1] - runs[0][0] < 0.7 * h:
        return runs  # one line thickened by noise or guilloche along it: its text rows alone
    if not 2 <= len(runs) <= 3:
        return []
    sizes = [b - a for a, b in runs]
    # rows of one MRZ are equally tall, and each valley is a real gap between them
    if max(sizes) > 1.8 * min(sizes):
        return []
    return runs


def find_lines(gray: Gray, reduce: bool = True, hairlines: bool = True) -> list[TextLine]:
    """Text bands in ``gray`` (full-resolution coordinates), found after deskewing at half resolution
    (``reduce``) or at full resolution (small print); without ``hairlines``, on the ink one pixel thin
    strokes were removed from (_ink_mask)."""
    small = cv2.pyrDown(gray) if reduce and min(gray.shape) >= 200 else gray
    f = gray.shape[1] / small.shape[1]
    mask = _ink_mask(small, hairlines)
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
               and abs(ln.thickness - o.thickness) < 0.4 * o.thickness for o in out):
            continue
        out.append(ln)
    return out


def _parallel_and_alike(a: TextLine, b: TextLine) -> bool:
    """Could a and b be lines of one MRZ print: parallel and equally tall (a thick band is merged lines or
    not text)?"""
    return (abs(math.remainder(a.angle - b.angle, 2 * math.pi)) <= math.radians(6)
            and abs(a.thickness - b.thickness) <= 0.4 * max(a.thickness, b.thickness))


def _pitch_range(a: TextLine, thickness: float) -> tuple[float, float]:
    """How far (perpendicular) the next MRZ line may sit from ``a``, for bands ``thickness`` thick."""
    char_h = a.length / 30.0  # rough: an MRZ line is 30–44 characters about as wide as tall
    return 0.8 * min(thickness, char_h * 1.4), 3.2 * max(thickness, char_h)


def _compatible(a: TextLine, b: TextLine) -> float | None:
    """Perpendicular offset of b from a if they look like neighbouring MRZ lines, else None."""
    if not _parallel_and_alike(a, b) or abs(a.length - b.length) > 0.12 * max(a.length, b.length):
        return None
    ux, uy = math.cos(a.angle), math.sin(a.angle)
    dx, dy = b.center[0] - a.center[0], b.center[1] - a.center[1]
    along = dx * ux + dy * uy
    perp = -dx * uy + dy * ux
    if abs(along) > 0.08 * a.length:
        return None
    low, high = _pitch_range(a, max(a.thickness, b.thickness))
    if not low < abs(perp) < high:
        return None
    return perp


def find_candidates(gray: Gray, reduce: bool = True, hairlines: bool = True) -> list[Candidate]:
    """MRZ blocks (lines ordered top to bottom), best first (see find_lines for the arguments)."""
    lines = find_lines(gray, reduce, hairlines)
    cands: list[Candidate] = []
    seen: set[tuple[int, ...]] = set()
    for i in range(len(lines)):
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
                if k == 2 and len(chain) == 2:
                    # right after the pair: the pair read as TD3/TD2 first, then as two lines of a TD1
                    cands += [Candidate(three, score - 1e-3) for three in _with_partial_line(group, lines)]
        if len(chain) == 1:
            # a line with no partner of its length: its partner may have been cut short too (TD3, TD2)
            cands += [Candidate(two, 2 * lines[i].length - 1e-3) for two in _with_partial_line((lines[i],), lines)]
    cands.sort(key=lambda c: -c.score)
    return cands


#: a band at least this fraction of a line's (or line pair's) length, parallel, equally thick and one line
#: pitch above or below it, may be an MRZ line that glare or a faint run of fillers cut short
PARTIAL_MIN = 0.35


def _with_partial_line(block: tuple[TextLine, ...], lines: list[TextLine]) -> list[tuple[TextLine, ...]]:
    """``block`` (one line, or a pair) completed by one more line: a shorter band stretched to its ends."""
    top, bottom = block[0], block[-1]
    ux, uy = math.cos(top.angle), math.sin(top.angle)
    if len(block) == 2:
        pitch = -(bottom.center[0] - top.center[0]) * uy + (bottom.center[1] - top.center[1]) * ux
        near_pitch = (0.75 * abs(pitch), 1.25 * abs(pitch))
    else:  # one line: the pitch _compatible allows
        near_pitch = _pitch_range(top, top.thickness)
    out: list[tuple[TextLine, ...]] = []
    for ln in lines:
        if ln in block or not PARTIAL_MIN * top.length <= ln.length < top.length or not _parallel_and_alike(top, ln):
            continue
        for near, above in ((top, True), (bottom, False)):
            dx, dy = ln.center[0] - near.center[0], ln.center[1] - near.center[1]
            perp = -dx * uy + dy * ux  # > 0: below ``near`` in the text's frame
            along = [(p[0] - near.left[0]) * ux + (p[1] - near.left[1]) * uy for p in (ln.left, ln.right)]
            if (perp < 0) != above or not near_pitch[0] < abs(perp) < near_pitch[1]:
                continue
            if min(along) < -0.05 * near.length or max(along) > 1.05 * near.length:
                continue  # the band must lie within the block's extent
            nx, ny = -uy * perp, ux * perp
            stretched = TextLine((near.left[0] + nx, near.left[1] + ny), (near.right[0] + nx, near.right[1] + ny),
                                 ln.thickness)
            out.append((stretched, *block) if above else (*block, stretched))
    return out
