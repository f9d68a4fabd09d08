"""Values crossing the HIS port. References are small, serialisable (plain strings) and immutable, so the
outbox can store an operation and replay it after a restart."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kiosk.errors import HisIdentityError

SEXES = ("male", "female", "other", "unknown")


def _mask(value: str, keep: int = 3) -> str:
    return "*" * max(len(value) - keep, 0) + value[-keep:] if value else ""


@dataclass(frozen=True)
class HisIdentity:
    """Who the patient is, as the flow maps it from the chip (DG13) after verification.

    ``date_of_birth`` is an ISO date ``yyyy-mm-dd`` or, when the card only knows the year, ``yyyy``.
    ``sex`` is a FHIR administrative gender: ``male``, ``female``, ``other`` or ``unknown``."""

    id_number: str
    full_name: str
    date_of_birth: str
    sex: str
    address: str
    phone: str | None = None

    def __post_init__(self) -> None:
        # Messages name the field only, never its value.
        if not (len(self.id_number) == 12 and self.id_number.isdigit()):
            raise HisIdentityError(detail="HisIdentity.id_number must be 12 digits")
        if not self.full_name.strip():
            raise HisIdentityError(detail="HisIdentity.full_name is empty")
        if self.sex not in SEXES:
            raise HisIdentityError(detail="HisIdentity.sex must be male, female, other or unknown")
        text = self.date_of_birth
        ok = len(text) == 4 and text.isdigit()
        if not ok:
            try:
                dt.date.fromisoformat(text)
                ok = len(text) == 10
            except ValueError:
                ok = False
        if not ok:
            raise HisIdentityError(detail="HisIdentity.date_of_birth must be yyyy-mm-dd or yyyy")

    def __repr__(self) -> str:
        return f"HisIdentity(id_number={_mask(self.id_number)!r}, full_name=***, date_of_birth=***)"

    __str__ = __repr__


@dataclass(frozen=True)
class PatientRef:
    """A Patient in the HIS. ``id`` is the server's logical id; ``created`` is True when this call made it."""

    id: str
    version_id: str = ""
    created: bool = False

    @property
    def reference(self) -> str:
        return f"Patient/{self.id}"


@dataclass(frozen=True)
class AppointmentRef:
    """Today's booking. ``resource_json`` is the Appointment as read (needed for a full PUT); the version is
    what ``mark_arrived`` sends in ``If-Match``."""

    id: str
    version_id: str
    status: str
    start: str = ""
    resource_json: str = field(default="", repr=False)

    @property
    def reference(self) -> str:
        return f"Appointment/{self.id}"


@dataclass(frozen=True)
class EncounterRef:
    id: str
    version_id: str = ""
    status: str = ""
    created: bool = False  # False when an earlier delivery of the same operation had made it

    @property
    def reference(self) -> str:
        return f"Encounter/{self.id}"


@dataclass(frozen=True)
class Department:
    """One entry of the configured walk-in department list."""

    code: str
    display: str
    location_id: str | None = None  # a FHIR Location id in the HIS, if the site has them
