"""End-to-end MRZ reading on a small generated set: accuracy floor and, above all, no false accepts."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("PIL")
from ocr.keys import keys_from_mrz
from ocr.mrz.engine import MrzReader
from ocr.synth import font_path, make_frame

REPO = Path(__file__).resolve().parents[2]


def _font_or_skip() -> None:
    try:
        font_path()
    except FileNotFoundError:
        pytest.skip("fonts-ocr-b not installed (apt-get install fonts-ocr-b)")


def _load_script(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _font_or_skip()
    out = tmp_path_factory.mktemp("ocrset")
    _load_script("make_ocr_set").generate(out, 40, seed=77, style="mixed")
    return out


def test_generator_writes_documented_ground_truth(generated: Path) -> None:
    truth = json.loads((generated / "ground_truth.json").read_text())
    assert len(truth) == 40
    entry = truth["00000.jpg"]
    assert entry["format"] == "TD1" and len(entry["lines"]) == 3 and entry["kind"] == "cccd"
    assert {t["format"] for t in truth.values()} == {"TD1", "TD3"}
    img = cv2.imread(str(generated / "00000.jpg"))
    assert img is not None and img.shape == (960, 1280, 3)


def test_accuracy_floor_and_no_false_accepts(generated: Path) -> None:
    truth = json.loads((generated / "ground_truth.json").read_text())
    reader = MrzReader()
    exact = false_accepts = 0
    for name, entry in truth.items():
        image = cv2.imread(str(generated / name))
        assert image is not None
        result = reader.read(image)
        if result is not None and result.valid:
            if list(result.lines) == entry["lines"]:
                exact += 1
            else:
                false_accepts += 1
    assert false_accepts == 0
    # single frames, half of them in the harsher "photo" style; measured 35/40 with the shipped model
    # (the 99.5 % target is not met yet: see docs/ocr.md). Voting over frames is tested separately.
    assert exact / len(truth) >= 0.85, f"exact {exact}/{len(truth)}"


def test_cccd_keys_from_a_frame() -> None:
    _font_or_skip()
    rng = np.random.default_rng(5)
    lines = ("IDVNM0900000018001090000001<<9", "9001011M3001019VNM<<<<<<<<<<<6", "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<")
    sample = make_frame(rng, "cccd", cap=22.0, mrz=("TD1", lines))
    result = MrzReader().read(sample.image)
    assert result is not None and result.valid and result.cccd
    keys = keys_from_mrz(result)
    assert keys is not None
    assert (keys.document_number, keys.birth_date, keys.expiry_dates, keys.can) == (
        "090000001", "900101", ("300101",), "000001")


def test_blank_and_text_only_frames_give_nothing() -> None:
    reader = MrzReader()
    assert reader.read(np.full((960, 1280, 3), 127, np.uint8)) is None
    noise = np.random.default_rng(1).integers(0, 256, (960, 1280), dtype=np.uint8)
    result = reader.read(noise)
    assert result is None or not result.valid
    page = np.full((960, 1280), 235, np.uint8)
    for i in range(12):
        cv2.putText(page, "Lorem ipsum dolor sit amet consectetur", (40, 60 + 70 * i),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.2, 20, 2)
    result = reader.read(page)
    assert result is None or not result.valid
