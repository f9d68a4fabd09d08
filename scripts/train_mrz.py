#!/usr/bin/env python3
"""Train the MRZ character model shipped as ocr/mrz/model.npz.

Training cells come from the real pipeline: synthetic frames (OCR-B glyphs from Debian ``fonts-ocr-b``,
rotation, perspective, blur, noise, JPEG, glare, guilloche) are located, rectified and segmented exactly as
at run time, and each cell is labelled from the ground truth. The classifier therefore learns the cells the
engine really produces. Deterministic: fixed seeds (frames use seeds disjoint from scripts/make_ocr_set.py).

    .venv/bin/python scripts/train_mrz.py [--frames 700] [--epochs 14] [--out ocr/mrz/model.npz]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr.image import to_gray
from ocr.mrz.classify import MODEL_PATH, features
from ocr.mrz.engine import extract_cells
from ocr.mrz.locate import find_candidates
from ocr.mrz.parse import CLASSES
from ocr.synth import KINDS, make_frame

F32 = npt.NDArray[np.float32]
SEED_BASE = 10_000_000  # benchmark/test sets use small seeds
FOCUS = {"0": 2.5, "O": 2.5}


def frame_cells(index: int) -> list[tuple[F32, npt.NDArray[np.int64]]] | None:
    rng = np.random.default_rng(SEED_BASE + index)
    kind = KINDS[index % len(KINDS)]
    style = "photo" if index % 3 == 0 else "synthetic"
    sample = make_frame(rng, kind, style=style)
    gray = to_gray(sample.image)
    for cand in find_candidates(gray)[:5]:
        if len(cand.lines) != len(sample.lines):
            continue
        got = extract_cells(gray, cand, sample.fmt)
        if got is None:
            continue
        return [(cells, np.array([CLASSES.index(c) for c in line], np.int64))
                for cells, line in zip(got, sample.lines, strict=True)]
    return None


def build(frames: int, workers: int) -> list[tuple[F32, npt.NDArray[np.int64]]]:
    """Per-line (cells, labels) of every frame the pipeline could segment."""
    with Pool(workers) as pool:
        parts = [p for p in pool.map(frame_cells, range(frames), chunksize=8) if p is not None]
    print(f"frames used: {len(parts)}/{frames}", file=sys.stderr)
    return [line for part in parts for line in part]


def stack(lines: list[tuple[F32, npt.NDArray[np.int64]]]) -> tuple[F32, npt.NDArray[np.int64]]:
    return np.concatenate([c for c, _ in lines]), np.concatenate([y for _, y in lines])


def aligned(lines: list[tuple[F32, npt.NDArray[np.int64]]], params: dict[str, F32], min_agree: float
            ) -> list[tuple[F32, npt.NDArray[np.int64]]]:
    """Lines a first model mostly agrees with. A line whose grid slipped by a character (or a wrong
    candidate) gives nonsense labels; such lines agree at chance level and are dropped."""
    from ocr.mrz.classify import Mlp

    model = Mlp(params)
    return [(c, y) for c, y in lines if float((model.probs(c).argmax(1) == y).mean()) >= min_agree]


def augment(rng: np.random.Generator, cells: F32) -> F32:
    """Sub-cell shifts and contrast changes on top of the pipeline's own variation."""
    out = cells.copy()
    for i in range(len(out)):
        dx, dy = rng.integers(-1, 2, 2)
        out[i] = np.roll(np.roll(out[i], int(dx), axis=1), int(dy), axis=0)
    out *= rng.uniform(0.6, 1.2, (len(out), 1, 1)).astype(np.float32)
    out += rng.normal(0, 0.04, out.shape).astype(np.float32)
    return np.clip(out, 0, 1)


