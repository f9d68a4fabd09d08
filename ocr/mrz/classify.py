"""Character classifier over CELL × CELL ink cells, trained by scripts/train_mrz.py.

``model.npz`` next to this module holds the class order and the network that reads; ``second_opinion.npz``
a separately trained one (the reader of sessions 4–9) that confirms the characters no check digit covers
and may stand in where the reader fails; ``objector.npz`` a smaller one that may only object, and
``blur_objector.npz`` one of its size trained on cells crossed by lines and smeared by motion blur, which
objects to names; ``co_reader.npz`` one of the objector's size trained on other frames under motion blur, whose
probabilities averaged with the reader's give a reading that may stand in where no other stands
(engine.MrzReader). Two kinds of network are understood:

* ``onnx``: a small CNN (two 3×3 conv + max-pool stages, one hidden dense layer) stored as ONNX bytes and
  run by OpenCV's ``cv2.dnn``, so the kiosk needs no training framework;
* ``w1…b3``: the earlier numpy MLP (400-256-128-37, float16), BLAS-free inference.

Probabilities feed field-type decoding and per-field confidence.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from ocr.errors import ModelError
from ocr.mrz.parse import CLASSES
from ocr.mrz.segment import CELL

MODEL_PATH = Path(__file__).with_name("model.npz")
SECOND_OPINION_PATH = Path(__file__).with_name("second_opinion.npz")
OBJECTOR_PATH = Path(__file__).with_name("objector.npz")
BLUR_OBJECTOR_PATH = Path(__file__).with_name("blur_objector.npz")
CO_READER_PATH = Path(__file__).with_name("co_reader.npz")
F32 = npt.NDArray[np.float32]
MLP_KEYS = ("w1", "b1", "w2", "b2", "w3", "b3")


def features(cells: F32) -> F32:
    """Flattened cells (N × CELL²), each scaled to unit peak ink (contrast-independent)."""
    flat = cells.reshape(len(cells), -1).astype(np.float32)
    peak = flat.max(axis=1, keepdims=True)
    out: F32 = flat / np.maximum(peak, np.float32(0.2))
    return out


def softmax(z: F32) -> F32:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: F32 = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    return out


class Classifier:
    """``probs(cells)``: (N, CELL, CELL) float32 ink cells → (N, len(CLASSES)) class probabilities."""

    def logits(self, x: F32) -> F32:
        raise NotImplementedError

    def probs(self, cells: F32) -> F32:
        if len(cells) == 0:
            return np.zeros((0, len(CLASSES)), np.float32)
        return softmax(self.logits(features(np.asarray(cells, np.float32))))


def _mm(a: F32, b: F32) -> F32:
    out: F32 = np.asarray(np.einsum("ij,jk->ik", a, b, optimize=False), np.float32)
    return out


class DenseMlp(Classifier):
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


class OnnxCnn(Classifier):
    """The CNN run by cv2.dnn (OpenCV's own kernels: no BLAS thread hand-off). A cv2.dnn net keeps its
    input and output between ``setInput`` and ``forward``, so calls are serialised."""

    def __init__(self, onnx: bytes) -> None:
        self.net = cv2.dnn.readNetFromONNX(np.frombuffer(onnx, np.uint8))
        self.lock = threading.Lock()

    def logits(self, x: F32) -> F32:
        blob = np.ascontiguousarray(x.reshape(len(x), 1, CELL, CELL), np.float32)
        with self.lock:
            self.net.setInput(blob)
            out = np.asarray(self.net.forward(), np.float32)
        return out.reshape(len(x), -1)


@lru_cache(maxsize=8)
def load_model(path: Path = MODEL_PATH) -> Classifier:
    """The classifier in ``path``; ``ModelError`` if it is missing, unreadable or for other classes."""
    model: Classifier
    try:
        with np.load(path) as data:
            classes = str(data["classes"])
            if "onnx" in data:
                model = OnnxCnn(data["onnx"].tobytes())
            else:
                model = DenseMlp({k: data[k].astype(np.float32) for k in MLP_KEYS})
    except (OSError, KeyError, ValueError, cv2.error) as exc:
        raise ModelError("OCR model file missing or unreadable") from exc
    if classes != CLASSES:
        raise ModelError("OCR model does not match this code's character set")
    try:
        width = model.probs(np.zeros((1, CELL, CELL), np.float32)).shape[1]
    except (ValueError, cv2.error) as exc:
        raise ModelError("OCR model file unreadable") from exc
    if width != len(CLASSES):
        raise ModelError("OCR model does not match this code's character set")
    return model
