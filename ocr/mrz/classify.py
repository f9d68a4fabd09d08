"""Character classifier: a small numpy MLP over CELL × CELL ink cells, trained by scripts/train_mrz.py.

Weights ship in ``model.npz`` next to this module (float16, well under 1 MB). Inference is two matrix
products; probabilities feed field-type decoding and per-field confidence.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ocr.errors import ModelError
from ocr.mrz.parse import CLASSES

MODEL_PATH = Path(__file__).with_name("model.npz")
F32 = npt.NDArray[np.float32]


def features(cells: F32) -> F32:
    """Flattened cells, each scaled to unit peak ink (contrast-independent)."""
    flat = cells.reshape(len(cells), -1).astype(np.float32)
    peak = flat.max(axis=1, keepdims=True)
    out: F32 = flat / np.maximum(peak, np.float32(0.2))
    return out


def _mm(a: F32, b: F32) -> F32:
    out: F32 = np.asarray(np.einsum("ij,jk->ik", a, b, optimize=False), np.float32)
    return out


class Mlp:
    def __init__(self, params: dict[str, F32]) -> None:
        self.w1, self.b1 = params["w1"], params["b1"]
        self.w2, self.b2 = params["w2"], params["b2"]
        self.w3, self.b3 = params["w3"], params["b3"]

    def logits(self, x: F32) -> F32:
        # einsum without BLAS: for these small products a multi-threaded BLAS is 10–50× slower on a busy
        # 2-core kiosk (thread hand-off), and the engine must stay well under 50 ms per frame
        h = np.maximum(_mm(x, self.w1) + self.b1, 0.0)
        h = np.maximum(_mm(h, self.w2) + self.b2, 0.0)
        out: F32 = _mm(h, self.w3) + self.b3
        return out

    def probs(self, cells: F32) -> F32:
        z = self.logits(features(cells))
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        out: F32 = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
        return out


@lru_cache(maxsize=2)
def load_model(path: Path = MODEL_PATH) -> Mlp:
    try:
        with np.load(path) as data:
            params = {k: data[k].astype(np.float32) for k in ("w1", "b1", "w2", "b2", "w3", "b3")}
            classes = str(data["classes"])
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError("OCR model file missing or unreadable") from exc
    if classes != CLASSES or params["w3"].shape[1] != len(CLASSES):
        raise ModelError("OCR model does not match this code's character set")
    return Mlp(params)
