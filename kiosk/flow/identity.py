"""From a verified ``CardRead`` to the patient identity the check-in uses (DG13 first, DG1 as fallback)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kiosk.errors import KioskError
from kiosk.his.models import HisIdentity
from kiosk.privacy import mask_name
from nfc.model import CardRead


class IdentityError(KioskError):
    reason = "incomplete-read"
    hint = "The card's identity data is missing or unreadable. Place the card again."


@dataclass(frozen=True, repr=False)
class PatientIdentity:
    id_number: str
    full_name: str
    date_of_birth: str  # ISO yyyy-mm-dd, or yyyy when only the year is known
    sex: str  # FHIR administrative gender
    address: str
    card_expiry: str | None  # ISO date; None = lifetime card or unknown
    photo: bytes | None = field(default=None, repr=False)
    photo_format: str | None = None

    @property
    def masked_name(self) -> str:
        return mask_name(self.full_name)

    def to_his(self) -> HisIdentity:
        return HisIdentity(self.id_number, self.full_name, self.date_of_birth, self.sex, self.address)

    def __repr__(self) -> str:
        return "PatientIdentity(<masked>)"


_DMY = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def _iso(printed: str | None) -> str | None:
    if not printed:
        return None
    match = _DMY.match(printed.strip())
    if match:
        day, month, year = match.groups()
        return f"{year}-{month}-{day}"
    if re.fullmatch(r"\d{4}", printed.strip()):
        return printed.strip()
    return None


def _sex(text: str | None) -> str:
    value = (text or "").strip().lower()
    if value in ("nam", "m", "male"):
        return "male"
    if value in ("nữ", "nu", "f", "female"):
        return "female"
    return "unknown"


def _mrz_date(yymmdd: str, *, birth: bool) -> str | None:
    if not re.fullmatch(r"\d{6}", yymmdd):
        return None
    year = int(yymmdd[:2])
    # births: a two-digit year in the future belongs to the previous century
    century = 1900 if birth and year > 30 else 2000
    return f"{century + year}-{yymmdd[2:4]}-{yymmdd[4:]}"


def identity_from_card(read: CardRead) -> PatientIdentity:
    personal = read.personal_data
    mrz = read.mrz
    id_number = (personal.id_number if personal else None) or (mrz.cccd_id_number if mrz else None)
    if not id_number or not re.fullmatch(r"\d{12}", id_number):
        raise IdentityError(detail="no 12-digit ID number on the card")
    if personal is not None and personal.full_name:
        name = personal.full_name
    elif mrz is not None:
        name = f"{mrz.surname} {mrz.given_names}".strip()
    else:
        raise IdentityError(detail="no name on the card")
    dob = _iso(personal.date_of_birth if personal else None) or (
        _mrz_date(mrz.date_of_birth, birth=True) if mrz else None)
    if dob is None:
        raise IdentityError(detail="no usable date of birth on the card")
    expiry = None
    if mrz is not None and not mrz.lifetime:
        expiry = _mrz_date(mrz.date_of_expiry, birth=False)
    elif personal is not None and mrz is None:
        expiry = _iso(personal.expiry_date)
    face = read.faces[0] if read.faces else None
    return PatientIdentity(
        id_number=id_number,
        full_name=name,
        date_of_birth=dob,
        sex=_sex(personal.sex if personal else (mrz.sex if mrz else None)),
        address=(personal.place_of_residence or "") if personal else "",
        card_expiry=expiry,
        photo=face.data if face else None,
        photo_format=face.format if face else None,
    )
