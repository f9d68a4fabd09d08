#!/usr/bin/env python3
"""Per-frame MRZ evaluator: reads generated sets in parallel and keeps every frame's result, so that two
versions of the engine can be compared frame by frame (``benchmarks/bench_ocr.py`` gives the rates of one set
in one process; this tool gives which frames changed).

Workflow:

    .venv/bin/python scripts/ocr_eval.py make --root /tmp/sets 1 2 30 31             # 1000-frame sets sN
    .venv/bin/python scripts/ocr_eval.py run --root /tmp/sets --out /tmp/res BASE s1 s2 s30 s31
    # ... change ocr/mrz ...
    .venv/bin/python scripts/ocr_eval.py run --root /tmp/sets --out /tmp/res TAG s1 s2 s30 s31
    .venv/bin/python scripts/ocr_eval.py compare --out /tmp/res BASE TAG               # gained / lost frames
    .venv/bin/python scripts/ocr_eval.py pool --out /tmp/res TAG                       # the pooled figures

Quick experiments: ``run --only-failures-of BASE`` re-reads only the frames BASE did not read exactly (or
false-accepted), and ``run --experiment FILE.py`` executes FILE.py in each worker before its reader is made, so a
rule can be tried by monkeypatching ``ocr.mrz.engine`` / ``ocr.mrz.parse`` without editing them.

Sets are ``scripts/make_ocr_set.py`` directories (``ROOT/sSEED``, ``ground_truth.json`` inside). Results go to
``RESULTS/TAG/SET.json``:

    {"frames": {"00000.jpg": {"lines": [...], "valid": true, "exact": true, "false_accept": false,
                              "ms": 61.2, "format": "TD1", "style": "synthetic"}, ...},
     "meta": {"set": "s1", "only_failures_of": null, "limit": null, "experiment": null}}

``exact``: valid and the lines equal the ground truth; ``false_accept``: valid and they do not; ``ms``: CPU
milliseconds of ``MrzReader().read`` on the decoded frame (``time.process_time`` in the worker). Older result
files that say ``fa`` and ``fmt`` instead of ``false_accept`` and ``format`` are read as well.

The read MRZ lines are personal-data-like (even invented ones): they are written to the result files only.
Everything printed holds counts, set names and frame file names.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import runpy
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

if TYPE_CHECKING:
    from ocr.mrz.engine import MrzReader

MAKE_SET = REPO / "scripts" / "make_ocr_set.py"
STYLES = ("auto", "synthetic", "photo", "mixed")
#: the documented pools (docs/ocr.md): five synthetic and five photo sets, of seeds 1 and 2 the first 200 frames
SYNTHETIC_POOL = ("s1", "s30", "s32", "s34", "s36")
PHOTO_POOL = ("s2", "s31", "s33", "s35", "s37")
POOL_HEAD = {"s1": 200, "s2": 200}
PROGRESS_EVERY = 250

Truth = dict[str, dict[str, Any]]


class FrameResult(TypedDict):
    lines: list[str]
    valid: bool
    exact: bool
    false_accept: bool
    ms: float
    format: str
    style: str


@dataclass(frozen=True)
class Outcome:
    """What compare and pool need of a frame, from a new or an old (``fa``) result file."""

    exact: bool
    false_accept: bool
    style: str | None = None


def note(message: str) -> None:
    """Progress and warnings: stderr, never MRZ content."""
    print(message, file=sys.stderr, flush=True)


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f} %" if whole else "n/a"


def set_key(name: str) -> tuple[str, int, str]:
    """Sort s2 before s10."""
    match = re.fullmatch(r"(\D*)(\d+)(.*)", name)
    return (match.group(1), int(match.group(2)), match.group(3)) if match else (name, -1, "")


def names_list(names: Iterable[str]) -> str:
    return "[" + ", ".join(names) + "]"


# ---------------------------------------------------------------------------------------------------- make


def auto_style(seed: int) -> str:
    """The documented convention: photo for seed 2 and the odd seeds from 31 on, synthetic otherwise."""
    return "photo" if seed == 2 or (seed >= 31 and seed % 2 == 1) else "synthetic"


def make_set(root: Path, seed: int, count: int, style: str) -> None:
    """``ROOT/sSEED`` via scripts/make_ocr_set.py, unless its ground_truth.json exists."""
    out = root / f"s{seed}"
    chosen = auto_style(seed) if style == "auto" else style
    if (out / "ground_truth.json").exists():
        note(f"s{seed}: exists, skipped")
        return
    note(f"s{seed}: making {count} {chosen} frames")
    started = time.perf_counter()
    cmd = [sys.executable, str(MAKE_SET), str(out), "--count", str(count), "--seed", str(seed), "--style", chosen]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        note(done.stdout + done.stderr)
        raise SystemExit(f"s{seed}: make_ocr_set.py failed (exit {done.returncode})")
    note(f"s{seed}: done in {time.perf_counter() - started:.0f} s")


def cmd_make(args: argparse.Namespace) -> int:
    args.root.mkdir(parents=True, exist_ok=True)
    for seed in args.seeds:
        make_set(args.root, seed, args.count, args.style)
    return 0


# ----------------------------------------------------------------------------------------------------- run

_READER: MrzReader | None = None


def _init_worker(experiment: str | None) -> None:
    """Pool initializer: runs the experiment file (if any), then makes this worker's reader."""
    global _READER
    if experiment:
        sys.path.insert(0, str(Path(experiment).resolve().parent))
        runpy.run_path(experiment, run_name="ocr_eval_experiment")
    from ocr.mrz import engine  # after the experiment: it may replace engine.MrzReader itself

    _READER = engine.MrzReader()


