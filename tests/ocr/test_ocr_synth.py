"""The generator's legibility measure: MRZ glyphs glare has erased."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import numpy.typing as npt

from ocr.synth import ERASED_CONTRAST, Sample, erased_glyphs

SetFrame = Callable[[int, int, str, str], Sample]  # the set_frame fixture (conftest.py)


def _print(ink_level: float, paper: float = 230.0) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]]:
    """Five square 'glyphs' on paper, the fourth and fifth printed at ``ink_level``, the others black."""
    coverage = np.zeros((60, 200), np.float32)
    gray = np.full((60, 200), paper, np.float32)
    for k in range(5):
        x = 10 + 38 * k
        coverage[20:40, x : x + 14] = 1.0
        gray[20:40, x : x + 14] = ink_level if k >= 3 else 20.0
    return np.clip(gray, 0, 255).astype(np.uint8), coverage


def test_glyphs_standing_out_from_the_paper_are_not_erased() -> None:
    gray, coverage = _print(ink_level=20.0)
    assert erased_glyphs(gray, coverage) == 0


def test_glyphs_washed_out_to_the_paper_are_counted() -> None:
    gray, coverage = _print(ink_level=230.0 - ERASED_CONTRAST / 2)
    assert erased_glyphs(gray, coverage) == 2
    gray, coverage = _print(ink_level=230.0 - 2 * ERASED_CONTRAST)  # faint but there
    assert erased_glyphs(gray, coverage) == 0


def test_a_frame_whose_glare_saturates_the_mrz_reports_erased_glyphs(set_frame: SetFrame) -> None:
    # frame 618 of `make_ocr_set.py --seed 32`: a glare spot sits on the TD1 MRZ and clips it to white
    glared = set_frame(32, 618, "cccd", "synthetic")
    assert glared.glyphs_erased > 10
    clean = set_frame(30, 3, "cccd", "synthetic")  # no glare on it
    assert clean.glyphs_erased == 0
    gray = cv2.cvtColor(glared.image, cv2.COLOR_BGR2GRAY)
    assert gray.max() == 255  # the glare clipped the sensor
