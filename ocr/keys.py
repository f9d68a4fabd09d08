"""Chip access inputs as plain values; the kiosk layer turns them into ``nfc.access.keys`` objects."""

from __future__ import annotations

from dataclasses import dataclass

from ocr.mrz.parse import MrzResult
from ocr.qr import QrResult


@dataclass(frozen=True)
class ChipKeys:
    """BAC inputs (document number, YYMMDD dates; several expiry candidates when only the QR was read) and
    the PACE CAN. Personal data: masked repr."""

    document_number: str
    birth_date: str
    expiry_dates: tuple[str, ...]
    can: str | None

    def __repr__(self) -> str:
        return f"ChipKeys(<masked>, expiry_candidates={len(self.expiry_dates)}, can={'yes' if self.can else 'no'})"


def keys_from_mrz(result: MrzResult) -> ChipKeys | None:
    """Keys from a *valid* MRZ reading (None otherwise: never derive a key from an unverified read)."""
    if not result.valid:
        return None
    f = result.fields
    can = f.get("can") or None
    return ChipKeys(f["document_number"], f["birth_date"], (f["expiry_date"],), can)


def keys_from_qr(qr: QrResult) -> ChipKeys:
    return ChipKeys(qr.document_number, qr.birth_date.strftime("%y%m%d"), qr.expiry_candidates, qr.can)
