"""Cut each MRZ line out of the frame as an upright strip of fixed height.

Each line is rectified on its own (an affine map of its band), which absorbs moderate perspective: lines
of a tilted card have slightly different slopes and scales, which a single rotation would not undo.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ocr.mrz.locate import TextLine

Gray = npt.NDArray[Any]
STRIP_HEIGHT = 48
#: the strip covers ±HALF_SPAN band thicknesses around the line centre
HALF_SPAN = 1.05
#: margin added at both ends of the band, in band thicknesses
PAD = 1.6


#: a line whose band ends this many band thicknesses short of the other lines' ends is extended to them
SHORT_END = 0.5


def common_ends(lines: tuple[TextLine, ...]) -> tuple[TextLine, ...]:
    """The lines of one MRZ start and end at the same margins. A band that ends short of the others (its
    first glyphs faint, or glare on them) is extended to their ends, so that its strip still holds those
    glyphs: cut short, a name's ``U`` lost its left stroke and was read ``J`` by both networks."""
    ux = sum(math.cos(ln.angle) for ln in lines)
    uy = sum(math.sin(ln.angle) for ln in lines)
    norm = math.hypot(ux, uy)
    ux, uy = ux / norm, uy / norm
    starts = [ln.left[0] * ux + ln.left[1] * uy for ln in lines]
    stops = [ln.right[0] * ux + ln.right[1] * uy for ln in lines]
    first, last = min(starts), max(stops)
    out = []
    for ln, start, stop in zip(lines, starts, stops, strict=True):
        lx, ly = math.cos(ln.angle), math.sin(ln.angle)
        along = max(lx * ux + ly * uy, 0.5)  # the line's own direction, per unit along the common one
        left, right = ln.left, ln.right
        if start - first > SHORT_END * ln.thickness:
            d = (start - first) / along
            left = (left[0] - lx * d, left[1] - ly * d)
        if last - stop > SHORT_END * ln.thickness:
            d = (last - stop) / along
            right = (right[0] + lx * d, right[1] + ly * d)
        out.append(ln if (left, right) == (ln.left, ln.right) else TextLine(left, right, ln.thickness))
    return tuple(out)


def band_edges(strip: Gray, line: TextLine) -> tuple[float, float]:
    """Where the located band starts and ends inside its strip (x, strip coordinates)."""
    t = max(line.thickness, 4.0)
    pad = PAD * t * STRIP_HEIGHT / (2 * HALF_SPAN * t)
    return pad, strip.shape[1] - pad


def line_strip_mapped(gray: Gray, line: TextLine) -> tuple[Gray, npt.NDArray[np.float64]]:
    """The strip and the 2 × 3 affine map from strip to frame coordinates (to compare lines' grids)."""
    t = max(line.thickness, 4.0)
    scale = STRIP_HEIGHT / (2 * HALF_SPAN * t)
    ux, uy = math.cos(line.angle), math.sin(line.angle)
    pad = PAD * t
    x0, y0 = line.left[0] - ux * pad, line.left[1] - uy * pad
    length = line.length + 2 * pad
    width = max(8, round(length * scale))
    half = HALF_SPAN * t
    # source points: top-left, top-right, bottom-left of the strip
    src = np.array([[x0 + uy * half, y0 - ux * half],
                    [x0 + ux * length + uy * half, y0 + uy * length - ux * half],
                    [x0 - uy * half, y0 + ux * half]], np.float32)
    dst = np.array([[0, 0], [width, 0], [0, STRIP_HEIGHT]], np.float32)
    m = cv2.getAffineTransform(src, dst)
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    strip = cv2.warpAffine(gray, m, (width, STRIP_HEIGHT), flags=interp, borderMode=cv2.BORDER_REPLICATE)
    return strip, np.asarray(cv2.invertAffineTransform(m), np.float64)