def _read_one(task: tuple[str, str]) -> tuple[str, list[str], bool, float]:
    """(directory, name) → (name, lines, valid, CPU ms); decoding is outside the timing."""
    import cv2

    directory, name = task
    image = cv2.imread(str(Path(directory) / name))
    if image is None:
        raise FileNotFoundError(f"cannot read frame {name} in {directory}")
    assert _READER is not None, "worker not initialised"
    started = time.process_time()
    result = _READER.read(image)
    ms = (time.process_time() - started) * 1000
    return name, (list(result.lines) if result else []), bool(result and result.valid), ms


def read_frames(directory: Path, names: Sequence[str], procs: int, experiment: Path | None
                ) -> list[tuple[str, list[str], bool, float]]:
    """Every named frame read in a pool of ``procs`` workers, one MrzReader each. Fork start: the workers
    find this module even when it was loaded by path (tests)."""
    tasks = [(str(directory), name) for name in names]
    context = multiprocessing.get_context("fork")
    done: list[tuple[str, list[str], bool, float]] = []
    exp = str(experiment) if experiment else None
    with context.Pool(procs, initializer=_init_worker, initargs=(exp,)) as pool:
        for item in pool.imap_unordered(_read_one, tasks, chunksize=4):
            done.append(item)
            if len(done) % PROGRESS_EVERY == 0 and len(done) < len(tasks):
                note(f"  {len(done)} / {len(tasks)}")
    return sorted(done)


def judge(truth: dict[str, Any], lines: list[str], valid: bool, ms: float) -> FrameResult:
    right = lines == list(truth["lines"])
    return {"lines": lines, "valid": valid, "exact": valid and right, "false_accept": valid and not right,
            "ms": ms, "format": str(truth.get("format", "")), "style": str(truth.get("style", ""))}


def load_truth(directory: Path) -> Truth:
    path = directory / "ground_truth.json"
    if not path.exists():
        raise SystemExit(f"no ground truth: {path} (make the set first)")
    truth: Truth = json.loads(path.read_text())
    return truth


def failed_frames(results: Path, base: str, set_name: str) -> list[str]:
    """Frames of BASE's result for the set that were not exact or were false accepts."""
    path = results / base / f"{set_name}.json"
    if not path.exists():
        raise SystemExit(f"--only-failures-of: no result file {path}")
    frames = load_outcomes(path)
    return sorted(name for name, o in frames.items() if not o.exact or o.false_accept)


def summary_line(set_name: str, frames: dict[str, FrameResult]) -> str:
    exact = sum(f["exact"] for f in frames.values())
    fas = sorted(name for name, f in frames.items() if f["false_accept"])
    ms = statistics.median(f["ms"] for f in frames.values()) if frames else 0.0
    return (f"{set_name}: {len(frames)} frames, exact {exact}, false accepts {len(fas)} {names_list(fas)}, "
            f"median CPU {ms:.0f} ms")


