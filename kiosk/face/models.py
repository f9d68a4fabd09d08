"""Locate and load the dlib model files shipped by the ``face_recognition_models`` package.

That package's ``__init__`` imports ``pkg_resources`` (removed from setuptools >= 81), so it is never
imported: the package folder is found with ``importlib.util.find_spec`` and the files read from there.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.face.errors import FaceModelError

PACKAGE = "face_recognition_models"
RESNET = "dlib_face_recognition_resnet_model_v1.dat"
SHAPE_5 = "shape_predictor_5_face_landmarks.dat"
SHAPE_68 = "shape_predictor_68_face_landmarks.dat"


@dataclass(frozen=True)
class ModelPaths:
    resnet: Path
    shape_5: Path
    shape_68: Path


def models_dir() -> Path:
    """The ``models/`` folder inside the installed package, without running its ``__init__``."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError) as exc:
        raise FaceModelError(f"cannot look up {PACKAGE}: {type(exc).__name__}") from exc
    if spec is None or not spec.submodule_search_locations:
        raise FaceModelError(f"package {PACKAGE} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def find_models(folder: Path | None = None) -> ModelPaths:
    base = folder if folder is not None else models_dir()
    paths = ModelPaths(resnet=base / RESNET, shape_5=base / SHAPE_5, shape_68=base / SHAPE_68)
    for path in (paths.resnet, paths.shape_5, paths.shape_68):
        if not path.is_file():
            raise FaceModelError(f"model file missing: {path.name} (in {base})")
    return paths


def import_dlib() -> Any:
    try:
        import dlib  # the dlib-bin wheel installs the module under this name
    except ImportError as exc:
        raise FaceModelError("dlib is not installed (pip install dlib-bin)") from exc
    return dlib


@dataclass(frozen=True)
class DlibModels:
    """Loaded dlib objects. Loading takes ~1 s (the 68-point file is 100 MB): done once per process."""

    detector: Any
    shape_5: Any
    shape_68: Any
    resnet: Any


@lru_cache(maxsize=4)
def load_dlib_models(folder: Path | None = None) -> DlibModels:
    dlib = import_dlib()
    paths = find_models(folder)
    try:
        return DlibModels(
            detector=dlib.get_frontal_face_detector(),
            shape_5=dlib.shape_predictor(str(paths.shape_5)),
            shape_68=dlib.shape_predictor(str(paths.shape_68)),
            resnet=dlib.face_recognition_model_v1(str(paths.resnet)),
        )
    except RuntimeError as exc:  # dlib reports corrupt or truncated files this way
        raise FaceModelError(f"dlib could not load the face models: {type(exc).__name__}") from exc


def check_models_load() -> tuple[bool, str]:
    """Self-test hook: do the models load and produce a 128-d embedding? Never raises."""
    try:
        import numpy as np

        models = load_dlib_models()
        dlib = import_dlib()
        # A synthetic grey image and a fixed box: proves the network runs end to end, no face needed.
        image = np.full((160, 160, 3), 128, dtype=np.uint8)
        box = dlib.rectangle(30, 30, 130, 130)
        shape = models.shape_5(image, box)
        vector = np.asarray(models.resnet.compute_face_descriptor(image, shape))
        if vector.shape != (128,):
            return False, f"embedding has shape {vector.shape}, expected (128,)"
        return True, f"dlib {getattr(dlib, '__version__', '?')}: detector, 5/68-point landmarks, ResNet OK"
    except FaceModelError as exc:
        return False, f"{exc} — {exc.hint}"
    except Exception as exc:  # a self-test reports, it does not crash the engine
        return False, f"face models failed: {type(exc).__name__}"
