"""The character classifier: shipped model shape and contract, model-file errors, no training framework at
run time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ocr.errors import ModelError
from ocr.mrz.classify import (
    BLUR_OBJECTOR_PATH,
    CO_READER_PATH,
    MODEL_PATH,
    OBJECTOR_PATH,
    SECOND_OPINION_PATH,
    DenseMlp,
    OnnxCnn,
    features,
    load_model,
)
from ocr.mrz.parse import CLASSES
from ocr.mrz.segment import CELL

REPO = Path(__file__).resolve().parents[2]


def test_shipped_model_gives_probabilities() -> None:
    model = load_model(MODEL_PATH)
    rng = np.random.default_rng(0)
    cells = rng.random((7, CELL, CELL), dtype=np.float32)
    p = model.probs(cells)
    assert p.shape == (7, len(CLASSES)) and p.dtype == np.float32
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-4) and (p >= 0).all()
    assert model.probs(np.zeros((0, CELL, CELL), np.float32)).shape == (0, len(CLASSES))
    # a batch gives the same answer as the cells one by one (no state kept between calls)
    one = np.concatenate([model.probs(cells[i : i + 1]) for i in range(len(cells))])
    assert np.allclose(one, p, atol=1e-5)


def test_shipped_models_are_cnns_and_small() -> None:
    paths = (MODEL_PATH, SECOND_OPINION_PATH, OBJECTOR_PATH, BLUR_OBJECTOR_PATH, CO_READER_PATH)
    for path in paths:
        assert isinstance(load_model(path), OnnxCnn)
        assert path.stat().st_size < 2 * 2**20
    # the second opinion, the objectors and the co-reader are worth something only as separately trained networks
    networks = set()
    for path in paths:
        with np.load(path) as model:
            networks.add(model["onnx"].tobytes())
    assert len(networks) == len(paths)


def test_features_are_contrast_independent() -> None:
    rng = np.random.default_rng(1)
    cells = rng.random((3, CELL, CELL), dtype=np.float32)
    assert features(cells).shape == (3, CELL * CELL)
    assert np.allclose(features(cells), features(0.5 * cells / cells.max()), atol=1e-5)


def test_missing_or_broken_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError):
        load_model(tmp_path / "none.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ModelError):
        load_model(bad)
    garbage = tmp_path / "garbage.npz"
    np.savez(garbage, classes=np.array(CLASSES), onnx=np.frombuffer(b"\x08\x07garbage", np.uint8))
    with pytest.raises(ModelError):
        load_model(garbage)


def test_model_for_another_character_set(tmp_path: Path) -> None:
    with np.load(MODEL_PATH) as data:
        onnx = data["onnx"]
    other = tmp_path / "other.npz"
    np.savez(other, classes=np.array(CLASSES[:-1]), onnx=onnx)
    with pytest.raises(ModelError):
        load_model(other)


def _mlp(path: Path, outputs: int) -> None:
    rng = np.random.default_rng(2)
    shapes = {"w1": (CELL * CELL, 8), "b1": (8,), "w2": (8, 8), "b2": (8,), "w3": (8, outputs), "b3": (outputs,)}
    weights = {k: rng.normal(0, 0.1, s).astype(np.float16) for k, s in shapes.items()}
    np.savez(path, classes=np.array(CLASSES), **weights)


def test_legacy_mlp_file_still_loads_and_is_checked(tmp_path: Path) -> None:
    _mlp(tmp_path / "mlp.npz", len(CLASSES))
    model = load_model(tmp_path / "mlp.npz")
    assert isinstance(model, DenseMlp)
    assert model.probs(np.zeros((2, CELL, CELL), np.float32)).shape == (2, len(CLASSES))
    _mlp(tmp_path / "short.npz", len(CLASSES) - 1)
    with pytest.raises(ModelError):
        load_model(tmp_path / "short.npz")


def test_reading_does_not_import_a_training_framework() -> None:
    code = ("import sys, numpy as np; import ocr; "
            "ocr.read_mrz(np.full((480, 640), 200, np.uint8)); "
            "bad = [m for m in ('torch', 'onnx', 'onnxruntime') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=120)


def test_training_frames_beyond_the_first_5000_show_the_photo_style_on_every_kind() -> None:
    pytest.importorskip("PIL")
    import importlib.util

    spec = importlib.util.spec_from_file_location("train_mrz", REPO / "scripts" / "train_mrz.py")
    assert spec and spec.loader
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    kinds = train.KINDS
    # the first 5000 frames stay as the shipped reader was trained on them: photo style only on CCCDs
    early = {(kinds[i % len(kinds)], train.frame_style(i)) for i in range(600)}
    assert {kind for kind, style in early if style == "photo"} == {"cccd"}
    later = [(kinds[i % len(kinds)], train.frame_style(i)) for i in range(5000, 5600)]
    assert {kind for kind, style in later if style == "photo"} == set(kinds)
    assert sum(style == "photo" for _, style in later) == len(later) // 2