def run_set(args: argparse.Namespace, set_name: str) -> dict[str, FrameResult]:
    directory = args.root / set_name
    truth = load_truth(directory)
    names = failed_frames(args.out, args.only_failures_of, set_name) if args.only_failures_of else sorted(truth)
    if args.limit is not None:
        names = names[: args.limit]
    note(f"{set_name}: reading {len(names)} frames with {args.procs} processes")
    read = read_frames(directory, names, args.procs, args.experiment)
    frames = {name: judge(truth[name], lines, valid, ms) for name, lines, valid, ms in read}
    meta = {"set": set_name, "only_failures_of": args.only_failures_of, "limit": args.limit,
            "experiment": str(args.experiment) if args.experiment else None}
    target = args.out / args.tag / f"{set_name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"frames": frames, "meta": meta}))
    return frames


def cmd_run(args: argparse.Namespace) -> int:
    if args.experiment is not None and not args.experiment.is_file():
        raise SystemExit(f"--experiment: no such file {args.experiment}")
    for set_name in args.sets:
        print(summary_line(set_name, run_set(args, set_name)), flush=True)
    return 0


# ------------------------------------------------------------------------------------------------- compare


def load_outcomes(path: Path) -> dict[str, Outcome]:
    """A result file's frames, new keys (``false_accept``) or old (``fa``)."""
    frames: dict[str, dict[str, Any]] = json.loads(path.read_text())["frames"]
    return {name: Outcome(exact=bool(f["exact"]), false_accept=bool(f.get("false_accept", f.get("fa", False))),
                          style=f.get("style") or None)
            for name, f in frames.items()}


def result_sets(results: Path, tag: str) -> list[str]:
    return sorted((p.stem for p in (results / tag).glob("*.json")), key=set_key)


@dataclass
class SetComparison:
    set_name: str
    frames: int  # frames present in both
    gained: list[str]
    lost: list[str]
    base_false_accepts: list[str]
    tag_false_accepts: list[str]


def compare_set(set_name: str, base: dict[str, Outcome], tag: dict[str, Outcome]) -> SetComparison:
    both = sorted(set(base) & set(tag))
    return SetComparison(
        set_name, len(both),
        gained=[n for n in both if tag[n].exact and not base[n].exact],
        lost=[n for n in both if base[n].exact and not tag[n].exact],
        base_false_accepts=sorted(n for n, o in base.items() if o.false_accept),
        tag_false_accepts=sorted(n for n, o in tag.items() if o.false_accept))


def compare(results: Path, base: str, tag: str) -> list[SetComparison]:
    """One comparison per set with a result file under both tags."""
    base_sets, tag_sets = set(result_sets(results, base)), result_sets(results, tag)
    for name, own, other in ((base, base_sets, set(tag_sets)), (tag, set(tag_sets), base_sets)):
        if own - other:
            note(f"only under {name}, not compared: {', '.join(sorted(own - other, key=set_key))}")
    return [compare_set(s, load_outcomes(results / base / f"{s}.json"), load_outcomes(results / tag / f"{s}.json"))
            for s in tag_sets if s in base_sets]


def comparison_lines(rows: list[SetComparison], base: str, tag: str) -> list[str]:
    lines = [f"{r.set_name}: {r.frames} frames in both; gained {len(r.gained)} {names_list(r.gained)}; "
             f"lost {len(r.lost)} {names_list(r.lost)}; {tag} false accepts {len(r.tag_false_accepts)} "
             f"{names_list(r.tag_false_accepts)}" for r in rows]
    gained = sum(len(r.gained) for r in rows)
    lost = sum(len(r.lost) for r in rows)
    tag_fa = [f"{r.set_name}/{n}" for r in rows for n in r.tag_false_accepts]
    base_fa = sum(len(r.base_false_accepts) for r in rows)
    lines.append(f"total: {len(rows)} sets, {sum(r.frames for r in rows)} frames in both; gained {gained}, "
                 f"lost {lost} (net {gained - lost:+d}); false accepts {base} {base_fa}, {tag} {len(tag_fa)} "
                 f"{names_list(tag_fa)}")
    return lines


def cmd_compare(args: argparse.Namespace) -> int:
    for tag in (args.base, args.tag):
        if not (args.out / tag).is_dir():
            raise SystemExit(f"no results for {tag} in {args.out}")
    for line in comparison_lines(compare(args.out, args.base, args.tag), args.base, args.tag):
        print(line)
    return 0


# ---------------------------------------------------------------------------------------------------- pool


