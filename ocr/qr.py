"""The QR code on the CCCD: decode it from a frame and parse the payload.

Payload (notes §9): UTF-8 text ``id|old_id|name|ddMMyyyy|sex|address|issue ddMMyyyy`` — at least 7 fields,
extra (often empty) fields on 2024 cards are tolerated, the old ID may be empty. The QR identifies but does
not authenticate (no signature, no expiry); the chip read does that.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import cv2

from ocr.errors import QrPayloadError
from ocr.image import Image, fit, to_gray
from ocr.validity import expiry_candidates

_ID = re.compile(r"\d{12}")
_OLD_ID = re.compile(r"(\d{9}|\d{12})?")
_DATE = re.compile(r"\d{8}")
MAX_PAYLOAD = 2048


@dataclass(frozen=True)
class QrResult:
    """A parsed CCCD QR payload. Holds personal data: masked in the repr."""

    id_number: str
    old_id: str
    name: str
    birth_date: dt.date
    sex: str
    address: str
    issue_date: dt.date
    extra: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return "QrResult(<masked>)"

    @property
    def can(self) -> str:
        """PACE CAN: the last 6 digits of the 12-digit ID."""
        return self.id_number[-6:]

    @property
    def document_number(self) -> str:
        """The MRZ document number: the last 9 digits of the ID."""
        return self.id_number[3:]

    @property
    def expiry_candidates(self) -> tuple[str, ...]:
        """Plausible MRZ expiry dates (YYMMDD) for a BAC fallback, most likely first."""
        return expiry_candidates(self.birth_date, self.issue_date)

    def fields(self) -> dict[str, str]:
        return {
            "id_number": self.id_number, "old_id": self.old_id, "name": self.name,
            "birth_date": self.birth_date.isoformat(), "sex": self.sex, "address": self.address,
            "issue_date": self.issue_date.isoformat(), "can": self.can,
            "document_number": self.document_number,
            "expiry_candidates": ",".join(self.expiry_candidates),
        }


def _date(text: str, what: str) -> dt.date:
    if not _DATE.fullmatch(text):
        raise QrPayloadError(f"QR {what} is not a ddMMyyyy date", reason="bad-qr-date")
    try:
        return dt.date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError as exc:
        raise QrPayloadError(f"QR {what} is not a valid date", reason="bad-qr-date") from exc


def parse_cccd_qr(payload: str | bytes) -> QrResult:
    """Parse a CCCD QR payload or raise QrPayloadError (messages never quote the payload)."""
    if isinstance(payload, bytes):
        if len(payload) > MAX_PAYLOAD:
            raise QrPayloadError("QR payload too long for a CCCD", reason="bad-qr-format")
        try:
            payload = payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise QrPayloadError("QR payload is not UTF-8 text", reason="bad-qr-encoding") from exc
    if len(payload) > MAX_PAYLOAD:
        raise QrPayloadError("QR payload too long for a CCCD", reason="bad-qr-format")
    parts = payload.strip().split("|")
    if len(parts) < 7:
        raise QrPayloadError(f"QR payload has {len(parts)} fields, a CCCD has at least 7", reason="bad-qr-format")
    ident, old, name, dob, sex, address, issued = (p.strip() for p in parts[:7])
    if not _ID.fullmatch(ident):
        raise QrPayloadError("QR ID number is not 12 digits", reason="bad-qr-id")
    if not _OLD_ID.fullmatch(old):
        raise QrPayloadError("QR old ID number is malformed", reason="bad-qr-id")
    if not name:
        raise QrPayloadError("QR name is empty", reason="bad-qr-format")
    birth, issue = _date(dob, "date of birth"), _date(issued, "issue date")
    if issue < birth:
        raise QrPayloadError("QR issue date precedes the date of birth", reason="bad-qr-date")
    return QrResult(ident, old, name, birth, sex, address, issue, tuple(parts[7:]))


def decode_qr(image: Image) -> QrResult | None:
    """Find and parse a CCCD QR code in a frame. None if no QR code is seen; QrPayloadError if one is seen
    but it is not a CCCD payload."""
    gray = to_gray(fit(image))
    # the ArUco-based detector copes far better with sensor noise; the classic one is a fallback
    attempts = ((cv2.QRCodeDetectorAruco(), gray), (cv2.QRCodeDetector(), cv2.GaussianBlur(gray, (3, 3), 0)))
    for detector, img in attempts:
        try:
            data, _, _ = detector.detectAndDecodeBytes(img)
        except cv2.error:
            continue
        if data:
            return parse_cccd_qr(bytes(data))
    return None
