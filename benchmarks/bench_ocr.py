#!/usr/bin/env python3
"""MRZ OCR benchmark on a directory with ground_truth.json (see scripts/make_ocr_set.py).

    .venv/bin/python benchmarks/bench_ocr.py DIR [--limit N] [--upside-down N] [--voting N]

Prints JSON: exact-document rate, character accuracy, false-accept rate (reported valid but wrong), found
rate, median and p90 milliseconds per image (decode excluded, frames as stored); and ``ocr_no_mrz``: median
and worst milliseconds on generated frames without an MRZ (what an idle kiosk camera sees); ``ocr_upside_down``: the
same figures on the first 100 images turned by 180° (``--upside-down N``). When passporteye or fastmrz
are installed they run on the same images side by side (never installed by us).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr.mrz.engine import MrzReader

Reader = Callable[[Path, Any], tuple[list[str], bool] | None]


def _char_acc(truth: list[str], got: list[str]) -> tuple[int, int]:
    total = sum(len(t) for t in truth)
    good = 0
    for i, t in enumerate(truth):
        g = got[i] if i < len(got) else ""
        good += sum(1 for a, b in zip(t, g, strict=False) if a == b)
    return good, total


def run(directory: Path, reader: Reader, limit: int | None, upside_down: bool = False
        ) -> dict[str, Any]:
    """``upside_down``: every image turned by 180° first (a card held the wrong way up), outside the timing."""
    truth = json.loads((directory / "ground_truth.json").read_text())
    names = sorted(truth)[:limit] if limit else sorted(truth)
    exact = found = false_accept = valid = 0
    legible = legible_exact = 0  # frames where glare erased no MRZ glyph (ground truth "glyphs_erased": 0)
    good = total = 0
    times: list[float] = []
    cpu: list[float] = []  # CPU time: less distorted than wall time on a busy machine
    for name in names:
        want = truth[name]["lines"]
        image = cv2.imread(str(directory / name))  # decoding is not part of the per-frame figure
        if upside_down and image is not None:
            image = cv2.rotate(image, cv2.ROTATE_180)
        t0, c0 = time.perf_counter(), time.process_time()
        got = reader(directory / name, image)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        lines, ok = got if got else ([], False)
        g, t = _char_acc(want, lines)
        good += g
        total += t
        found += bool(lines)
        valid += ok
        if not truth[name].get("glyphs_erased", 0):
            legible += 1
            legible_exact += ok and lines == want
        if ok and lines == want:
            exact += 1
        elif ok:
            false_accept += 1
    n = len(names)
    times.sort()
    cpu.sort()
    return {
        "images": n,
        "exact_document_rate": exact / n if n else 0.0,
        "legible_images": legible,
        "exact_rate_legible": legible_exact / legible if legible else 0.0,
        "valid_rate": valid / n if n else 0.0,
        "found_rate": found / n if n else 0.0,
        "character_accuracy": good / total if total else 0.0,
        "false_accepts": false_accept,
        "false_accept_rate": false_accept / n if n else 0.0,
        "median_ms": statistics.median(times) if times else 0.0,
        "p90_ms": times[int(0.9 * (n - 1))] if times else 0.0,
        "cpu_median_ms": statistics.median(cpu) if cpu else 0.0,
        "cpu_p90_ms": cpu[int(0.9 * (n - 1))] if cpu else 0.0,
    }


def ours() -> Reader:
    reader = MrzReader()

    def read(path: Path, image: Any) -> tuple[list[str], bool] | None:
        result = reader.read(image)
        return (list(result.lines), result.valid) if result else None

    return read


def voting(directory: Path, frames: int, limit: int | None, style: str = "synthetic") -> dict[str, Any]:
    """Camera-mode figure: for each ground-truth document, ``frames`` fresh frames of the same MRZ
    (generator, seeded by the image index) go through MrzVoter, each read within the camera loop's budget
    (camera.FRAME_BUDGET); counts what it releases."""
    import numpy as np

    from ocr.camera import FRAME_BUDGET
    from ocr.mrz.vote import MrzVoter
    from ocr.synth import make_frame

    truth = json.loads((directory / "ground_truth.json").read_text())
    names = sorted(truth)[:limit] if limit else sorted(truth)
    reader = MrzReader()
    exact = wrong = 0
    used: list[int] = []
    for i, name in enumerate(names):
        want = truth[name]["lines"]
        voter = MrzVoter(min_agree=2)
        rng = np.random.default_rng([99, i])
        for f in range(frames):
            sample = make_frame(rng, "", style=style, mrz=(truth[name]["format"], tuple(want)))
            agreed = voter.add(reader.read_frame(sample.image, FRAME_BUDGET))
            if agreed is not None:
                used.append(f + 1)
                if list(agreed.lines) == want:
                    exact += 1
                else:
                    wrong += 1
                break
    n = len(names)
    return {"documents": n, "frames_max": frames, "exact_document_rate": exact / n if n else 0.0,
            "false_accepts": wrong, "median_frames_used": statistics.median(used) if used else None}


def no_mrz_frames(count: int = 12) -> list[Any]:
    """Frames an idle kiosk camera shows, none with an MRZ (fixed seed): sensor noise, plain and graded
    grey, security-print backgrounds with and without printed text."""
    import numpy as np

    from ocr import synth

    rng = np.random.default_rng(2024)
    frames: list[Any] = []
    for i in range(count):
        kind = i % 4
        if kind == 0:
            frame = rng.normal(60, 25, (960, 1280)).clip(0, 255).astype(np.uint8)  # dark room, high gain
        elif kind == 1:
            frame = np.tile(np.linspace(40, 220, 1280, dtype=np.float32), (960, 1)).astype(np.uint8)
        else:
            card = synth.guilloche(rng, 1280, 960)
            if kind == 3:
                synth._distractor_text(rng, card, 40, 900, float(rng.uniform(14, 30)))
            frame = np.clip(card, 0, 255).astype(np.uint8)
        frames.append(frame)
    return frames


def idle(count: int = 12) -> dict[str, Any]:
    """Milliseconds per frame without an MRZ, and how many were wrongly reported as one."""
    reader = MrzReader()
    times: list[float] = []
    found = 0
    for frame in no_mrz_frames(count):
        t0 = time.perf_counter()
        result = reader.read(frame)
        times.append((time.perf_counter() - t0) * 1000)
        found += result is not None and result.valid
    times.sort()
    return {"frames": len(times), "valid_reported": found, "median_ms": statistics.median(times),
            "max_ms": times[-1]}


def passporteye() -> Reader:
    from passporteye import read_mrz  # type: ignore[import-not-found]

    def read(path: Path, image: Any) -> tuple[list[str], bool] | None:
        mrz = read_mrz(str(path))
        if mrz is None:
            return None
        return [str(x) for x in mrz.aux["text"].split("\n") if x], bool(mrz.valid)

    return read


def fastmrz() -> Reader:
    from fastmrz import FastMRZ  # type: ignore[import-not-found]

    engine = FastMRZ()

    def read(path: Path, image: Any) -> tuple[list[str], bool] | None:
        text = engine.get_details(str(path), ignore_parse=True)
        lines = [x for x in str(text).split("\n") if x]
        return (lines, False) if lines else None  # fastmrz has no check-digit verdict in raw mode

    return read


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--voting", type=int, metavar="N",
                    help="also the camera-mode figure: up to N generated frames per document, voted")
    ap.add_argument("--style", default="synthetic", help="generator style for --voting frames")
    ap.add_argument("--upside-down", type=int, default=100, metavar="N",
                    help="also the first N images turned by 180°, as a card held the wrong way up (0: skip)")
    args = ap.parse_args()
    report: dict[str, Any] = {"ocr": run(args.dir, ours(), args.limit), "ocr_no_mrz": idle()}
    if args.upside_down:
        report["ocr_upside_down"] = run(args.dir, ours(), args.upside_down, upside_down=True)
    if args.voting:
        report["ocr_voting"] = voting(args.dir, args.voting, args.limit, args.style)
    for name, factory in (("passporteye", passporteye), ("fastmrz", fastmrz)):
        if importlib.util.find_spec(name) is not None:
            try:
                report[name] = run(args.dir, factory(), args.limit)
            except Exception as exc:  # a third-party reader failing must not hide our figures
                report[name] = {"error": type(exc).__name__}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
