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
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr.image import to_gray  # noqa: E402
from ocr.mrz.classify import MODEL_PATH, features  # noqa: E402
from ocr.mrz.engine import extract_cells  # noqa: E402
from ocr.mrz.locate import find_candidates  # noqa: E402
from ocr.mrz.parse import CLASSES  # noqa: E402
from ocr.synth import KINDS, make_frame  # noqa: E402

F32 = npt.NDArray[np.float32]
SEED_BASE = 10_000_000  # benchmark/test sets use small seeds


def frame_cells(index: int) -> tuple[F32, npt.NDArray[np.int64]] | None:
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
        labels = np.array([CLASSES.index(c) for line in sample.lines for c in line], np.int64)
        return np.concatenate(got), labels
    return None


def build(frames: int, workers: int) -> tuple[F32, npt.NDArray[np.int64]]:
    with Pool(workers) as pool:
        parts = [p for p in pool.map(frame_cells, range(frames), chunksize=8) if p is not None]
    print(f"frames used: {len(parts)}/{frames}", file=sys.stderr)
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    return x, y


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
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        params[f"w{k}"] = (rng.normal(0, np.sqrt(2.0 / a), (a, b))).astype(np.float32)
        params[f"b{k}"] = np.zeros(b, np.float32)
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(val) for k, val in params.items()}
    step, batch = 0, 256
    # class weights: fillers and digits dominate MRZs; letters must not be starved
    counts = np.bincount(y, minlength=len(CLASSES)).astype(np.float32)
    cw = (counts.sum() / np.maximum(counts, 1) / len(CLASSES)) ** 0.5
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
            for k in params:
                gk = grads[k] + (1e-4 * params[k] if k.startswith("w") else 0)
                m[k] = 0.9 * m[k] + 0.1 * gk
                v[k] = 0.999 * v[k] + 0.001 * gk * gk
                mh = m[k] / (1 - 0.9**step)
                vh = v[k] / (1 - 0.999**step)
                params[k] -= (lr * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
        print(f"epoch {epoch + 1}/{epochs} loss {loss_sum / len(xa):.4f}", file=sys.stderr)
    return params


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=700)
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache", type=Path, help="reuse/save the extracted cells here (.npz)")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args()
    t0 = time.time()
    if args.cache and args.cache.is_file():
        with np.load(args.cache) as d:
            x, y = d["x"], d["y"]
    else:
        x, y = build(args.frames, args.workers)
        if args.cache:
            np.savez_compressed(args.cache, x=x, y=y)
    print(f"{len(x)} cells in {time.time() - t0:.0f}s", file=sys.stderr)
    # hold out 5 % to report accuracy
    rng = np.random.default_rng(3)
    idx = rng.permutation(len(x))
    cut = len(x) // 20
    params = train(x[idx[cut:]], y[idx[cut:]], args.epochs)
    from ocr.mrz.classify import Mlp

    acc = float((Mlp(params).probs(x[idx[:cut]]).argmax(1) == y[idx[:cut]]).mean())
    print(f"held-out cell accuracy {acc:.4f}; total {time.time() - t0:.0f}s", file=sys.stderr)
    np.savez_compressed(args.out, classes=np.array(CLASSES),
                        **{k: val.astype(np.float16) for k, val in params.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
