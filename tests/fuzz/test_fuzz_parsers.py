"""Bounded CI fuzzing: random and mutated inputs into every parser raise only the package's typed errors
and never hang. The long run is ``scripts/fuzz`` (atheris); this is its fast, seeded sibling."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.targets import Target, UntypedError, all_targets, check_input

HANG_SECONDS = 2.0
EXAMPLES = 250
TARGETS = sorted(all_targets())


class HangError(AssertionError):
    pass


@contextmanager
def bounded(seconds: float) -> Iterator[None]:
    """Fail the input if the parser runs longer than ``seconds`` (SIGALRM: main thread only)."""

    def alarm(_signum: int, _frame: object) -> None:
        raise HangError(f"parser ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed with a few byte-level edits: flips, overwrites, inserts, deletions, truncation, repeats."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(("flip", "set", "insert", "delete", "truncate", "repeat")))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[at] = draw(st.sampled_from((0x00, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF, draw(st.integers(0, 255)))))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        elif op == "truncate":
            del data[at:]
        elif op == "repeat":
            data[at:at] = data[at:at + draw(st.integers(1, 32))] * draw(st.integers(1, 4))
    return bytes(data)


def fuzz_inputs(target: Target) -> st.SearchStrategy[bytes]:
    seeds = target.seeds()
    return st.one_of(st.binary(max_size=512), mutated(seeds), st.sampled_from(seeds))


@pytest.mark.parametrize("name", TARGETS)
def test_seeds_parse(name: str) -> None:
    """The seeds are valid inputs, so the fuzzers start from inside the parser (can fail: a broken seed)."""
    target = all_targets()[name]
    parsed = [check_input(target, seed) for seed in target.seeds()]
    assert any(parsed), f"no seed of {name} parses"


@pytest.mark.parametrize("name", TARGETS)
def test_only_typed_errors(name: str) -> None:
    target = all_targets()[name]

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(fuzz_inputs(target))
    def run(data: bytes) -> None:
        with bounded(HANG_SECONDS):
            check_input(target, data)

    run()


def test_an_untyped_error_is_caught() -> None:
    """The harness itself must flag a parser that crashes (so the fuzz tests can fail)."""
    from nfc.errors import NfcError

    def crashing(data: bytes) -> object:
        return data[10_000]

    target = Target("crash", crashing, (NfcError,), lambda: [b""])
    with pytest.raises(UntypedError, match="IndexError"):
        check_input(target, b"\x00")


def test_a_hang_is_caught() -> None:
    with pytest.raises(HangError), bounded(0.2):
        while True:
            pass
