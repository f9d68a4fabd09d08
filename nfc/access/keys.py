"""Access keys the terminal is given: the CAN (CCCD: last 6 digits of the ID) or MRZ data.

Keys hold personal data, so their ``repr`` is masked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nfc.errors import InvalidKeyInputError
from nfc.mrzcheck import check_digit

_DATE = re.compile(r"^\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")
_DOCNO = re.compile(r"^[A-Z0-9<]{1,20}$")


@dataclass(frozen=True, repr=False)
class CanKey:
    """Card Access Number. For the CCCD it is the last 6 digits of the 12-digit ID number."""

    can: str

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d{6}", self.can):
            raise InvalidKeyInputError("a CAN must be exactly 6 digits")

    @classmethod
    def from_id_number(cls, id_number: str) -> CanKey:
        digits = id_number.strip()
        if not re.fullmatch(r"\d{12}", digits):
            raise InvalidKeyInputError("a CCCD ID number has exactly 12 digits")
        return cls(digits[-6:])

    @property
    def password(self) -> bytes:
        """PACE password K: the CAN digits as ASCII (not hashed)."""
        return self.can.encode("ascii")

    def __repr__(self) -> str:
        return "CanKey(can=******)"


@dataclass(frozen=True, repr=False)
class MrzKey:
    """BAC/PACE-MRZ key inputs: document number, date of birth, date of expiry (YYMMDD).

    For the CCCD the document number is the last 9 digits of the 12-digit ID (ID[3:]).
    Document numbers longer than 9 characters follow ICAO 9303-11 (the full number, its own
    check digit) — see :meth:`mrz_information`.
    """

    document_number: str
    date_of_birth: str
    date_of_expiry: str
    _normalised: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        number = self.document_number.strip().upper().replace(" ", "")
        if not _DOCNO.fullmatch(number):
            raise InvalidKeyInputError("document number must be letters, digits or '<' (1-20)")
        for label, value in (("date of birth", self.date_of_birth), ("date of expiry", self.date_of_expiry)):
            if not _DATE.fullmatch(value):
                raise InvalidKeyInputError(f"{label} must be YYMMDD")
        object.__setattr__(self, "_normalised", number)

    @classmethod
    def for_cccd(cls, id_number: str, date_of_birth: str, date_of_expiry: str) -> MrzKey:
        if not re.fullmatch(r"\d{12}", id_number.strip()):
            raise InvalidKeyInputError("a CCCD ID number has exactly 12 digits")
        return cls(id_number.strip()[3:], date_of_birth, date_of_expiry)

    def mrz_information(self) -> str:
        """docNo ‖ cd ‖ DOB ‖ cd ‖ DOE ‖ cd. Numbers shorter than 9 are padded with '<'."""
        number = self._normalised
        if len(number) < 9:
            number = number.ljust(9, "<")
        return (
            number + check_digit(number)
            + self.date_of_birth + check_digit(self.date_of_birth)
            + self.date_of_expiry + check_digit(self.date_of_expiry)
        )

    @property
    def password(self) -> bytes:
        """PACE password K for the MRZ: SHA-1 of the MRZ information is applied by the KDF user."""
        return self.mrz_information().encode("ascii")

    def __repr__(self) -> str:
        return "MrzKey(document_number=***, date_of_birth=******, date_of_expiry=******)"


AccessKey = CanKey | MrzKey
