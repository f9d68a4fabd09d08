"""Typed errors of the OCR package. Like the chip layer's errors, each carries a stable ``reason`` code and
a ``hint`` for the person at the kiosk; messages never contain personal data."""

from __future__ import annotations


class OcrError(Exception):
    """Base of every error raised by ``ocr``."""

    reason: str = "ocr-error"
    hint: str = "Try again; if it keeps failing, call staff."

    def __init__(self, message: str, *, hint: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint
        if reason is not None:
            self.reason = reason


class ImageError(OcrError):
    """The input is not a usable image (unreadable, empty, absurdly large)."""

    reason = "bad-image"
    hint = "The picture could not be read. Take a new photo (JPEG or PNG)."


class QrPayloadError(OcrError):
    """A QR code was decoded but its text is not a CCCD payload."""

    reason = "bad-qr"
    hint = ("This QR code is not the one on the ID card. Show the card's QR code "
            "(front on 2021 cards, back on 2024 cards).")


class ModelError(OcrError):
    """The shipped character model is missing or damaged."""

    reason = "ocr-model"
    hint = "The OCR model file is missing or damaged; reinstall the kiosk software."


class CameraError(OcrError):
    """The camera cannot be opened or stopped delivering frames."""

    reason = "camera"
    hint = "The camera did not answer. Check its cable; run `cccd-kiosk selftest`."
