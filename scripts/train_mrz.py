#!/usr/bin/env python3
"""Train the MRZ character models shipped in ocr/mrz/ (model, second_opinion, objector, blur_objector: small CNNs).

Training cells come from the real pipeline: synthetic frames (OCR-B glyphs from Debian ``fonts-ocr-b``,
rotation, perspective, blur, noise, JPEG, glare, guilloche) are located, rectified and segmented exactly as
at run time, and each cell is labelled from the ground truth. The classifier therefore learns the cells the
engine really produces. Each line is also cut on grids slid by ±0.12 pitch (real variation off-centre).

Needs PyTorch (training only: ``pip install -e '.[train]'``); the kiosk runs the exported ONNX with cv2.dnn.
Deterministic: fixed seeds everywhere, one torch thread (frames use seeds disjoint from make_ocr_set.py).

    .venv/bin/python scripts/train_mrz.py [--frames 5000] [--epochs 6] [--workers 1] [--cache cells.npz]
                                          [--width 24] [--hidden 192] [--out ocr/mrz/model.npz]

The shipped reader (model.npz, session 10): ``--frames 10000 --workers 2 --threads 2``. The second opinion
(second_opinion.npz) is the reader of sessions 4–9 (the defaults, 5000 frames, an older pipeline's cells);
the objector (objector.npz) the smaller net: ``--epochs 4 --width 16 --hidden 128``; the blur objector
(blur_objector.npz, session 16) the smaller net on other frames with extra augmentation: ``--frames 6000
--workers 2 --threads 2 --epochs 4 --width 16 --hidden 128 --seed-base 40000000 --photo-from 0 --motion-blur 0.5
--crossing-lines 0.3`` (docs/ocr.md, Training).
"""

from __future__ import annotations

import argparse
import io
import math
import sys
import time
from functools import lru_cache, partial
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr.image import to_gray
from ocr.mrz.classify import MODEL_PATH, OnnxCnn
from ocr.mrz.engine import extract_cells
from ocr.mrz.locate import find_candidates
from ocr.mrz.parse import CLASSES
from ocr.mrz.segment import CELL
from ocr.synth import KINDS, make_frame

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]
SEED_BASE = 10_000_000  # benchmark/test sets use small seeds
#: extra loss weight: the pair blur merges most often, in fields no alphabet can settle
FOCUS = {"0": 2.5, "O": 2.5}
#: grid offsets (fractions of the pitch) cut per training line: the engine's own grid, then slightly slid
#: grids. Stored as separate lines, shift-major within each MRZ line, so line i is a shift-0 line iff
#: i % len(TRAIN_SHIFTS) == 0 (every frame contributes whole groups).
TRAIN_SHIFTS = (0.0, -0.12, 0.12)
#: a line whose labels a first model mostly rejects slipped by a character (or is a wrong candidate)
MIN_AGREE = 0.75
#: frames below this index show the photo style only with the CCCD kind (index % 3 == 0 picks both: the
#: first 5000 frames, kept as they were); from here on half the frames of every kind are photo-style, so
#: letters in alphanumeric fields (TD1 other, TD3) are also learnt under photo degradations
SPREAD_PHOTO_FROM = 5000