@dataclass
class Count:
    frames: int = 0
    exact: int = 0
    false_accepts: list[str] = field(default_factory=list)
    sets: list[str] = field(default_factory=list)

    def add(self, set_label: str, set_name: str, outcomes: dict[str, Outcome]) -> None:
        if set_label not in self.sets:
            self.sets.append(set_label)
        self.frames += len(outcomes)
        self.exact += sum(o.exact for o in outcomes.values())
        self.false_accepts += [f"{set_name}/{n}" for n, o in sorted(outcomes.items()) if o.false_accept]

    def line(self, label: str, brief: bool = False) -> str:
        """``brief``: the number of sets instead of their names."""
        sets = f"{len(self.sets)} sets" if brief else ", ".join(self.sets)
        return (f"{label} ({sets}): {self.exact} / {self.frames} exact, "
                f"{percent(self.exact, self.frames)}, false accepts {len(self.false_accepts)} "
                f"{names_list(self.false_accepts)}")


def convention_style(set_name: str) -> str | None:
    match = re.fullmatch(r"s(\d+)", set_name)
    return auto_style(int(match.group(1))) if match else None


def style_finder(set_name: str, root: Path | None) -> Callable[[str, Outcome], str]:
    """A frame's style ("photo" or "synthetic", the rest): the result file's own, else the set's ground truth
    under ``root``, else the seed convention (auto_style)."""
    truth: Truth = {}
    if root is not None and (root / set_name / "ground_truth.json").exists():
        truth = load_truth(root / set_name)
    fallback = convention_style(set_name)

    def style(name: str, outcome: Outcome) -> str:
        found = outcome.style or truth.get(name, {}).get("style") or fallback
        return "photo" if found == "photo" else "synthetic"

    return style


def load_with_style(results: Path, tag: str, set_name: str, root: Path | None) -> tuple[dict[str, Outcome], bool]:
    """The set's outcomes with every frame's style, and whether the seed convention had to supply it."""
    path = results / tag / f"{set_name}.json"
    meta = json.loads(path.read_text()).get("meta") or {}
    if meta.get("only_failures_of") or meta.get("limit") is not None:
        note(f"{set_name}: partial result (an --only-failures-of or --limit run), counted as it is")
    outcomes = load_outcomes(path)
    if all(o.style for o in outcomes.values()):
        return outcomes, False
    has_truth = root is not None and (root / set_name / "ground_truth.json").exists()
    style = style_finder(set_name, root)
    return {n: Outcome(o.exact, o.false_accept, style(n, o)) for n, o in outcomes.items()}, not has_truth


def by_style(outcomes: dict[str, Outcome]) -> dict[str, dict[str, Outcome]]:
    split: dict[str, dict[str, Outcome]] = {"synthetic": {}, "photo": {}}
    for name, o in outcomes.items():
        split["photo" if o.style == "photo" else "synthetic"][name] = o
    return split


def tally(loaded: dict[str, dict[str, Outcome]], sets: Iterable[str], head: dict[str, int]) -> dict[str, Count]:
    """Counts per style over ``sets`` (those not loaded are left out); ``head``: sets counted by their first N
    frames (sorted names)."""
    counts = {"synthetic": Count(), "photo": Count()}
    for set_name in sets:
        if set_name not in loaded:
            continue
        outcomes, label = loaded[set_name], set_name
        if set_name in head:
            outcomes = {n: outcomes[n] for n in sorted(outcomes)[: head[set_name]]}
            label = f"{set_name}[:{head[set_name]}]"
        for style, part in by_style(outcomes).items():
            if part:
                counts[style].add(label, set_name, part)
    return counts


def pool_lines(results: Path, tag: str, sets: Sequence[str], root: Path | None) -> list[str]:
    present = result_sets(results, tag)
    missing = [s for s in sets if s not in present]
    if missing:
        note(f"no result under {tag}, left out of the pools: {', '.join(missing)}")
    loaded: dict[str, dict[str, Outcome]] = {}
    by_convention: list[str] = []
    for set_name in present:
        loaded[set_name], guessed = load_with_style(results, tag, set_name, root)
        if guessed:
            by_convention.append(set_name)
    if by_convention:
        note(f"style by the seed convention (no style recorded, no ground truth under --root): "
             f"{', '.join(by_convention)}")
    pooled, everything = tally(loaded, sets, POOL_HEAD), tally(loaded, present, {})
    total = Count(frames=sum(c.frames for c in everything.values()),
                  exact=sum(c.exact for c in everything.values()),
                  false_accepts=everything["synthetic"].false_accepts + everything["photo"].false_accepts,
                  sets=present)
    return [pooled["synthetic"].line("pool synthetic"), pooled["photo"].line("pool photo"),
            everything["synthetic"].line("all synthetic", brief=True),
            everything["photo"].line("all photo", brief=True), total.line("all", brief=True)]


