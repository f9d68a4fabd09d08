"""Subprocess helper for the store's multi-process and kill -9 tests (run as a script, not collected).

Usage:
  store_worker.py allocate DATA_DIR DEPARTMENT COUNT START    -> prints one queue number per line
  store_worker.py churn DATA_DIR RECEIPTS_FILE            -> check-ins + drains forever; prints
                                                             "C <visit_id> <department> <day> <number>"
                                                             after each durable commit
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))

from kiosk.store import OutboxItem, Store  # noqa: E402

HASH = "ab" * 32


def allocate(data_dir: Path, department: str, count: int, start_at: float) -> None:
    with Store.open(data_dir) as store:
        time.sleep(max(0.0, start_at - time.time()))  # both processes start hammering together
        for _ in range(count):
            c = store.check_in(id_hash=HASH, department=department, verdict="authentic")
            print(c.queue_number, flush=True)


def churn(data_dir: Path, receipts: Path) -> None:
    rng = random.Random()
    with Store.open(data_dir, outbox_options={"lease_s": 0.5}) as store, receipts.open("a") as out:

        def deliver(item: OutboxItem) -> None:
            if rng.random() < 0.2:
                raise ConnectionError("HIS flapping")
            out.write(f"{item.idempotency_key}\n")
            out.flush()

        while True:
            dept = rng.choice(["KKB", "NOI", "NHI"])
            c = store.check_in(
                id_hash=HASH,
                department=dept,
                verdict="authentic",
                personal={"masked_name": "N* V* A*"},
                operations=[("his.checkin", {"n": rng.random()}), ("bhyt.recheck", {"n": 1})],
            )
            print(f"C {c.visit_id} {c.department} {c.queue_day} {c.queue_number}", flush=True)
            if rng.random() < 0.3:
                store.outbox.drain(deliver, batch=8, max_items=16)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "allocate":
        allocate(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    elif mode == "churn":
        churn(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        raise SystemExit(f"unknown mode {mode}")
