"""Store benchmark: durable check-in commit time and outbox drain rate after an outage.

Prints one JSON object, e.g. ``{"checkins": 2000, "commit_ms": {"median": 0.4, "p95": 0.9},
"drain": {"checkins_per_s": 9000, "operations_per_s": 18000}, ...}``. Target: drain ≥ 100 check-ins/s.

    .venv/bin/python benchmarks/bench_store.py [--checkins 2000] [--dir /path/on/the/real/disk]

Use ``--dir`` on the kiosk's real data disk: fsync cost depends on the medium (SD cards are slow).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.privacy import id_hash, load_or_create_key
from kiosk.store import OutboxItem, Store

OPS = ("his.checkin", "bhyt.recheck")


def run(n: int, base: Path, batch: int) -> dict[str, object]:
    data_dir = base / "bench-data"
    key = load_or_create_key(data_dir, "id-hash.key")
    commit_ms: list[float] = []
    with Store.open(data_dir) as store:
        for i in range(n):
            h = id_hash(f"0010900{i:05d}", key)
            payload = {"visit": i, "department": "KKB", "identifier": "redacted-in-bench"}
            t0 = time.perf_counter()
            store.check_in(
                id_hash=h,
                department=("KKB", "NOI", "NHI")[i % 3],
                verdict="genuine",
                flags=["offline"],
                personal={"masked_name": "N* V* A*"},
                operations=[(op, payload) for op in OPS],
            )
            commit_ms.append((time.perf_counter() - t0) * 1000)
        pending = store.outbox.depth().pending
        received: set[str] = set()
        duplicates = 0

        def deliver(item: OutboxItem) -> None:  # receiver that deduplicates by idempotency key
            nonlocal duplicates
            if item.idempotency_key in received:
                duplicates += 1
            received.add(item.idempotency_key)

        t0 = time.perf_counter()
        result = store.outbox.drain(deliver, batch=batch)
        seconds = time.perf_counter() - t0
        left = store.outbox.depth().pending
    commit_ms.sort()
    return {
        "checkins": n,
        "operations_per_checkin": len(OPS),
        "commit_ms": {
            "median": round(statistics.median(commit_ms), 3),
            "p95": round(commit_ms[int(0.95 * (n - 1))], 3),
            "max": round(commit_ms[-1], 3),
        },
        "drain": {
            "operations": result.delivered,
            "seconds": round(seconds, 3),
            "checkins_per_s": round(n / seconds, 1),
            "operations_per_s": round(result.delivered / seconds, 1),
            "batch": batch,
            "duplicates": duplicates,
            "pending_before": pending,
            "pending_after": left,
        },
        "target_checkins_per_s": 100,
        "meets_target": n / seconds >= 100 and left == 0,
        "synchronous": "FULL",
        "dir": str(base),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkins", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--dir", type=Path, help="directory on the disk to measure (default: a temp dir)")
    args = parser.parse_args()
    if args.dir:
        args.dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
            report = run(args.checkins, Path(tmp), args.batch)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            report = run(args.checkins, Path(tmp), args.batch)
    print(json.dumps(report))
    return 0 if report["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
