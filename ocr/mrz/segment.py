"""Split a rectified MRZ line strip into its fixed number of character cells.

OCR-B in an MRZ is monospaced and every line is full length (fillers ``<`` are printed), so the first and
last glyph fix the pitch; cells are then cut on that grid. This survives touching or broken glyphs, which
connected-component segmentation would not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ocr.image import percentile_u8

Gray = npt.NDArray[Any]
CELL = 20  # classifier input is CELL × CELL


def ink_map(strip: Gray) -> npt.NDArray[np.float32]:
    """Darkness 0…1 relative to the local background (evens out glare and gradients)."""
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))
    bh = cv2.morphologyEx(strip, cv2.MORPH_BLACKHAT, k)
    hi = percentile_u8(bh, 99.5)
    return np.asarray(np.clip(bh.astype(np.float32) / max(hi, 8.0), 0.0, 1.0), np.float32)


@dataclass(frozen=True)
class Grid:
    """Where the ``n`` character cells of one line sit in its strip: cell centres as polynomials of the
    character index, the cap height, and how many character positions the glyphs seen span (``n`` when
    the first and last glyph were both found: a grid anchored at both ends)."""

    ink: npt.NDArray[np.float32]
    n: int
    x_poly: npt.NDArray[np.float64]
    y_poly: npt.NDArray[np.float64]
    cap: float
    span: int
    #: centres of the glyph blobs the grid was fitted to (strip coordinates)
    glyph_x: npt.NDArray[np.float64]

    def centres(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        idx = np.arange(self.n, dtype=np.float64)
        return (np.asarray(np.polyval(self.x_poly, idx), np.float64),
                np.asarray(np.polyval(self.y_poly, idx), np.float64))

    def profile(self) -> npt.NDArray[np.float64]:
        """Where each cell centre sits between the first (0) and the last (1): perspective makes the pitch
        drift along a line, alike on every line of one MRZ."""
        xs = self.centres()[0]
        return np.asarray((xs - xs[0]) / max(float(xs[-1] - xs[0]), 1e-9), np.float64)

    def spanning(self, x_first: float, x_last: float, profile: npt.NDArray[np.float64]) -> Grid:
        """A grid whose first and last cell centres are near ``x_first`` / ``x_last`` (known from the other
        lines), refitted to the glyphs that fall on it. ``profile`` (another line's Grid.profile) spaces the
        cells between the ends as on that line: under a steep tilt the pitch drifts by a seventh along a TD3
        line, evenly spaced cells sit most of a pitch off mid-line, and glyphs matched to them there slip
        the refitted grid by one."""
        idx = np.arange(self.n, dtype=np.float64)
        placed = x_first + profile * (x_last - x_first)
        guess = np.polyfit(idx, placed, 2)
        pitch = (x_last - x_first) / (self.n - 1)
        g = np.interp(self.glyph_x, placed, idx, left=-1.0, right=float(self.n))
        near = (np.abs(g - np.round(g)) < 0.3) & (g > -0.5) & (g < self.n - 0.5)
        x_poly = guess
        if near.sum() >= max(6, self.n // 4) and np.ptp(np.round(g[near])) >= self.n / 2:
            x_poly = np.polyfit(np.round(g[near]), self.glyph_x[near], 2)
            steps = np.gradient(np.polyval(x_poly, idx))
            if steps.min() < 0.8 * pitch or steps.max() > 1.25 * pitch:
                x_poly = guess
        return Grid(self.ink, self.n, np.asarray(x_poly, np.float64), self.y_poly, self.cap, self.n,
                    self.glyph_x)


def fit_grid(strip: Gray, n: int, edges: tuple[float, float] | None = None) -> Grid | None:
    """The grid of ``n`` cells of a line strip, or None if none fits. ``edges``: where the located band
    starts and ends in the strip, to place a grid missing end glyphs."""
    ink = ink_map(strip)
    binary = (ink > 0.4).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    h_strip = strip.shape[0]
    boxes = []
    for i in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[i])
        # glyph-sized blobs crossing the strip's middle
        if h < 0.2 * h_strip or h > 0.95 * h_strip or area < 6 or y > 0.45 * h_strip or y + h < 0.55 * h_strip:
            continue
        boxes.append((x, y, w, h))
    if len(boxes) < n // 3:
        return None
    heights = np.array([b[3] for b in boxes], np.float32)
    cap = float(np.median(heights))
    # the grid hangs on the glyphs: ignore specks and smears (card edges, guilloche bits, merged glyphs)
    glyphs = sorted(b for b in boxes if abs(b[3] - cap) < 0.35 * cap and b[2] < 1.5 * cap)
    if len(glyphs) < n // 3:
        return None
    cx = np.array([b[0] + b[2] / 2 for b in glyphs], np.float64)
    cy = np.array([b[1] + b[3] / 2 for b in glyphs], np.float64)
    if len(cx) < 4:
        return None
    # pitch from the spacing of neighbouring glyphs (fillers are printed, so most neighbours are 1 apart)
    d = np.diff(cx)
    typical = float(np.median(d))
    regular = (d > 0.6 * typical) & (d < 1.5 * typical)
    pitch = float(np.median(d[regular])) if regular.any() else typical
    if pitch < 3:
        return None
    # chain the glyphs to character indices step by step (robust to a slow pitch drift under perspective;
    # a glyph broken in two gets one index)
    k = np.concatenate([[0.0], np.cumsum(np.round(d / pitch))])
    lo, hi = int(k.min()), int(k.max())
    if hi - lo + 1 > n + 5:  # far more characters than this format has: a longer format
        return None
    def misfit(s0: int) -> float:
        """How far a grid starting at index s0 would be from the located band's ends."""
        if edges is None:
            return 0.0
        x_first = cx[0] - (k[0] - s0) * pitch
        x_last = x_first + (n - 1) * pitch
        return float(abs(x_first - 0.4 * pitch - edges[0]) + abs(x_last + 0.4 * pitch - edges[1]))

    start = lo
    if hi - lo + 1 > n:
        # specks beyond the line's ends: keep the n-long window holding most glyphs; on a tie (a speck
        # replacing a glyph at one end) the window that best fills the located band
        options = range(lo, hi - n + 2)
        counts = {s0: int(((k >= s0) & (k < s0 + n)).sum()) for s0 in options}
        best = max(counts.values())
        start = min((s0 for s0 in options if counts[s0] == best), key=misfit)
    elif hi - lo + 1 < n and edges is not None:
        # glyphs lost at an end (glare, blur): place the grid so that it best fills the located band
        start = min(range(hi - n + 1, lo + 1), key=misfit)
    g = k - start
    inside = (g >= 0) & (g < n)
    if inside.sum() < max(6, n // 3):
        return None
    idx = np.arange(n, dtype=np.float64)
    x_poly: npt.NDArray[np.float64] = np.polyfit(g[inside], cx[inside], 1)
    y_poly: npt.NDArray[np.float64] = np.array([float(np.median(cy[inside]))])
    # perspective makes the pitch drift along the line: refit x quadratic and y linear in the index to
    # the glyphs that sit on the grid
    for _ in range(2):
        near = inside & (np.abs(cx - np.polyval(x_poly, g)) < 0.3 * pitch)
        if near.sum() < max(6, n // 4) or np.ptp(g[near]) < n / 2:
            break
        x_poly, y_poly = np.polyfit(g[near], cx[near], 2), np.polyfit(g[near], cy[near], 1)
    steps = np.gradient(np.polyval(x_poly, idx))
    if steps.min() < 3 or steps.max() > 1.6 * steps.min():
        return None
    return Grid(ink, n, x_poly, y_poly, cap, hi - lo + 1, cx)


def cut(grid: Grid, shifts: tuple[float, ...] = (0.0,), positions: Sequence[int] | None = None
        ) -> tuple[npt.NDArray[np.float32], float]:
    """The grid's cells (``len(shifts) * n``, shift-major; only those at ``positions`` if given) and its
    pitch/height ratio."""
    cap = grid.cap
    xs, ys = grid.centres()
    steps = np.gradient(xs)
    pitch = float(np.median(steps))
    picked = list(range(grid.n)) if positions is None else list(positions)
    out = np.empty((len(shifts) * len(picked), CELL, CELL), np.float32)
    half_h = 0.5 * cap + 0.12 * cap
    dst = np.array([[0, 0], [CELL, 0], [0, CELL]], np.float32)
    for j in range(len(out)):
        s, i = divmod(j, len(picked))
        i = picked[i]
        gx, gy, hw = float(xs[i] + shifts[s] * steps[i]), float(ys[i]), float(steps[i]) / 2
        src = np.array([[gx - hw, gy - half_h], [gx + hw, gy - half_h], [gx - hw, gy + half_h]], np.float32)
        m = cv2.getAffineTransform(src, dst)
        out[j] = cv2.warpAffine(grid.ink, m, (CELL, CELL), flags=cv2.INTER_AREA, borderValue=0.0)
    return out, pitch / cap


def glyph_heights(grid: Grid) -> npt.NDArray[np.float64]:
    """Per cell, the height of its glyph in cap heights (sub-pixel: half-maximum crossings of the row
    profile of the cell's middle columns), NaN where no glyph stands out. Digits in OCR-B are about 8 %
    taller than capital letters, which makes this a witness for digit-versus-letter decisions."""
    ink = grid.ink
    rows, width = ink.shape
    xs, ys = grid.centres()
    steps = np.gradient(xs)
    out = np.full(grid.n, np.nan)
    reach = 0.8 * grid.cap
    for i in range(grid.n):
        x0, x1 = round(xs[i] - 0.3 * steps[i]), round(xs[i] + 0.3 * steps[i]) + 1
        y0, y1 = max(0, round(ys[i] - reach)), min(rows, round(ys[i] + reach) + 1)
        if x0 < 0 or x1 > width or y1 - y0 < 5:
            continue
        profile = ink[y0:y1, x0:x1].max(axis=1)
        peak = float(profile.max())
        if peak < 0.3:
            continue
        half = 0.5 * peak
        centre = min(max(round(ys[i]) - y0, 0), len(profile) - 1)
        on = profile >= half
        if not on[centre]:
            continue
        # the run of inked rows through the line's centre: ink of neighbouring lines stays outside it
        top = centre
        while top > 0 and on[top - 1]:
            top -= 1
        bottom = centre
        while bottom < len(profile) - 1 and on[bottom + 1]:
            bottom += 1
        if top == 0 or bottom == len(profile) - 1:
            continue  # glyph runs out of the window: no edge to measure
        upper = top - (profile[top] - half) / max(float(profile[top] - profile[top - 1]), 1e-6)
        lower = bottom + (profile[bottom] - half) / max(float(profile[bottom] - profile[bottom + 1]), 1e-6)
        out[i] = (lower - upper) / grid.cap
    return out
