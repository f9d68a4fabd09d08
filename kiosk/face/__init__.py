"""Optional, consent-gated, on-device face match of the patient against the chip photo (DG2).

Public API (see docs/face.md):
- ``record_consent`` / ``ConsentRecord``, ``consent_text``: the opt-in step.
- ``FaceCheck``: one patient's session (``give_consent``, ``set_chip_photo``, ``start_challenge``,
  ``add_frame``, ``decide``, ``wipe``); ``FaceDecision`` has ``outcome``, ``reason``, ``needs_staff``.
- ``compare_stills``: technician comparison of two still images (no liveness).
- ``check_models_load``: self-test hook.

Heavy modules (dlib, OpenCV) load lazily on first attribute access, so importing the package for the
consent text or the self-test hook costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # real types for mypy; at run time the names load on first use
    from kiosk.face.consent import ConsentRecord, consent_text, record_consent
    from kiosk.face.detect import Guidance, guidance_text
    from kiosk.face.embed import FaceEmbedder
    from kiosk.face.errors import ConsentRequiredError, FaceError, FaceImageError, FaceModelError
    from kiosk.face.liveness import Challenge, challenge_text
    from kiosk.face.match import FaceDecision, MatchConfig, Outcome, Reason
    from kiosk.face.models import check_models_load
    from kiosk.face.session import FaceCheck, FaceCheckConfig, compare_stills

_EXPORTS = {
    "ConsentRecord": "kiosk.face.consent",
    "consent_text": "kiosk.face.consent",
    "record_consent": "kiosk.face.consent",
    "FaceError": "kiosk.face.errors",
    "FaceModelError": "kiosk.face.errors",
    "FaceImageError": "kiosk.face.errors",
    "ConsentRequiredError": "kiosk.face.errors",
    "check_models_load": "kiosk.face.models",
    "FaceDecision": "kiosk.face.match",
    "MatchConfig": "kiosk.face.match",
    "Outcome": "kiosk.face.match",
    "Reason": "kiosk.face.match",
    "Guidance": "kiosk.face.detect",
    "guidance_text": "kiosk.face.detect",
    "Challenge": "kiosk.face.liveness",
    "challenge_text": "kiosk.face.liveness",
    "FaceEmbedder": "kiosk.face.embed",
    "FaceCheck": "kiosk.face.session",
    "FaceCheckConfig": "kiosk.face.session",
    "compare_stills": "kiosk.face.session",
}

__all__ = [
    "Challenge",
    "ConsentRecord",
    "ConsentRequiredError",
    "FaceCheck",
    "FaceCheckConfig",
    "FaceDecision",
    "FaceEmbedder",
    "FaceError",
    "FaceImageError",
    "FaceModelError",
    "Guidance",
    "MatchConfig",
    "Outcome",
    "Reason",
    "challenge_text",
    "check_models_load",
    "compare_stills",
    "consent_text",
    "guidance_text",
    "record_consent",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kiosk.face' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
