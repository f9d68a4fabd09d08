"""Card removal at every APDU index of a full PACE read: a typed error (never a read claiming to be
complete), and the next tap reads the whole card — 100 % clean recovery."""

from __future__ import annotations

import pytest

from kiosk.selftest.faults import RemovalOutcome, count_read_apdus, pcscd_removal_sample, removal_sweep
from nfc.virtual.builder import VirtualCccd, build_card


@pytest.fixture(scope="module")
def built() -> VirtualCccd:
    return build_card()


@pytest.fixture(scope="module")
def apdus(built: VirtualCccd) -> int:
    count = count_read_apdus(built)
    assert count > 20  # PACE + 7 files + CA/AA: a sweep over a handful would prove little
    return count


def _assert_clean(results: list[RemovalOutcome]) -> None:
    dirty = [r for r in results if not r.clean]
    assert not dirty, f"{len(dirty)} unclean: {dirty[:5]}"
    assert all(r.outcome.startswith("typed-error:") for r in results), "a removal ended in a 'result'"


def test_removal_after_the_last_apdu_is_not_a_removal(built: VirtualCccd, apdus: int) -> None:
    """The control: with the card staying for every APDU, the read completes (so the sweep can fail)."""
    (result,) = removal_sweep([apdus], built=built)
    assert result.outcome == "complete-read" and result.recovered


def test_removal_sampled_indexes(built: VirtualCccd, apdus: int) -> None:
    indexes = sorted({0, 1, 2, 3, 5, 8, apdus // 4, apdus // 2, 3 * apdus // 4, apdus - 2, apdus - 1})
    _assert_clean(removal_sweep(indexes, built=built))


@pytest.mark.slow
def test_removal_at_every_apdu_index(built: VirtualCccd, apdus: int) -> None:
    results = removal_sweep(range(apdus), built=built)
    assert [r.index for r in results] == list(range(apdus))
    _assert_clean(results)
    assert {r.outcome for r in results} <= {"typed-error:card-removed", "typed-error:bad-data"}


@pytest.mark.pcscd
def test_removal_through_pcscd_sample(own_pcscd: object, built: VirtualCccd, apdus: int) -> None:
    indexes = [0, apdus // 2, apdus - 1]
    results = pcscd_removal_sample(indexes, built=built)
    assert [r.link for r in results] == ["pcscd"] * len(indexes)
    _assert_clean(results)
