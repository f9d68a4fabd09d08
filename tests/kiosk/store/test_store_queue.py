from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from kiosk.privacy import FieldCipher
from kiosk.store import Store

WORKER = Path(__file__).with_name("store_worker.py")
HASH = "cd" * 32


def test_numbers_are_per_department_and_per_day(tmp_path: Path) -> None:
    now = [1_800_000_000.0]  # fixed clock; 86 400 s later is the next local day
    with Store(tmp_path / "db.sqlite3", cipher=FieldCipher(b"k" * 32), clock=lambda: now[0]) as store:
        got = [
            store.check_in(id_hash=HASH, department=d, verdict="genuine").queue_number
            for d in ("KKB", "KKB", "NOI", "KKB", "NOI")
        ]
        assert got == [1, 2, 1, 3, 2]
        assert store.last_queue_number("KKB") == 3
        now[0] += 86_400
        assert store.check_in(id_hash=HASH, department="KKB", verdict="genuine").queue_number == 1


def test_local_day_boundary_is_vietnam_time(tmp_path: Path) -> None:
    # 2026-01-01 16:59:59 UTC is 23:59:59 in Hà Nội; one second later it is the next day there
    with Store(tmp_path / "db.sqlite3", cipher=FieldCipher(b"k" * 32)) as store:
        assert store.day_of(1767286799.0) == "2026-01-01"
        assert store.day_of(1767286800.0) == "2026-01-02"


def test_two_processes_never_share_a_number(tmp_path: Path) -> None:
    Store.open(tmp_path).close()  # create keys and schema first
    count = 300
    start_at = f"{time.time() + 1.5:.3f}"
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "allocate", str(tmp_path), "KKB", str(count), start_at],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    per_process = [[int(x) for x in out.split()] for out in outputs]
    numbers = per_process[0] + per_process[1]
    assert len(numbers) == 2 * count
    assert sorted(numbers) == list(range(1, 2 * count + 1))  # no duplicate, no gap
    with Store.open(tmp_path) as store:
        assert len(store.checkins()) == 2 * count
