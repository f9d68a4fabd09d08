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
