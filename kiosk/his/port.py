"""The HIS port: what the check-in flow needs from any hospital information system.

Adapters (FHIR R4 here; vendor APIs later) implement :class:`HisPort`. Contract for every adapter:

- Calls block at most their configured timeouts, then raise :class:`kiosk.errors.HisUnavailable`
  (network, timeout, 5xx: the outbox retries later) or :class:`kiosk.errors.HisRejected` (the HIS said no).
- Writes are idempotent: the outbox delivers at least once, so the same call with the same
  ``idempotency_key`` (or, for patients, the same ID number) must leave exactly one resource in the HIS.
- No personal data in logs or exception messages.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

from kiosk.his.models import AppointmentRef, EncounterRef, HisIdentity, PatientRef

__all__ = ["AppointmentRef", "EncounterRef", "HisIdentity", "HisPort", "PatientRef"]


@runtime_checkable
class HisPort(Protocol):
    def find_patient(self, id_number: str) -> PatientRef | None:
        """The Patient carrying this 12-digit ID number, or None. Several → ``HisAmbiguousPatient``."""
        ...

    def ensure_patient(self, identity: HisIdentity) -> PatientRef:
        """Find the Patient by ID number, creating it from ``identity`` if absent (exactly once)."""
        ...

    def todays_appointment(
        self, patient: PatientRef, *, today: dt.date | None = None
    ) -> AppointmentRef | None:
        """The patient's booking for today (site local date), if any. Already-arrived bookings are
        returned too, so a re-delivered check-in sees its own earlier work."""
        ...

    def mark_arrived(self, appointment: AppointmentRef, idempotency_key: str) -> AppointmentRef:
        """Set the booking to ``arrived`` with optimistic locking. A no-op if it is already arrived or later
        (staff changes are never clobbered)."""
        ...

    def create_encounter(
        self,
        patient: PatientRef,
        department_code: str,
        idempotency_key: str,
        *,
        appointment: AppointmentRef | None = None,
    ) -> EncounterRef:
        """The visit (walk-in, or linked to ``appointment``) in a configured department, created exactly
        once per ``idempotency_key``."""
        ...

    def close(self) -> None: ...
