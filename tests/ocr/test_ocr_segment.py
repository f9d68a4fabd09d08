"""Cutting a line's cells on its grid."""

from __future__ import annotations

import numpy as np

from ocr.mrz.segment import Grid, cut


def _grid(n: int = 30) -> Grid:
    rng = np.random.default_rng(5)
    ink = rng.random((40, 14 * n + 20)).astype(np.float32)
    return Grid(ink, n, np.array([0.01, 13.5, 12.0]), np.array([0.05, 19.0]), 16.0, n,
                np.arange(n) * 14.0 + 12.0)


def test_cells_cut_at_chosen_positions_are_those_of_the_whole_line() -> None:
    grid = _grid()
    shifts = (-0.08, 0.08)
    whole, ratio = cut(grid, shifts)
    positions = [0, 3, 4, 17, 29]
    picked, picked_ratio = cut(grid, shifts, positions)
    assert picked.shape == (len(shifts) * len(positions), *whole.shape[1:])
    expected = whole.reshape(len(shifts), grid.n, *whole.shape[1:])[:, positions].reshape(picked.shape)
    assert np.array_equal(picked, expected)
    assert picked_ratio == ratio
    assert not np.array_equal(picked[0], picked[len(positions)])  # the two shifts really differ


def test_no_positions_give_no_cells() -> None:
    picked, _ = cut(_grid(), (0.0,), [])
    assert picked.shape[0] == 0
