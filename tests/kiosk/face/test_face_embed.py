from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kiosk.face.detect import FaceDetector
from kiosk.face.embed import DlibResnetEmbedder, Embedding, FaceEmbedder, SFaceEmbedder
from kiosk.face.errors import FaceError, FaceModelError


def test_dlib_embedding_is_128_d_and_deterministic(
    detector: FaceDetector, embedder: DlibResnetEmbedder, astronaut: np.ndarray
) -> None:
    assert isinstance(embedder, FaceEmbedder)
    face = detector.detect(astronaut).single
    assert face is not None
    a, b = embedder.embed(astronaut, face), embedder.embed(astronaut, face)
    assert a.vector.shape == (128,)
    assert embedder.distance(a, b) == pytest.approx(0.0, abs=1e-6)
    assert "vector" not in repr(a) and str(round(float(a.vector[0]), 4)) not in repr(a)
    a.wipe()
    assert not np.any(a.vector)


def test_embeddings_of_different_models_are_not_compared(embedder: DlibResnetEmbedder) -> None:
    ours = Embedding(embedder.name, np.zeros(128))
    theirs = Embedding("opencv-sface", np.zeros(128))
    with pytest.raises(FaceError):
        embedder.distance(ours, theirs)


def test_sface_needs_a_provisioned_model(tmp_path: Path, detector: FaceDetector) -> None:
    with pytest.raises(FaceModelError):
        SFaceEmbedder(tmp_path / "face_recognition_sface_2021dec.onnx", detector.models)
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not an onnx model")
    with pytest.raises(FaceModelError):
        SFaceEmbedder(junk, detector.models)


def test_site_provisioned_dlib_model(tmp_path: Path, detector: FaceDetector) -> None:
    with pytest.raises(FaceModelError):
        DlibResnetEmbedder(detector.models, resnet_path=tmp_path / "other.dat")
    junk = tmp_path / "other.dat"
    junk.write_bytes(b"\x00" * 64)
    with pytest.raises(FaceModelError):
        DlibResnetEmbedder(detector.models, resnet_path=junk)
    from kiosk.face.models import find_models

    same_file = DlibResnetEmbedder(detector.models, resnet_path=find_models().resnet)
    assert same_file.name == "dlib-resnet:dlib_face_recognition_resnet_model_v1"