def frame_style(index: int, photo_from: int = SPREAD_PHOTO_FROM) -> str:
    if index < photo_from:
        return "photo" if index % 3 == 0 else "synthetic"
    return "photo" if (index // len(KINDS)) % 2 == 0 else "synthetic"


def frame_cells(index: int, seed_base: int = SEED_BASE, photo_from: int = SPREAD_PHOTO_FROM
                ) -> list[tuple[F32, I64]] | None:
    rng = np.random.default_rng(seed_base + index)
    kind = KINDS[index % len(KINDS)]
    sample = make_frame(rng, kind, style=frame_style(index, photo_from))
    gray = to_gray(sample.image)
    for cand in find_candidates(gray)[:5]:
        if len(cand.lines) != len(sample.lines):
            continue
        got = extract_cells(gray, cand, sample.fmt, TRAIN_SHIFTS)
        if got is None:
            continue
        out = []
        for cells, line in zip(got, sample.lines, strict=True):
            labels = np.array([CLASSES.index(c) for c in line], np.int64)
            out += [(c, labels) for c in np.split(cells, len(TRAIN_SHIFTS))]
        return out
    return None


def build(frames: int, workers: int, seed_base: int = SEED_BASE, photo_from: int = SPREAD_PHOTO_FROM
          ) -> tuple[U8, I64, I64]:
    """Cells (uint8 ink), labels and per-line lengths of every frame the pipeline could segment."""
    cells_of = partial(frame_cells, seed_base=seed_base, photo_from=photo_from)
    if workers > 1:
        with Pool(workers) as pool:
            got = pool.map(cells_of, range(frames), chunksize=8)
    else:
        got = [cells_of(i) for i in range(frames)]
    lines = [line for part in got if part is not None for line in part]
    print(f"frames used: {sum(p is not None for p in got)}/{frames}", file=sys.stderr)
    x = np.round(np.concatenate([c for c, _ in lines]) * 255).astype(np.uint8)
    return x, np.concatenate([y for _, y in lines]), np.array([len(y) for _, y in lines], np.int64)


def network(width: int = 16, hidden: int = 128) -> Any:
    import torch.nn as nn

    return nn.Sequential(
        nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2 * width * (CELL // 4) ** 2, hidden), nn.ReLU(), nn.Linear(hidden, len(CLASSES)))


def feats(x: U8) -> Any:
    """Network input: the cells scaled to unit peak ink, as classify.features does at run time."""
    import torch

    f = torch.from_numpy(x).float().div_(255).reshape(len(x), -1)
    f = f / f.max(1, keepdim=True).values.clamp_min(0.2)
    return f.reshape(-1, 1, CELL, CELL)


@lru_cache(maxsize=1)  # built once, not per batch
def motion_kernels() -> F32:
    """9×9 line kernels: lengths 2–9 cell pixels (a fifth of the cap height to more than half) at 12 angles."""
    kernels = []
    for length in range(2, 10):
        for angle in np.linspace(0, math.pi, 12, endpoint=False):
            k = np.zeros((9, 9), np.float32)
            h = (length - 1) / 2
            dx, dy = h * math.cos(angle), h * math.sin(angle)
            cv2.line(k, (round(4 - dx), round(4 - dy)), (round(4 + dx), round(4 + dy)), 1.0, 1)
            kernels.append(k / k.sum())
    return np.stack(kernels)


@lru_cache(maxsize=1)
def crossing_lines() -> F32:
    """Thin anti-aliased lines across a cell: 16 angles × 8 offsets (a guilloche line through a glyph)."""
    lines = []
    for angle in np.linspace(0, math.pi, 16, endpoint=False):
        for offset in np.linspace(-7, 7, 8):
            big = np.zeros((4 * CELL, 4 * CELL), np.uint8)  # drawn at 4× and reduced: a line under a pixel wide
            c, s = math.cos(angle), math.sin(angle)
            cx, cy = 2 * CELL - 4 * offset * s, 2 * CELL + 4 * offset * c
            cv2.line(big, (int(cx - 100 * c), int(cy - 100 * s)), (int(cx + 100 * c), int(cy + 100 * s)), 255, 4,
                     cv2.LINE_AA)
            lines.append(cv2.resize(big, (CELL, CELL), interpolation=cv2.INTER_AREA).astype(np.float32) / 255)
    return np.stack(lines)


def augment(xb: Any, motion_blur: float = 0.0, lines: float = 0.0) -> Any:
    """On top of the pipeline's own variation: sub-pixel shift, scale, shear, occasional blur, contrast, noise.
    With ``lines`` > 0, that share of the cells first gets a thin line across it (ink 0.3–0.9); with
    ``motion_blur`` > 0, that share is then smeared along a line of random length and angle (the blur objector:
    crossing lines and motion blur heavier than the frames show)."""
    import torch
    import torch.nn.functional as F

    n = len(xb)
    if lines > 0:
        bank = torch.from_numpy(crossing_lines())
        pick = torch.randint(0, len(bank), (n,))
        crossed = (torch.rand(n) < lines).float().view(n, 1, 1, 1)
        strength = torch.empty(n, 1, 1, 1).uniform_(0.3, 0.9)
        xb = torch.maximum(xb, bank[pick].view(n, 1, CELL, CELL) * strength * crossed)
    if motion_blur > 0:
        bank = torch.from_numpy(motion_kernels())
        pick = torch.randint(0, len(bank), (n,))
        smear = (torch.rand(n) < motion_blur).float().view(n, 1, 1, 1)
        smeared = F.conv2d(xb.view(1, n, CELL, CELL), bank[pick].view(n, 1, 9, 9), padding=4, groups=n)
        xb = smear * smeared.view(n, 1, CELL, CELL) + (1 - smear) * xb
        f = xb.reshape(n, -1)
        xb = (f / f.max(1, keepdim=True).values.clamp_min(0.2)).reshape(n, 1, CELL, CELL)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = torch.empty(n).uniform_(0.92, 1.08)
    theta[:, 1, 1] = torch.empty(n).uniform_(0.92, 1.08)
    theta[:, 0, 1] = torch.empty(n).uniform_(-0.08, 0.08)
    theta[:, :, 2] = torch.empty(n, 2).uniform_(-0.12, 0.12)
    xb = F.grid_sample(xb, F.affine_grid(theta, list(xb.shape), align_corners=False), align_corners=False)
    kernel = torch.tensor([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]).view(1, 1, 3, 3) / 16
    blur = (torch.rand(n, 1, 1, 1) < 0.25).float()
    xb = blur * F.conv2d(xb, kernel, padding=1) + (1 - blur) * xb
    xb = (xb * torch.empty(n, 1, 1, 1).uniform_(0.6, 1.2) + torch.randn_like(xb) * 0.04).clamp(0, 1)
    f = xb.reshape(n, -1)
    return (f / f.max(1, keepdim=True).values.clamp_min(0.2)).reshape(n, 1, CELL, CELL)


def fit(x: U8, y: I64, epochs: int, seed: int, width: int = 16, hidden: int = 128, motion_blur: float = 0.0,
        lines: float = 0.0) -> Any:
    """AdamW + one-cycle schedule, class-weighted cross-entropy; the last epoch sees unaugmented cells."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    counts = np.bincount(y, minlength=len(CLASSES)).astype(np.float32)
    # fillers and digits dominate MRZs; letters must not be starved
    cw = (counts.sum() / np.maximum(counts, 1) / len(CLASSES)) ** 0.5
    for char, weight in FOCUS.items():
        cw[CLASSES.index(char)] *= weight
    weight_t, labels = torch.from_numpy(cw), torch.from_numpy(y)
    model = network(width, hidden)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    batch = 256
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=epochs * (len(x) // batch), pct_start=0.15)
    gen = torch.Generator().manual_seed(seed + 1)
    t0 = time.time()
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=gen).numpy()
        model.train()
        total = 0.0
        for s in range(0, len(x) - batch + 1, batch):
            b = order[s : s + batch]
            xb = feats(x[b])
            if epoch < epochs - 1 or epochs == 1:
                xb = augment(xb, motion_blur, lines)
            loss = F.cross_entropy(model(xb), labels[b], weight=weight_t)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * batch
        print(f"epoch {epoch + 1}/{epochs} loss {total / len(x):.4f} ({time.time() - t0:.0f}s)", file=sys.stderr)
    return model.eval()


def predict(model: Any, x: U8) -> F32:
    import torch

    with torch.no_grad():
        out: F32 = torch.softmax(model(feats(x)), 1).numpy()
    return out


def agreeing(model: Any, x: U8, y: I64, bounds: I64, lines: I64) -> list[int]:
    """The lines (indices) whose labels ``model`` mostly agrees with."""
    return [int(i) for i in lines
            if float((predict(model, x[bounds[i] : bounds[i + 1]]).argmax(1) == y[bounds[i] : bounds[i + 1]]).mean())
            >= MIN_AGREE]


def gather(x: U8, y: I64, bounds: I64, lines: list[int]) -> tuple[U8, I64]:
    idx = np.concatenate([np.arange(bounds[i], bounds[i + 1]) for i in lines])
    return x[idx], y[idx]


def export(model: Any) -> bytes:
    import torch

    buf = io.BytesIO()
    torch.onnx.export(model, (torch.zeros(1, 1, CELL, CELL),), buf, dynamo=False, input_names=["cells"],
                      output_names=["logits"], dynamic_axes={"cells": {0: "n"}, "logits": {0: "n"}},
                      opset_version=13)
    return buf.getvalue()


def report(name: str, probs: F32, y: I64) -> None:
    pred, conf = probs.argmax(1), probs.max(1)
    right = pred == y
    o, z = CLASSES.index("O"), CLASSES.index("0")
    print(f"{name}: accuracy {right.mean():.5f} ({int((~right).sum())} wrong of {len(y)}); "
          f"O→0 {int(((y == o) & (pred == z)).sum())}, 0→O {int(((y == z) & (pred == o)).sum())}; "
          f"right below 0.8: {int((right & (conf < 0.8)).sum())}, "
          f"wrong at ≥ 0.8: {int((~right & (conf >= 0.8)).sum())}", file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=5000)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--cache", type=Path, help="reuse/save the extracted cells here (.npz)")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--width", type=int, default=24, help="channels of the first conv stage (second: twice)")
    ap.add_argument("--hidden", type=int, default=192, help="units of the dense layer")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (the shipped nets: 1; the result is reproducible per thread count)")
    ap.add_argument("--seed-base", type=int, default=SEED_BASE,
                    help="frame i is drawn with seed SEED_BASE + i (other nets: other frames)")
    ap.add_argument("--photo-from", type=int, default=SPREAD_PHOTO_FROM,
                    help="from this frame index on, half the frames of every kind are photo-style")
    ap.add_argument("--motion-blur", type=float, default=0.0,
                    help="share of training cells smeared by a line kernel first (the blur objector: 0.5)")
    ap.add_argument("--crossing-lines", type=float, default=0.0,
                    help="share of training cells given a thin line across them first (the blur objector: 0.3)")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    t0 = time.time()
    if args.cache and args.cache.is_file():
        with np.load(args.cache, allow_pickle=False) as d:
            x, y, lengths = d["x"], d["y"].astype(np.int64), d["lengths"].astype(np.int64)
    else:
        x, y, lengths = build(args.frames, args.workers, args.seed_base, args.photo_from)
        if args.cache:
            np.savez(args.cache, x=x, y=y.astype(np.int8), lengths=lengths)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    group = len(TRAIN_SHIFTS)
    n_lines = len(lengths)
    # hold out the last 5 % of the lines (whole frames, all shifts); report on their engine-grid cells
    cut = (n_lines - n_lines // 20) // group * group
    train_lines, held = np.arange(cut), np.arange(cut, n_lines, group)
    print(f"{len(x)} cells, {n_lines} lines ({time.time() - t0:.0f}s)", file=sys.stderr)
    # stage 1: a quick model on the engine-grid cells finds the lines whose grid slipped (nonsense labels)
    base = train_lines[::group]
    first = fit(*gather(x, y, bounds, list(base)), epochs=1, seed=7, motion_blur=args.motion_blur,
                lines=args.crossing_lines)
    keep = agreeing(first, x, y, bounds, base) or [int(i) for i in base]  # (a tiny trial run: keep all)
    print(f"stage 2: {len(keep)}/{len(base)} lines kept", file=sys.stderr)
    # stage 2: from scratch on the clean lines, all shifts
    model = fit(*gather(x, y, bounds, [j for i in keep for j in range(i, i + group)]), epochs=args.epochs, seed=7,
                width=args.width, hidden=args.hidden, motion_blur=args.motion_blur,
                lines=args.crossing_lines)
    hx, hy = gather(x, y, bounds, agreeing(model, x, y, bounds, held) or [int(i) for i in held])
    report("held-out (aligned lines, torch)", predict(model, hx), hy)
    onnx = export(model)
    runtime = OnnxCnn(onnx)  # the exported net as the kiosk runs it (cv2.dnn)
    report("held-out (cv2.dnn)", runtime.probs(hx.astype(np.float32) / 255), hy)
    np.savez_compressed(args.out, classes=np.array(CLASSES), onnx=np.frombuffer(onnx, np.uint8))
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} kB); total {time.time() - t0:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
