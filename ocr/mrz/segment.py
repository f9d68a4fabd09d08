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
    tops = np.array([b[1] for b in boxes], np.float32)
    # glyphs of normal height decide the vertical extent
    normal = np.abs(heights - cap) < 0.25 * cap
    y0 = float(np.median(tops[normal])) if normal.any() else float(np.median(tops))
    y1 = y0 + cap
    boxes.sort()
    first, last = boxes[0], max(boxes, key=lambda b: b[0] + b[2])
    c0 = first[0] + first[2] / 2
    c1 = last[0] + last[2] / 2
    if c1 <= c0:
        return None
    pitch = (c1 - c0) / (n - 1)
    if pitch < 3:
        return None
    margin_y = 0.12 * cap
    top, bottom = y0 - margin_y, y1 + margin_y
    out = np.empty((n, CELL, CELL), np.float32)
    for i in range(n):
        cx = c0 + i * pitch
        src = np.array([[cx - pitch / 2, top], [cx + pitch / 2, top], [cx - pitch / 2, bottom]], np.float32)
        dst = np.array([[0, 0], [CELL, 0], [0, CELL]], np.float32)
        m = cv2.getAffineTransform(src, dst)
        out[i] = cv2.warpAffine(ink, m, (CELL, CELL), flags=cv2.INTER_AREA, borderValue=0.0)
    return out, pitch / cap