def train(x: F32, y: npt.NDArray[np.int64], epochs: int, seed: int = 7) -> dict[str, F32]:
    rng = np.random.default_rng(seed)
    sizes = (x.shape[1] * x.shape[2], 256, 128, len(CLASSES))
    params: dict[str, F32] = {}
    for k, (a, b) in enumerate(itertools.pairwise(sizes), start=1):
        params[f"w{k}"] = (rng.normal(0, np.sqrt(2.0 / a), (a, b))).astype(np.float32)
        params[f"b{k}"] = np.zeros(b, np.float32)
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(val) for k, val in params.items()}
    step, batch = 0, 256
    # class weights: fillers and digits dominate MRZs; letters must not be starved
    counts = np.bincount(y, minlength=len(CLASSES)).astype(np.float32)
    cw = (counts.sum() / np.maximum(counts, 1) / len(CLASSES)) ** 0.5
    for char, weight in FOCUS.items():  # the pair blur merges most often, in fields no alphabet can settle
        cw[CLASSES.index(char)] *= weight
    for epoch in range(epochs):
        lr = 2e-3 * (0.5 ** (epoch // 4))
        order = rng.permutation(len(x))
        xa = features(augment(rng, x[order]) if epoch > 0 else x[order])
        ya = y[order]
        loss_sum = 0.0
        for s in range(0, len(xa), batch):
            xb, yb = xa[s : s + batch], ya[s : s + batch]
            h1p = xb @ params["w1"] + params["b1"]
            h1 = np.maximum(h1p, 0)
            h2p = h1 @ params["w2"] + params["b2"]
            h2 = np.maximum(h2p, 0)
            z = h2 @ params["w3"] + params["b3"]
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            wts = cw[yb][:, None]
            loss_sum += float(-(np.log(p[np.arange(len(yb)), yb] + 1e-9) * wts[:, 0]).sum())
            g = p
            g[np.arange(len(yb)), yb] -= 1
            g *= wts / len(yb)
            grads = {"w3": h2.T @ g, "b3": g.sum(0)}
            g2 = (g @ params["w3"].T) * (h2p > 0)
            grads["w2"], grads["b2"] = h1.T @ g2, g2.sum(0)
            g1 = (g2 @ params["w2"].T) * (h1p > 0)
            grads["w1"], grads["b1"] = xb.T @ g1, g1.sum(0)
            step += 1
            for name in params:
                gk = grads[name] + (1e-4 * params[name] if name.startswith("w") else 0)
                m[name] = 0.9 * m[name] + 0.1 * gk
                v[name] = 0.999 * v[name] + 0.001 * gk * gk
                mh = m[name] / (1 - 0.9**step)
                vh = v[name] / (1 - 0.999**step)
                params[name] -= (lr * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
        print(f"epoch {epoch + 1}/{epochs} loss {loss_sum / len(xa):.4f}", file=sys.stderr)
    return params


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=900)
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache", type=Path, help="reuse/save the extracted cells here (.npz)")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args()
    t0 = time.time()
    if args.cache and args.cache.is_file():
        with np.load(args.cache, allow_pickle=False) as d:
            bounds = np.cumsum(d["lengths"])[:-1]
            lines = list(zip(np.split(d["x"], bounds), np.split(d["y"], bounds), strict=True))
    else:
        lines = build(args.frames, args.workers)
        if args.cache:
            x_all, y_all = stack(lines)
            np.savez_compressed(args.cache, x=x_all, y=y_all, lengths=np.array([len(y) for _, y in lines]))
    # hold out 5 % of the lines to report accuracy
    rng = np.random.default_rng(3)
    order = rng.permutation(len(lines))
    cut = len(lines) // 20
    held = [lines[i] for i in order[:cut]]
    train_lines = [lines[i] for i in order[cut:]]
    x, y = stack(train_lines)
    print(f"{len(x)} cells from {len(lines)} lines in {time.time() - t0:.0f}s", file=sys.stderr)
    params = train(x, y, max(3, args.epochs // 2))
    # stage 2: drop misaligned lines, train again from scratch on the clean lines
    clean = aligned(train_lines, params, 0.75)
    x, y = stack(clean)
    print(f"stage 2: {len(clean)}/{len(train_lines)} lines kept", file=sys.stderr)
    params = train(x, y, args.epochs)
    from ocr.mrz.classify import Mlp

    hx, hy = stack(aligned(held, params, 0.75))
    acc = float((Mlp(params).probs(hx).argmax(1) == hy).mean())
    print(f"held-out cell accuracy (aligned lines) {acc:.4f}; total {time.time() - t0:.0f}s", file=sys.stderr)
    np.savez_compressed(args.out, classes=np.array(CLASSES),
                        **{k: val.astype(np.float16) for k, val in params.items()})  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
