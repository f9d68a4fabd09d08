"""Cross-line grid alignment and band splitting: the geometry MRZ lines share (same margins, same height)
repairs what one line alone gets wrong."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ocr.mrz.engine import MrzReader, align_grids, grid_variants
from ocr.mrz.locate import TextLine, _text_rows, _with_partial_line
from ocr.mrz.rectify import common_ends
from ocr.mrz.segment import fit_grid
from ocr.synth import Sample

PITCH = 20

SetFrame = Callable[[int, int, str, str], Sample]  # the set_frame fixture (conftest.py)


def _strip(glyphs: list[bool], speck_before: bool = False) -> np.ndarray:
    """A 48-px strip with a dark glyph-sized bar at each True position (first cell centre at x = 60)."""
    strip = np.full((48, PITCH * 40), 230, np.uint8)
    for i, on in enumerate(glyphs):
        if on:
            x = 60 + i * PITCH - 5
            strip[14:34, x : x + 10] = 20
    if speck_before:  # a blob of glyph size one pitch before the line: a guilloche bit or dirt
        x = 60 - PITCH - 5
        strip[14:34, x : x + 10] = 20
    return strip


def _identity(dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, 0.0], [0.0, 1.0, dy]])


def test_a_slipped_line_is_put_back_between_the_others_margins() -> None:
    full = [True] * 30
    name = [True] * 20 + [False] * 10  # trailing fillers lost (glare, faint print)
    grids = [fit_grid(_strip(full), 30, (30.0, 660.0)), fit_grid(_strip(full), 30, (30.0, 660.0)),
             fit_grid(_strip(name, speck_before=True), 30, (30.0, 660.0))]
    assert all(g is not None for g in grids)
    slipped = grids[2]
    assert slipped is not None
    # alone, the third line's grid starts at the speck: one character early
    assert abs(slipped.centres()[0][0] - (60 - PITCH)) < 3
    aligned = align_grids([g for g in grids if g is not None], [_identity(0), _identity(30), _identity(60)])
    xs = aligned[2].centres()[0]
    assert abs(xs[0] - 60) < 2 and abs(xs[-1] - (60 + 29 * PITCH)) < 2
    # the anchored lines are left as they were
    assert np.allclose(aligned[0].centres()[0], grids[0].centres()[0])  # type: ignore[union-attr]


def test_two_lines_without_an_anchor_are_left_alone() -> None:
    part = [True] * 24 + [False] * 6
    grids = [fit_grid(_strip(part), 30, (30.0, 660.0)), fit_grid(_strip(part), 30, (30.0, 660.0))]
    assert all(g is not None and g.span < 30 for g in grids)
    kept = align_grids([g for g in grids if g is not None], [_identity(0), _identity(30)])
    assert all(np.allclose(a.centres()[0], b.centres()[0]) for a, b in zip(kept, grids, strict=True))  # type: ignore[union-attr]


def _band(rows: list[tuple[int, int]], height: int) -> np.ndarray:
    band = np.zeros((height, 200), np.uint8)
    for y0, y1 in rows:
        band[y0:y1, ::3] = 255  # glyph strokes: dense ink on the text rows
    return band


def test_merged_lines_are_split_at_their_gap() -> None:
    assert _text_rows(_band([(0, 8), (9, 17)], 17)) == [(0, 8), (9, 17)]
    assert _text_rows(_band([(0, 8), (10, 18), (20, 28)], 28)) == [(0, 8), (10, 18), (20, 28)]


def test_a_single_line_is_not_split_and_a_noisy_one_is_tightened() -> None:
    assert _text_rows(_band([(0, 10)], 10)) == []
    assert _text_rows(_band([(2, 10)], 16)) == [(2, 10)]
    # rows of very different heights are not lines of one MRZ
    assert _text_rows(_band([(0, 4), (6, 18)], 18)) == []


def test_two_unanchored_lines_that_disagree_offer_each_as_the_reference() -> None:
    # TD3: the name line's trailing fillers are faint (its last glyph unseen; the band still ends at them),
    # and a speck before the second line was taken for its first glyph. No line is anchored at both ends,
    # so which one slipped is unknown: each placement is offered (the check digits refuse the slipped one).
    name = [True] * 20 + [False] * 10
    grids = [fit_grid(_strip(name), 30, (55.0, 645.0)), fit_grid(_strip([True] * 30, speck_before=True), 30)]
    assert all(g is not None and g.span != 30 for g in grids)
    ready = [g for g in grids if g is not None]
    assert abs(ready[0].centres()[0][0] - 60) < 2
    assert abs(ready[1].centres()[0][0] - (60 - PITCH)) < 2  # one character early
    variants = list(grid_variants(ready, [_identity(0), _identity(30)]))
    assert len(variants) == 3 and variants[0] == ready  # as found first, then each line as the reference
    firsts = [(float(v[0].centres()[0][0]), float(v[1].centres()[0][0])) for v in variants[1:]]
    assert any(abs(a - 60) < 2 and abs(b - 60) < 2 for a, b in firsts)  # the speck line put back
    assert any(abs(a - 40) < 2 and abs(b - 40) < 2 for a, b in firsts)  # the other guess, refused later
    # lines whose ends agree get no variants
    agreeing = [fit_grid(_strip([True] * 30), 30), fit_grid(_strip(name), 30, (55.0, 645.0))]
    assert len(list(grid_variants([g for g in agreeing if g is not None], [_identity(0), _identity(30)]))) == 1


def test_a_shorter_band_one_pitch_away_completes_a_pair_or_a_single_line() -> None:
    top = TextLine((100.0, 200.0), (800.0, 200.0), 20.0)
    middle = TextLine((100.0, 240.0), (800.0, 240.0), 20.0)
    partial = TextLine((400.0, 281.0), (795.0, 281.0), 19.0)  # the name line, its left half lost to glare
    far = TextLine((400.0, 400.0), (795.0, 400.0), 19.0)  # text further down the card
    tiny = TextLine((700.0, 280.0), (795.0, 280.0), 19.0)  # a stray word
    threes = _with_partial_line((top, middle), [top, middle, partial, far, tiny])
    assert len(threes) == 1
    first, second, third = threes[0]
    assert (first, second) == (top, middle)
    assert np.allclose(third.left, (100.0, 281.0)) and np.allclose(third.right, (800.0, 281.0))
    assert third.thickness == partial.thickness
    # one line alone: a shorter band a line pitch above it (a TD3 name line whose fillers glare hid)
    name = TextLine((100.0, 160.0), (520.0, 160.0), 20.0)
    pairs = _with_partial_line((top,), [top, name, far])
    assert len(pairs) == 1 and pairs[0][1] == top
    assert np.allclose(pairs[0][0].left, (100.0, 160.0)) and np.allclose(pairs[0][0].right, (800.0, 160.0))


def _assert_frame_reads_whole(sample: Sample, fmt: str) -> None:
    """``sample`` (a frame of a generated set, see the set_frame fixture) reads valid, exactly, as ``fmt``."""
    result = MrzReader().read(sample.image)
    assert result is not None and result.format == fmt
    assert result.valid and result.lines == tuple(sample.lines)


def test_a_td1_whose_name_line_was_seen_in_part_is_read_as_a_td1(set_frame: SetFrame) -> None:
    # frame 715 of `make_ocr_set.py --seed 13`: the name line's band is found only from its middle on
    _assert_frame_reads_whole(set_frame(13, 715, "td1", "synthetic"), "TD1")


def _drifting_strip(count: int, n: int = 44, drift: float = 0.03) -> tuple[np.ndarray, np.ndarray]:
    """A strip whose glyph pitch grows along the line (a steep perspective tilt), with only the first
    ``count`` of ``n`` glyphs printed; and the true cell centres."""
    centres = 60 + 16 * np.arange(n) + drift * np.arange(n) ** 2
    strip = np.full((48, 900), 230, np.uint8)
    for x in centres[:count]:
        strip[14:34, int(x) - 5 : int(x) + 5] = 20
    return strip, centres


def test_a_re_placed_line_is_spaced_like_the_line_it_was_placed_on() -> None:
    full_strip, centres = _drifting_strip(44)
    short_strip, _ = _drifting_strip(41)  # its last glyphs lost to glare
    reference, short = fit_grid(full_strip, 44, (40.0, 880.0)), fit_grid(short_strip, 44, (40.0, 880.0))
    assert reference is not None and short is not None and reference.span == 44
    pitch = float(np.mean(np.diff(centres)))
    ends = reference.centres()[0][[0, -1]]
    placed = short.spanning(float(ends[0]), float(ends[-1]), reference.profile())
    assert np.abs(placed.centres()[0] - centres).max() < 0.2 * pitch
    # spaced evenly between the same ends instead, mid-line glyphs are matched to the wrong cells
    even = short.spanning(float(ends[0]), float(ends[-1]), np.linspace(0.0, 1.0, 44))
    assert np.abs(even.centres()[0] - centres).max() > 0.5 * pitch


def test_a_steeply_tilted_td3_is_read_whole(set_frame: SetFrame) -> None:
    # frame 806 of `make_ocr_set.py --seed 11 --style photo`: the second line's last glyphs are lost and its
    # pitch drifts by a seventh; spaced evenly it read as a TD2
    _assert_frame_reads_whole(set_frame(11, 806, "td3", "photo"), "TD3")


def test_a_band_that_ends_short_of_the_others_is_extended_to_their_ends() -> None:
    # three lines of a TD1 turned by 6°, the name line's band starting 40 px late (its first glyphs unseen)
    u, normal = np.array([np.cos(0.1), np.sin(0.1)]), np.array([-np.sin(0.1), np.cos(0.1)])
    origin = np.array([200.0, 100.0])

    def line(k: int, start: float, stop: float = 600.0) -> TextLine:
        left, right = origin + 30 * k * normal + start * u, origin + 30 * k * normal + stop * u
        return TextLine((float(left[0]), float(left[1])), (float(right[0]), float(right[1])), 16.0)

    top, middle, name = line(0, 0.0), line(1, 3.0, 597.0), line(2, 40.0)
    extended = common_ends((top, middle, name))
    assert extended[0] is top and extended[1] is middle  # a few pixels apart: left alone
    new = extended[2]
    assert new.thickness == name.thickness and np.isclose(new.angle, name.angle)
    assert np.allclose(new.left, origin + 60 * normal, atol=0.5)
    assert new.right == name.right


def test_a_name_line_found_without_its_first_glyphs_is_read_whole(set_frame: SetFrame) -> None:
    # frame 216 of `make_ocr_set.py --seed 13`: the name line's band starts one glyph late; its strip cut
    # that glyph off, and the re-placed grid's first cell fell outside the strip
    _assert_frame_reads_whole(set_frame(13, 216, "cccd", "synthetic"), "TD1")
