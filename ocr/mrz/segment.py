"""Split a rectified MRZ line strip into its fixed number of character cells.

OCR-B in an MRZ is monospaced and every line is full length (fillers ``<`` are printed), so the first and
last glyph fix the pitch; cells are then cut on that grid. This survives touching or broken glyphs, which
connected-component segmentation would not.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Gray = npt.NDArray[Any]
CELL = 20  # classifier input is CELL × CELL


def ink_map(strip: Gray) -> npt.NDArray[np.float32]:
    """Darkness 0…1 relative to the local background (evens out glare and gradients)."""
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))
    bh = cv2.morphologyEx(strip, cv2.MORPH_BLACKHAT, k).astype(np.float32)
    hi = float(np.percentile(bh, 99.5))
    return np.asarray(np.clip(bh / max(hi, 8.0), 0.0, 1.0), np.float32)


def cells(strip: Gray, n: int) -> tuple[npt.NDArray[np.float32], float] | None:
    """``n`` normalised cells (n × CELL × CELL, ink = 1) and the pitch/height ratio, or None."""
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
    c0 = float(cx[0])
    last = max(glyphs, key=lambda b: b[0] + b[2])
    c1 = last[0] + last[2] / 2
    if c1 <= c0:
        return None
    pitch = (c1 - c0) / (n - 1)
    if pitch < 3:
        return None
    idx = np.arange(n, dtype=np.float64)
    xs = c0 + pitch * idx
    ys = np.full(n, float(np.median(cy)))
    # perspective makes the pitch drift along the line: refit the grid (x quadratic, y linear in the
    # character index) to the glyphs that sit close to a grid position
    for _ in range(2):
        pos = np.interp(cx, xs, idx)
        k = np.clip(np.round(pos), 0, n - 1)
        near = np.abs(pos - k) < 0.3
        if near.sum() < max(6, n // 4) or np.ptp(k[near]) < n / 2:
            break
        xs = np.polyval(np.polyfit(k[near], cx[near], 2), idx)
        ys = np.polyval(np.polyfit(k[near], cy[near], 1), idx)
    steps = np.gradient(xs)
    if steps.min() < 3 or steps.max() > 1.6 * steps.min():
        return None
    pitch = float(np.median(steps))
    out = np.empty((n, CELL, CELL), np.float32)
    half_h = 0.5 * cap + 0.12 * cap
    dst = np.array([[0, 0], [CELL, 0], [0, CELL]], np.float32)
    for i in range(n):
        x, y, w = float(xs[i]), float(ys[i]), float(steps[i]) / 2
        src = np.array([[x - w, y - half_h], [x + w, y - half_h], [x - w, y + half_h]], np.float32)
        m = cv2.getAffineTransform(src, dst)
        out[i] = cv2.warpAffine(ink, m, (CELL, CELL), flags=cv2.INTER_AREA, borderValue=0.0)
    return out, pitch / cap
