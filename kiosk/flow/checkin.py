"""Turning a verified identity into a durable visit and a queue number — even with the network down.

Order of work (the store promises before the network does):
1. The visit is committed to SQLite with its queue number *and* its HIS operation in the outbox, in one
   durable transaction. From then on the ticket may print; nothing can lose the visit.
2. The outbox item for this visit is delivered right away. If the HIS is down or slower than
   ``immediate_budget_s``, the ticket is marked "staff confirmation" and the drainer delivers it later — at
   least once, and exactly once in the HIS thanks to the idempotency key (conditional creates on the HIS side).
3. A second tap of the same patient for the same department today returns the same visit and number.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from kiosk.config import Department
from kiosk.errors import HisAmbiguousPatient, HisConfigError, HisRejected, KioskError
from kiosk.flow.identity import PatientIdentity
from kiosk.his.models import AppointmentRef, HisIdentity
from kiosk.his.port import HisPort
from kiosk.privacy import id_hash
from kiosk.store.checkins import Checkin, Store
from kiosk.store.outbox import OutboxItem, PermanentDeliveryError

log = logging.getLogger(__name__)

OP_HIS_CHECKIN = "his-checkin"
FLAG_STAFF_CONFIRMATION = "needs-staff-confirmation"
FLAG_INSURANCE_UNVERIFIED = "insurance-unverified"
FLAG_ISSUER_UNKNOWN = "issuer-unknown"


@dataclass(frozen=True)
class CheckInOutcome:
    checkin: Checkin
    department: Department
    delivered: bool  # the HIS has the visit now (False: in the outbox, staff confirmation on the ticket)
    repeated: bool  # the patient had already checked in for this department today
    reasons: tuple[str, ...]  # flow reason codes to show (his-offline, ...)


class CheckInService:
    def __init__(
        self,
        store: Store,
        his: HisPort | None,
        id_key: bytes,
        departments: Sequence[Department],
        *,
        clock: Callable[[], float] = time.time,
        immediate_budget_s: float = 1.5,
        drain_workers: int = 8,
    ) -> None:
        self.store = store
        self.his = his
        self._id_key = id_key
        self.departments = {d.code: d for d in departments}
        self._clock = clock
        #: how long a patient waits for the HIS before the ticket prints "staff confirmation"
        self.immediate_budget_s = immediate_budget_s
        #: concurrent deliveries while draining (HTTP round trips release the GIL)
        self.drain_workers = drain_workers
        self._deliver_lock = threading.Lock()
        self._background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="his-now")

    def department(self, code: str) -> Department:
        try:
            return self.departments[code]
        except KeyError:
            raise KioskError("unknown-department", detail=f"department {code!r} is not configured") from None

    # -- check-in ---------------------------------------------------------------------------------------
    def check_in(
        self,
        identity: PatientIdentity,
        department_code: str,
        *,
        verdict: str,
        flags: Sequence[str] = (),
        appointment: AppointmentRef | None = None,
    ) -> CheckInOutcome:
        department = self.department(department_code)
        hashed = id_hash(identity.id_number, self._id_key)
        earlier = self.store.find_today(hashed, department.code)
        if earlier:
            visit = earlier[0]
            delivered = self.his is None or self._delivered(visit.visit_id)
            return CheckInOutcome(visit, department, delivered, True, () if delivered else ("his-offline",))
        payload: dict[str, Any] = {
            "identity": {
                "id_number": identity.id_number, "full_name": identity.full_name,
                "date_of_birth": identity.date_of_birth, "sex": identity.sex, "address": identity.address,
            },
            "department": department.code,
            "appointment_id": appointment.id if appointment is not None else None,
        }
        visit = self.store.check_in(
            id_hash=hashed, department=department.code, verdict=verdict, flags=set(flags),
            personal={"masked_name": identity.masked_name},
            operations=[(OP_HIS_CHECKIN, payload)] if self.his is not None else [],
        )
        if self.his is None:
            return CheckInOutcome(visit, department, False, False, ())
        attempt = self._background.submit(self.deliver_visit, visit.visit_id)
        try:
            delivered = attempt.result(timeout=self.immediate_budget_s)
        except FutureTimeout:
            delivered = False  # still trying in the background; the outbox lease keeps the drainer off it
        if delivered:
            return CheckInOutcome(visit, department, True, False, ())
        visit = self.store.update(visit.visit_id, add_flags=[FLAG_STAFF_CONFIRMATION])
        status = self.store.outbox.status_of(visit.visit_id)
        reason = "his-rejected" if "dead" in status.values() else "his-offline"
        return CheckInOutcome(visit, department, False, False, (reason,))

    def _delivered(self, visit_id: str) -> bool:
        status = self.store.outbox.status_of(visit_id)
        return bool(status) and all(value == "delivered" for value in status.values())

    # -- delivery ---------------------------------------------------------------------------------------
    def deliver_visit(self, visit_id: str) -> bool:
        """Deliver this visit's operations now (the patient is waiting: only its own items, never the
        backlog). True when all are delivered; failures stay in the outbox with a backoff."""
        outbox = self.store.outbox
        items = outbox.claim_visit(visit_id)
        delivered = True
        for item in items:
            try:
                self.deliver(item)
            except PermanentDeliveryError as exc:
                outbox.mark_failed(item.id, exc.code, permanent=True)
                delivered = False
            except Exception as exc:
                outbox.mark_failed(item.id, getattr(exc, "reason", type(exc).__name__))
                delivered = False
            else:
                outbox.mark_delivered(item.id)
        return delivered and bool(items)

    def drain(self, *, stop: threading.Event | None = None, batch: int = 64) -> int:
        """Deliver what is due, ``drain_workers`` at a time; returns how many were delivered.

        Lease a batch, deliver concurrently, record the batch's results together (a crash re-offers at most
        one batch, which the HIS-side idempotency absorbs). Safe to call from several threads."""
        outbox = self.store.outbox
        delivered = 0
        with self._deliver_lock, ThreadPoolExecutor(max_workers=max(1, self.drain_workers)) as pool:
            while stop is None or not stop.is_set():
                items = outbox.claim_due(batch)
                if not items:
                    break
                results = list(pool.map(self._attempt, items))
                ok = [item_id for item_id, error, _ in results if error is None]
                outbox.mark_delivered(ok)
                for item_id, error, permanent in results:
                    if error is not None:
                        outbox.mark_failed(item_id, error, permanent=permanent)
                delivered += len(ok)
        return delivered

    def _attempt(self, item: OutboxItem) -> tuple[int, str | None, bool]:
        try:
            self.deliver(item)
        except PermanentDeliveryError as exc:
            return item.id, exc.code, True
        except Exception as exc:  # transient: the outbox backs off and retries
            return item.id, str(getattr(exc, "reason", type(exc).__name__)), False
        return item.id, None, False

    def close(self) -> None:
        self._background.shutdown(wait=False, cancel_futures=True)

    def deliver(self, item: OutboxItem) -> None:
        """Outbox delivery of one operation. Raises on failure (the outbox schedules a retry)."""
        if item.op_type != OP_HIS_CHECKIN or self.his is None:
            raise PermanentDeliveryError("operation not known to this kiosk", code="unknown-operation")
        data = item.payload
        try:
            identity = HisIdentity(**data["identity"])
        except (KeyError, TypeError, ValueError):
            raise PermanentDeliveryError("stored payload is not a check-in", code="bad-payload") from None
        try:
            patient = self.his.ensure_patient(identity)
            appointment = None
            if data.get("appointment_id"):
                appointment = self.his.todays_appointment(patient)
                if appointment is not None and appointment.id == data["appointment_id"]:
                    self.his.mark_arrived(appointment, item.idempotency_key)
            self.his.create_encounter(patient, data["department"], _encounter_key(item.idempotency_key),
                                      appointment=appointment)
        except (HisRejected, HisAmbiguousPatient, HisConfigError) as exc:
            # the HIS said no, or cannot tell which patient: staff must look (dead letter), retrying won't help
            raise PermanentDeliveryError("the HIS refused the visit", code=exc.reason) from None


def _encounter_key(idempotency_key: str) -> str:
    # the FHIR adapter accepts [A-Za-z0-9._:-]{1,64}
    return "".join(c for c in idempotency_key if c.isascii() and (c.isalnum() or c in "._:-"))[:64]


class OutboxDrainer:
    """Background thread that keeps delivering the outbox (HIS back after an outage → visits flow in)."""

    def __init__(self, service: CheckInService, interval_s: float = 2.0) -> None:
        self._service = service
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-drainer", daemon=True)

    def start(self) -> OutboxDrainer:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._service.drain(stop=self._stop)
            except Exception as exc:  # the drainer must survive anything; the outbox keeps the work
                log.warning("outbox drain failed: %s", type(exc).__name__)
            self._stop.wait(self._interval)
