"""kill -9 at random points: nothing committed is lost, nothing is numbered twice, everything is delivered."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from kiosk.store import OutboxItem, Store
from kiosk.store.outbox import idempotency_key

WORKER = Path(__file__).with_name("store_worker.py")


def _run_and_kill(data_dir: Path, receipts: Path, rng: random.Random) -> list[tuple[str, str, str, int]]:
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), "churn", str(data_dir), str(receipts)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    # wait for the first commit so the kill lands inside the busy loop, then a random extra moment
    first = proc.stdout.readline()
    time.sleep(rng.uniform(0.0, 0.25))
    os.kill(proc.pid, signal.SIGKILL)
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    committed = []
    for line in (first + rest).splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[0] == "C":  # a torn last line is not a confirmed commit
            committed.append((parts[1], parts[2], parts[3], int(parts[4])))
    return committed


def _check(data_dir: Path, committed: list[tuple[str, str, str, int]]) -> None:
    with Store.open(data_dir) as store:
        assert store.integrity_check() == []
        rows = {c.visit_id: c for c in store.checkins()}
        for visit_id, dept, day, number in committed:
            assert visit_id in rows, "a committed check-in was lost"
            c = rows[visit_id]
            assert (c.department, c.queue_day, c.queue_number) == (dept, day, number)
        numbers = Counter((c.department, c.queue_day, c.queue_number) for c in rows.values())
        assert max(numbers.values()) == 1, "duplicate queue number"
        for dept, day, number in numbers:
            assert store.last_queue_number(dept, day) >= number  # the counter never goes backwards


@pytest.mark.parametrize("rounds", [8, pytest.param(30, marks=pytest.mark.slow)])
def test_kill_minus_nine_loses_nothing(tmp_path: Path, rounds: int) -> None:
    rng = random.Random(int(os.environ.get("STORE_CRASH_SEED", "0")) or None)
    Store.open(tmp_path).close()
    receipts = tmp_path / "his-received.txt"
    receipts.touch()
    committed: list[tuple[str, str, str, int]] = []
    for _ in range(rounds):
        committed += _run_and_kill(tmp_path, receipts, rng)
        _check(tmp_path, committed)
    assert len(committed) > rounds  # the kills landed mid-stream, not before any work

    # after the crashes: drain everything (leases of killed workers are expired by a later clock)
    received = Counter(receipts.read_text().split())
    with Store.open(tmp_path, clock=lambda: time.time() + 3600) as store:

        def deliver(item: OutboxItem) -> None:
            received[item.idempotency_key] += 1

        store.outbox.drain(deliver)
        assert store.outbox.depth().pending == 0
        assert store.outbox.depth().dead == 0
        expected = {
            idempotency_key(c.visit_id, op)
            for c in store.checkins()
            for op in ("his.checkin", "bhyt.recheck")
        }
    assert expected <= set(received), "an operation was never delivered"
    # at-least-once: duplicates can only come from a batch cut short by the kill, and the receiver dedups
    assert set(received) == expected
