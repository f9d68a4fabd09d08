#!/usr/bin/env python3
"""Generate a synthetic MRZ image set with ground truth (fixed seed → identical set).

    .venv/bin/python scripts/make_ocr_set.py OUT_DIR [--count 300] [--seed 1] [--style synthetic|photo|mixed]

Frames are 1280×960 JPEGs showing a TD1 CCCD, a TD1 of another state or a TD3 passport page (in turn) on a
guilloche background, with distractor text, rotation ±20°, perspective tilt, blur, noise, JPEG compression,
partial glare and MRZ character heights of 12–30 px. ``photo`` adds uneven light, colour cast, vignetting,
defocus, low-contrast print and stronger compression.

``OUT_DIR/ground_truth.json`` maps each image file name to its truth:

    {"00000.jpg": {"format": "TD1", "kind": "cccd", "style": "synthetic", "lines": ["IDVNM…", "…", "…"]}, …}

All data is invented (random names, numbers and dates with correct check digits).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr.synth import KINDS, make_frame


def generate(out: Path, count: int, seed: int = 1, style: str = "synthetic") -> dict[str, dict[str, object]]:
    out.mkdir(parents=True, exist_ok=True)
    truth: dict[str, dict[str, object]] = {}
    for i in range(count):
        rng = np.random.default_rng([seed, i])
        kind = KINDS[i % len(KINDS)]
        st = style if style != "mixed" else ("photo" if i % 2 else "synthetic")
        sample = make_frame(rng, kind, style=st)
        name = f"{i:05d}.jpg"
        cv2.imwrite(str(out / name), sample.image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        truth[name] = {"format": sample.fmt, "kind": kind, "style": st, "lines": list(sample.lines),
                       "glyphs_erased": sample.glyphs_erased}
    (out / "ground_truth.json").write_text(json.dumps(truth, indent=1))
    return truth


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--style", choices=("synthetic", "photo", "mixed"), default="synthetic")
    args = ap.parse_args()
    generate(args.out, args.count, args.seed, args.style)
    print(f"{args.count} images + ground_truth.json in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
