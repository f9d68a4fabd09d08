"""Shared OCR test fixtures."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from ocr.synth import Sample, font_path, make_frame

SetFrame = Callable[[int, int, str, str], Sample]


@pytest.fixture
def set_frame() -> SetFrame:
    """``set_frame(seed, index, kind, style)``: frame ``index`` of ``make_ocr_set.py --seed SEED`` as the set
    generates it (before JPEG), given its kind and style; skips when the OCR-B font is not installed."""
    pytest.importorskip("PIL")
    try:
        font_path()
    except FileNotFoundError:
        pytest.skip("OCR-B font not installed (fonts-ocr-b)")

    def frame(seed: int, index: int, kind: str, style: str) -> Sample:
        return make_frame(np.random.default_rng([seed, index]), kind, style=style)

    return frame
