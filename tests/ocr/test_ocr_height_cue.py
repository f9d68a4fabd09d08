"""The glyph-height witness: measuring glyph heights, scoring them against the line, and how decoding
lets the score settle (or refuse) a digit/letter confusable pair."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ocr.mrz.height_cue import height_scores
from ocr.mrz.parse import MIN_CONFIDENCE, decode
from ocr.mrz.segment import fit_grid, glyph_heights
from tests.ocr.test_ocr_parse import TD3, glyph_row, onehot


def _strip(heights_px: list[int], pitch: int = 20, strip_h: int = 48) -> np.ndarray:
    """A white strip with one dark bar per character, bottoms on one baseline."""
    strip = np.full((strip_h, pitch * (len(heights_px) + 2)), 230, np.uint8)
    base = 34
    for i, h in enumerate(heights_px):
        x = pitch * (i + 1) + 5
        strip[base - h : base, x : x + 10] = 20
    return strip


def test_glyph_heights_measure_taller_glyphs() -> None:
    sizes = [20, 22] * 15  # letter-tall and digit-tall (10 % taller) glyphs
    grid = fit_grid(_strip(sizes), 30)
    assert grid is not None
    h = glyph_heights(grid)
    assert not np.isnan(h).any()
    short, tall = np.median(h[0::2]), np.median(h[1::2])
    assert tall / short == pytest.approx(22 / 20, abs=0.02)


def _line(chars: str, ambiguous_at: int, p_pair: tuple[float, float]) -> np.ndarray:
    probs = onehot((chars,), 0.99)[0]
    probs[ambiguous_at] = glyph_row({"O": p_pair[0], "0": p_pair[1]})
    return probs


def test_scores_need_digit_and_letter_references() -> None:
    line = TD3[1]
    probs = onehot((line,), 0.99)[0]
    heights = np.array([1.08 if c.isdigit() else 1.0 for c in line])
    scores = height_scores(probs, heights)
    assert scores is not None
    assert scores[line.index("L")] == pytest.approx(0.0)
    assert scores[line.index("8")] == pytest.approx(1.0)
    # a line of digits only gives no letter reference, and an implausible gap is no evidence
    assert height_scores(onehot(("1234567890",), 0.99)[0], np.full(10, 1.08)) is None
    assert height_scores(probs, np.array([1.6 if c.isdigit() else 1.0 for c in line])) is None


def test_a_height_far_below_the_line_is_no_witness() -> None:
    # a glyph torn by glare or a broken stroke measures many gaps below the line's letters: not a height
    line = TD3[1]
    probs = onehot((line,), 0.99)[0]
    heights = np.array([1.08 if c.isdigit() else 1.0 for c in line])
    heights[0], heights[1] = 0.6, 0.96  # -5 and -0.5 gaps
    scores = height_scores(probs, heights)
    assert scores is not None
    assert math.isnan(scores[0])
    assert scores[1] == pytest.approx(-0.5) and scores[2] == pytest.approx(1.0)


def _decode_td3(doc_char_probs: tuple[float, float], score: float, truth: str) -> tuple[str, bool, float]:
    """TD3 whose document number starts with an O/0 glyph the classifier is unsure of."""
    line2 = truth + TD3[1][1:]
    probs = onehot(TD3, 0.99)
    probs[1] = _line(line2, 0, doc_char_probs)
    scores = np.full(44, math.nan)
    scores[0] = score
    result = decode("TD3", probs, [None, scores])
    return result.lines[1][0], result.valid, result.confidence["document_number"]


def test_height_settles_an_unsure_checked_pair() -> None:
    # the specimen's document number starts with "L"; use a number whose check digit makes "0" right
    from ocr.mrz.checks import check_digit

    number = "0" + TD3[1][1:9]
    line2 = number + check_digit(number) + TD3[1][10:]
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    line2 = line2[:43] + check_digit(composite)
    probs = onehot((TD3[0], line2), 0.99)
    probs[1] = _line(line2, 0, (0.55, 0.4))  # classifier leans to "O"
    scores = np.full(44, math.nan)
    scores[0] = 1.05  # digit-tall
    got = decode("TD3", probs, [None, scores])
    assert got.lines[1][0] == "0" and got.valid
    # without the height, the classifier's "O" fails the check digit: nothing is accepted
    assert not decode("TD3", probs).valid
    # a letter-tall glyph keeps "O", which the check digit then refuses
    scores[0] = -0.05
    refused = decode("TD3", probs, [None, scores])
    assert refused.lines[1][0] == "O" and not refused.valid


def test_height_never_overrides_a_sure_classifier() -> None:
    char, _, _ = _decode_td3((0.95, 0.04), 1.1, "O")
    assert char == "O"


def test_height_refuses_an_uncheckable_pair_it_contradicts() -> None:
    # U and 0 differ by 30 in check value: no check digit could catch a swap, so a contradiction refuses
    line = TD3[1]
    probs = onehot(TD3, 0.99)
    probs[1][3] = glyph_row({"U": 0.3, "0": 0.65})  # position 3 of the document number ("8" in the specimen)
    bad_line = line[:3] + "0" + line[4:]
    scores = np.full(44, math.nan)
    scores[3] = -0.1  # letter-tall: contradicts "0"
    got = decode("TD3", probs, [None, scores])
    assert got.lines[1][:4] == bad_line[:4]
    assert got.confidence["document_number"] < MIN_CONFIDENCE
