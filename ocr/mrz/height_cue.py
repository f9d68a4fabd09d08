"""Glyph height as a second witness for digit-versus-letter decisions.

In OCR-B digits stand about 8 % taller than capital letters (font units: digits 154–159, letters 140–147).
Measured against the same line's confidently read digits and letters, a glyph's height says "digit" or
"letter" independently of the classifier. Decoding (parse.py) uses it only inside alphanumeric fields:
to settle a confusable pair the classifier is unsure about, when a check digit will still verify the
result, and to refuse a read the height contradicts when no check digit could catch the error.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ocr.mrz.parse import CLASSES

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
#: cells read at least this surely serve as the line's digit and letter references
REF_CONFIDENCE = 0.95
MIN_REFS = 3
#: plausible digit-minus-letter height, in cap heights (font: ≈ 0.08); outside it the measure is unreliable
GAP_RANGE = (0.035, 0.2)
#: a glyph measured this many digit-letter gaps below the line's letters is torn (glare, a broken stroke),
#: not short: no witness. (Seen at -1.8 … -6.8, each time on a digit; clamping the tall side too cost reads.)
MIN_SCORE = -0.75
_IS_DIGIT = np.array([c.isdigit() for c in CLASSES])
_IS_LETTER = np.array([c.isalpha() for c in CLASSES])


def height_scores(probs: F32, heights: F64) -> F64 | None:
    """Per cell: 0 = as tall as the line's letters, 1 = as tall as its digits (NaN where unmeasured); None
    when the line offers no reliable pair of references."""
    top = probs.argmax(axis=1)
    sure = ~np.isnan(heights) & (probs.max(axis=1) >= REF_CONFIDENCE)
    digits, letters = heights[sure & _IS_DIGIT[top]], heights[sure & _IS_LETTER[top]]
    if len(digits) < MIN_REFS or len(letters) < MIN_REFS:
        return None
    tall, short = float(np.median(digits)), float(np.median(letters))
    if not GAP_RANGE[0] <= tall - short <= GAP_RANGE[1]:
        return None
    scores: F64 = (heights - short) / (tall - short)
    scores[scores < MIN_SCORE] = np.nan
    return scores
