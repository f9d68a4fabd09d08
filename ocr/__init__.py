"""Reading the chip keys without typing: MRZ OCR from camera frames and the CCCD QR code.

Runs on OpenCV + numpy only and imports nothing else of ours; it outputs plain values (MRZ fields, BAC
inputs, PACE CAN) that the kiosk layer turns into ``nfc.access.keys`` objects.
"""

from __future__ import annotations

from ocr.errors import ImageError, OcrError, QrPayloadError
from ocr.keys import ChipKeys
from ocr.mrz.engine import MrzReader, read_mrz
from ocr.mrz.parse import MrzResult
from ocr.mrz.vote import MrzVoter
from ocr.qr import QrResult, decode_qr, parse_cccd_qr

__all__ = [
    "ChipKeys",
    "ImageError",
    "MrzReader",
    "MrzResult",
    "MrzVoter",
    "OcrError",
    "QrPayloadError",
    "QrResult",
    "decode_qr",
    "parse_cccd_qr",
    "read_mrz",
]
