"""Long-run fuzzing: every target under atheris/libFuzzer, ``--jobs`` processes at a time.

``python -m fuzz.run --inputs N`` splits N inputs evenly across the targets, runs each harness with
``-runs`` and a per-input ``-timeout``, and prints one line::

    fuzz: N inputs, 0 untyped exceptions, 0 hangs

Per-target counts (inputs, seconds, exec/s, new coverage units, crash/timeout artifacts) go to the JSON
file given with ``--json``. Crash and timeout inputs are kept under ``--workdir``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from fuzz.targets import all_targets

FUZZ_DIR = Path(__file__).resolve().parent
_STAT = re.compile(r"^stat::(\w+):\s+(\d+)", re.M)


@dataclass(frozen=True)
class TargetRun:
    target: str
    requested: int
    inputs: int
    seconds: float
    exec_per_s: float
    new_units: int
    untyped: int
    hangs: int
    exit_code: int
    artifacts: tuple[str, ...]


def _harness(name: str) -> Path:
    return FUZZ_DIR / f"fuzz_{name.replace('-', '_')}.py"


def run_target(name: str, runs: int, workdir: Path, timeout_s: int, max_time: int | None) -> TargetRun:
    corpus = workdir / "corpus" / name
    artifacts = workdir / "artifacts" / name
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    # start from the valid seeds, so mutation begins inside the parser rather than at its first check
    for number, seed in enumerate(all_targets()[name].seeds()):
        (corpus / f"seed-{number}").write_bytes(seed)
    command = [sys.executable, str(_harness(name)), f"-runs={runs}", f"-timeout={timeout_s}",
               "-rss_limit_mb=2048", "-print_final_stats=1", f"-artifact_prefix={artifacts}/", str(corpus)]
    if max_time:
        command.insert(3, f"-max_total_time={max_time}")
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, errors="replace", cwd=workdir)
    seconds = time.monotonic() - started
    stats = {k: int(v) for k, v in _STAT.findall(done.stderr)}
    found = tuple(sorted(p.name for p in artifacts.iterdir()))
    hangs = sum(1 for f in found if f.startswith("timeout-")) + done.stderr.count("ERROR: libFuzzer: timeout")
    untyped = sum(1 for f in found if f.startswith("crash-"))
    if done.returncode != 0 and not hangs and not untyped:
        untyped = 1  # died some other way (e.g. out of memory): count it, never hide it
    (workdir / f"{name}.log").write_text(done.stderr[-20000:])
    executed = stats.get("number_of_executed_units", 0)
    return TargetRun(name, runs, executed, round(seconds, 1), round(executed / seconds, 1) if seconds else 0.0,
                     stats.get("new_units_added", 0), untyped, min(hangs, 1) if hangs else 0, done.returncode, found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="inputs in total, split across targets")
    parser.add_argument("--targets", nargs="+", help="only these targets")
    parser.add_argument("--jobs", type=int, default=2, help="harness processes at a time")
    parser.add_argument("--timeout", type=int, default=10, help="seconds per input before it counts as a hang")
    parser.add_argument("--max-time", type=int, default=None, help="seconds per target at most")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/cccd-kiosk-fuzz"))
    parser.add_argument("--json", type=Path, help="write per-target counts here")
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    args = parser.parse_args(argv)
    names = args.targets or list(all_targets())
    if args.list:
        print("\n".join(names))
        return 0
    unknown = [n for n in names if n not in all_targets()]
    if unknown:
        parser.error(f"unknown target(s): {', '.join(unknown)}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    per_target = max(1, args.inputs // len(names))
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = list(pool.map(lambda n: run_target(n, per_target, args.workdir, args.timeout, args.max_time), names))
    total = sum(r.inputs for r in runs)
    untyped = sum(r.untyped for r in runs)
    hangs = sum(r.hangs for r in runs)
    if args.json:
        args.json.write_text(json.dumps({
            "engine": "atheris", "inputs": total, "untyped_exceptions": untyped, "hangs": hangs,
            "seconds": round(time.monotonic() - started, 1), "jobs": args.jobs,
            "targets": [asdict(r) for r in runs]}, indent=1))
    print(f"fuzz: {total} inputs, {untyped} untyped exceptions, {hangs} hangs")
    for r in runs:
        if r.untyped or r.hangs:
            print(f"  {r.target}: see {args.workdir / 'artifacts' / r.target} and {args.workdir / (r.target + '.log')}",
                  file=sys.stderr)
    return 1 if untyped or hangs else 0


if __name__ == "__main__":
    sys.exit(main())