def cmd_pool(args: argparse.Namespace) -> int:
    if not (args.out / args.tag).is_dir():
        raise SystemExit(f"no results for {args.tag} in {args.out}")
    for line in pool_lines(args.out, args.tag, args.sets, args.root):
        print(line)
    return 0


# ------------------------------------------------------------------------------------------------- the CLI


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)

    mk = sub.add_parser("make", help="generate the 1000-frame sets ROOT/sSEED (skips sets already made)",
                        description="For each SEED make ROOT/sSEED with scripts/make_ocr_set.py, unless "
                                    "ROOT/sSEED/ground_truth.json exists.")
    mk.add_argument("--root", type=Path, required=True, help="directory holding the sets")
    mk.add_argument("seeds", type=int, nargs="+", metavar="SEED")
    mk.add_argument("--count", type=int, default=1000, help="frames per set (default 1000)")
    mk.add_argument("--style", choices=STYLES, default="auto",
                    help="auto (default): photo for seed 2 and odd seeds >= 31, synthetic otherwise")
    mk.set_defaults(func=cmd_make)

    rn = sub.add_parser("run", help="read every frame of the sets; write RESULTS/TAG/SET.json",
                        description="Read every frame of ROOT/SET with MrzReader().read in a process pool (one "
                                    "reader per worker), write the per-frame results to RESULTS/TAG/SET.json "
                                    "and print one summary line per set (counts and frame names only).")
    rn.add_argument("--root", type=Path, required=True, help="directory holding the sets")
    rn.add_argument("--out", type=Path, required=True, metavar="RESULTS", help="results directory")
    rn.add_argument("tag", metavar="TAG", help="name of this code version's results (RESULTS/TAG)")
    rn.add_argument("sets", nargs="+", metavar="SET", help="set directory names under ROOT, e.g. s1 s30")
    rn.add_argument("--procs", type=int, default=2, help="worker processes (default 2)")
    rn.add_argument("--limit", type=int, help="read only the first N frames (sorted names) of each set")
    rn.add_argument("--only-failures-of", metavar="BASETAG",
                    help="re-read only the frames RESULTS/BASETAG/SET.json has not exact or false-accepted "
                         "(quick experiments; the result file then holds only those frames)")
    rn.add_argument("--experiment", type=Path, metavar="MODULE_PATH",
                    help="a Python file executed in each worker before its reader is made, e.g. one that "
                         "monkeypatches ocr.mrz.engine or ocr.mrz.parse (engine.contradicted = lambda *a, "
                         "**k: False) to measure a rule without editing the code")
    rn.set_defaults(func=cmd_run)

    cp = sub.add_parser("compare", help="frames gained and lost from BASE to TAG, TAG's false accepts",
                        description="For each set with results under both tags: frames exact in TAG but not in "
                                    "BASE (gained), the reverse (lost) and TAG's false accepts; then totals.")
    cp.add_argument("--out", type=Path, required=True, metavar="RESULTS", help="results directory")
    cp.add_argument("base", metavar="BASE")
    cp.add_argument("tag", metavar="TAG")
    cp.set_defaults(func=cmd_compare)

    pl = sub.add_parser("pool", help="the documented pooled figures of TAG, and totals by style",
                        description="Exact / frames, percent and false accepts of the synthetic and photo pools "
                                    "(sets split by frame style; of s1 and s2 only the first 200 frames count), "
                                    "then over every set result under RESULTS/TAG, by style.")
    pl.add_argument("--out", type=Path, required=True, metavar="RESULTS", help="results directory")
    pl.add_argument("tag", metavar="TAG")
    pl.add_argument("--sets", nargs="+", metavar="SET", default=[*SYNTHETIC_POOL, *PHOTO_POOL],
                    help="pooled sets (default: %(default)s)")
    pl.add_argument("--root", type=Path,
                    help="sets directory, for the style of result files that do not record it (older ones); "
                         "without it the seed convention decides")
    pl.set_defaults(func=cmd_pool)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    for name in (getattr(args, "tag", None), getattr(args, "base", None), getattr(args, "only_failures_of", None)):
        if name is not None and (not name or "/" in name or name in (".", "..")):
            raise SystemExit(f"bad tag: {name!r}")
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
