"""Wiring: from a validated ``KioskConfig`` to the services the flow uses. One place where the real
clients, the store and the ticket printer are put together (the UI, the demo and the tests share it)."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kiosk.config import KioskConfig
from kiosk.errors import KioskError
from kiosk.flow.checkin import FLAG_STAFF_CONFIRMATION, CheckInOutcome, CheckInService, OutboxDrainer
from kiosk.flow.identity import PatientIdentity
from kiosk.flow.machine import FaceCheckPort, FlowPolicy, FlowServices
from kiosk.his.port import HisPort
from kiosk.maintenance import Maintenance
from kiosk.privacy import id_hash_key
from kiosk.store.checkins import Store
from nfc.access.keys import AccessKey
from nfc.model import CardRead
from nfc.transport.base import CardConnection

log = logging.getLogger(__name__)


@dataclass
class Wiring:
    """Everything that must be closed at shutdown."""

    services: FlowServices
    policy: FlowPolicy
    store: Store
    drainer: OutboxDrainer
    maintenance: Maintenance
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        self.drainer.stop()
        self.maintenance.stop()
        self.services.checkin.close()
        for close in reversed(self.closers):
            try:
                close()
            except Exception as exc:  # shutting down: report, keep closing the rest
                log.warning("close failed: %s", type(exc).__name__)
        self.store.close()


def make_verifier(config: KioskConfig, trust_dir: Any = None) -> Callable[[CardRead, AccessKey, str | None], Any]:
    from nfc.verify.card import verify_card_read
    from nfc.verify.trust import TrustStore

    directory = trust_dir or (config.data_dir / "trust")
    trust = TrustStore(directory)

    def verify(read: CardRead, key: AccessKey, qr_text: str | None) -> Any:
        return verify_card_read(read, trust, key=key, qr_text=qr_text)

    return verify


def make_insurance_lookup(config: KioskConfig, base_url: str | None = None,
                          credentials: Any = None) -> tuple[Callable[[PatientIdentity], Any], Callable[[], None]]:
    from kiosk.insurance.client import BhytClient
    from kiosk.insurance.models import BhytCredentials

    bhyt = config.bhyt
    creds = credentials or BhytCredentials(
        username=bhyt.username, password=bhyt.password.reveal(), officer_name=bhyt.officer_name,
        officer_id_number=bhyt.officer_id.reveal(),
    )
    client = BhytClient(base_url or bhyt.url, creds, timeout=(2.0, bhyt.timeout_s), max_attempts=bhyt.retries + 1)

    def lookup(identity: PatientIdentity) -> Any:
        return client.lookup(identity.id_number, identity.full_name, identity.date_of_birth)

    return lookup, client.close


def make_his(config: KioskConfig, base_url: str | None = None) -> HisPort:
    from kiosk.his.fhir_adapter import FhirHisAdapter, FhirSettings
    from kiosk.his.models import Department as HisDepartment

    his = config.his
    departments = tuple(HisDepartment(d.code, d.name) for d in config.departments)
    settings = FhirSettings(base_url=base_url or his.base_url, departments=departments,
                            cccd_system=his.cccd_system, timeout=(2.0, his.timeout_s))
    return FhirHisAdapter(settings)


def make_ticket_maker(config: KioskConfig) -> Callable[[CheckInOutcome, PatientIdentity, Sequence[str], str],
                                                       tuple[bytes, bool]]:
    from kiosk.ticket.printer import print_ticket
    from kiosk.ticket.render import TicketData, render_ticket

    printer = config.printer

    def make(outcome: CheckInOutcome, identity: PatientIdentity, notices: Sequence[str], language: str
             ) -> tuple[bytes, bool]:
        visit = outcome.checkin
        from datetime import datetime

        flags = ("staff-confirmation",) if FLAG_STAFF_CONFIRMATION in visit.flags or not outcome.delivered else ()
        data = TicketData(
            queue_number=visit.queue_number, department=outcome.department.name, room=outcome.department.room,
            issued_at=datetime.fromtimestamp(visit.created_at), masked_name=identity.masked_name, flags=flags,
            language="en" if language == "en" else "vi", hospital=config.site_name,
        )
        width = printer.width_px or 576
        image = render_ticket(data, width_px=width)
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        if printer.kind == "none":
            return buffer.getvalue(), True  # screen-only kiosk: the number is shown, nothing to print
        try:
            print_ticket(image, printer)
        except KioskError as exc:
            log.warning("ticket printing failed: %s", exc.reason)
            return buffer.getvalue(), False
        return buffer.getvalue(), True

    return make


def make_face_check() -> FaceCheckPort | None:
    """The face check for the flow, models loaded once (~1 s), or None when they cannot load (the flow then
    records ``not-checked`` / ``model-unavailable`` and staff confirm every patient).

    Head turns only: the flow's worker processes the latest camera frame (~50–80 ms each), below the
    ~10 frames/s a blink needs to be seen reliably (docs/face.md)."""
    from kiosk.face.consent import record_consent
    from kiosk.face.liveness import Challenge
    from kiosk.face.match import Reason
    from kiosk.face.session import FaceCheck, FaceCheckConfig

    check = FaceCheck(FaceCheckConfig(challenges=(Challenge.TURN_LEFT, Challenge.TURN_RIGHT)))
    # probe through the public API: with a (throw-away, never stored) consent, ``decide`` says whether the
    # models loaded; the probe record is wiped at once
    check.give_consent(record_consent(True))
    unavailable = check.decide().reason is Reason.MODEL_UNAVAILABLE
    check.wipe()
    if unavailable:
        log.warning("face models unavailable: the face check is off; staff confirm every patient")
        return None
    return check


def wire(
    config: KioskConfig,
    open_connection: Callable[[], CardConnection],
    *,
    bhyt_url: str | None = None,
    bhyt_credentials: Any = None,
    his_url: str | None = None,
    trust_dir: Any = None,
    auto_department: str | None = None,
    face_check: bool = False,
    face: FaceCheckPort | None = None,
) -> Wiring:
    """``face_check`` switches on the optional face step; ``face`` is a prebuilt check (tests share one;
    otherwise :func:`make_face_check` builds it)."""
    store = Store.open(config.data_dir, utc_offset_hours=config.timezone_offset_hours)
    closers: list[Callable[[], None]] = []
    his: HisPort | None = None
    if config.his.kind != "none":
        his = make_his(config, his_url)
        closers.append(his.close)
    lookup = None
    if bhyt_url or config.bhyt.username:
        lookup, close_lookup = make_insurance_lookup(config, bhyt_url, bhyt_credentials)
        closers.append(close_lookup)
    checkin = CheckInService(store, his, id_hash_key(config.data_dir), config.departments)
    services = FlowServices(
        open_connection=open_connection,
        verify=make_verifier(config, trust_dir),
        checkin=checkin,
        insurance_lookup=lookup,
        his=his,
        make_ticket=make_ticket_maker(config),
        departments=config.departments,
        face=(face if face is not None else make_face_check()) if face_check else None,
    )
    policy = FlowPolicy(
        accepted_verdicts=config.policy.accepted_verdicts,
        flagged_verdicts=config.policy.flagged_verdicts,
        auto_department=auto_department,
        face_check=face_check,
    )
    drainer = OutboxDrainer(checkin).start()
    maintenance = Maintenance.from_config(config, store).start()  # daily retention purge, outbox gauges
    return Wiring(services, policy, store, drainer, maintenance, closers)
