"""Face-match benchmark: milliseconds per verification on (at most) 2 cores.

Prints one JSON object, e.g. ``{"verification_ms": {"median": 110, "p95": 125}, ...}``.
"verification" = HOG detection on a 640×480 camera frame + 5-point alignment + ResNet embedding +
distance to the (already embedded) chip photo. Target: ≤ 300 ms. Also reported: chip-photo
embedding (once per patient, can overlap the chip read), per-frame cost during the liveness
challenge (detection + quality + 68 landmarks), and model load time.

    .venv/bin/python benchmarks/bench_face.py [--runs 30] [--cores 2]

Test face: scikit-image's astronaut (public domain), placed in a 640×480 frame.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _pin(cores: int) -> int:
    os.environ.setdefault("OMP_NUM_THREADS", str(cores))
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(cores))
    try:
        available = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, set(available[:cores]))
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median": round(statistics.median(ordered), 1),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "min": round(ordered[0], 1),
    }


def _time(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    cores = _pin(args.cores)

    import numpy as np
    from PIL import Image

    try:
        import skimage.data
    except ImportError:
        print(json.dumps({"benchmark": "face", "error": "scikit-image (test dependency) not installed"}))
        return 1

    from kiosk.face import models
    from kiosk.face.detect import FaceDetector
    from kiosk.face.embed import DlibResnetEmbedder, Embedding
    from kiosk.face.errors import FaceModelError
    from kiosk.face.liveness import landmarks68
    from kiosk.face.session import chip_face_embedding

    t0 = time.perf_counter()
    try:
        loaded = models.load_dlib_models()
    except FaceModelError as exc:
        print(json.dumps({"benchmark": "face", "error": str(exc)}))
        return 1
    load_s = time.perf_counter() - t0

    detector = FaceDetector(loaded)
    embedder = DlibResnetEmbedder(loaded)
    astronaut = np.array(skimage.data.astronaut(), dtype=np.uint8)  # type: ignore[no-untyped-call]
    frame = np.full((480, 640, 3), 40, dtype=np.uint8)
    frame[0:300, 170:470] = astronaut[0:300, 70:370]
    portrait = Image.fromarray(astronaut).crop((120, 20, 320, 280)).resize((240, 312))
    buf = io.BytesIO()
    portrait.save(buf, "JPEG2000", quality_mode="rates", quality_layers=[20])
    chip_bytes = buf.getvalue()

    chip = chip_face_embedding(chip_bytes, detector, embedder)
    if not isinstance(chip, Embedding):
        print(json.dumps({"benchmark": "face", "error": f"chip photo: {chip}"}))
        return 1

    def verify() -> float:
        face = detector.detect(frame).single
        assert face is not None
        return embedder.distance(chip, embedder.embed(frame, face))

    def per_frame() -> object:
        face = detector.detect(frame).single
        assert face is not None
        return landmarks68(loaded, frame, face.box)

    verification = _time(verify, args.runs)
    result = {
        "benchmark": "face",
        "cores": cores,
        "runs": args.runs,
        "frame": "640x480",
        "model": embedder.name,
        "verification_ms": _stats(verification),
        "target_ms": 300,
        "meets_target": statistics.median(verification) <= 300,
        "chip_embedding_ms": _stats(
            _time(lambda: chip_face_embedding(chip_bytes, detector, embedder), args.runs)
        ),
        "liveness_frame_ms": _stats(_time(per_frame, args.runs)),
        "model_load_s": round(load_s, 2),
        "distance_same_photo": round(verify(), 3),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
