"""FHIR adapter against the real loopback FHIR server (no mocks of requests)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.errors import (
    HisAmbiguousPatient,
    HisConfigError,
    HisConflict,
    HisIdentityError,
    HisRejected,
    HisUnavailable,
)
from kiosk.his.fhir_adapter import CCCD_SYSTEM, CHECKIN_KEY_SYSTEM, VIETNAM_TZ, FhirHisAdapter, FhirSettings
from kiosk.his.fhir_server import FhirServer
from kiosk.his.models import AppointmentRef, Department, HisIdentity
from kiosk.his.port import HisPort

DEPARTMENTS = (Department("K01", "Khoa Khám bệnh"), Department("K02", "Khoa Nhi", location_id="room-2"))
ALICE = HisIdentity("079090000001", "NGUYỄN VĂN AN", "1990-02-01", "male", "Phường Bến Nghé, TP HCM")
BOB = HisIdentity("001070000003", "LÊ VĂN CƯỜNG", "1970", "male", "Hà Nội", phone="0900000000")


@pytest.fixture
def server() -> Iterator[FhirServer]:
    with FhirServer(require_if_match=True) as srv:
        yield srv


def adapter_for(server: FhirServer, **kwargs: Any) -> FhirHisAdapter:
    options: dict[str, Any] = {"departments": DEPARTMENTS, "timeout": (1.0, 2.0)}
    options.update(kwargs)
    return FhirHisAdapter(FhirSettings(server.url, **options))


@pytest.fixture
def his(server: FhirServer) -> Iterator[FhirHisAdapter]:
    with adapter_for(server) as adapter:
        yield adapter


def today_at(hour: int, days: int = 0) -> dt.datetime:
    day = dt.datetime.now(VIETNAM_TZ).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), VIETNAM_TZ)


def test_adapter_implements_the_port(his: FhirHisAdapter) -> None:
    assert isinstance(his, HisPort)


def test_new_patient_created_once(server: FhirServer, his: FhirHisAdapter) -> None:
    assert his.find_patient(ALICE.id_number) is None
    first = his.ensure_patient(ALICE)
    second = his.ensure_patient(ALICE)
    assert first.created and not second.created and first.id == second.id
    assert server.count("Patient") == 1
    stored = server.read("Patient", first.id)
    assert stored is not None
    assert stored["identifier"][0] == {**stored["identifier"][0], "system": CCCD_SYSTEM, "value": ALICE.id_number}
    assert stored["birthDate"] == "1990-02-01" and stored["gender"] == "male"
    assert stored["name"][0]["family"] == "NGUYỄN" and stored["name"][0]["given"] == ["VĂN", "AN"]
    assert his.find_patient(ALICE.id_number) == first.__class__(first.id, "1")


def test_year_only_birth_date_and_phone(server: FhirServer, his: FhirHisAdapter) -> None:
    ref = his.ensure_patient(BOB)
    stored = server.read("Patient", ref.id)
    assert stored is not None and stored["birthDate"] == "1970"
    assert stored["telecom"][0]["value"] == "0900000000"


def test_existing_patient_found_without_writes(server: FhirServer, his: FhirHisAdapter) -> None:
    pid = server.seed_patient(ALICE, cccd_system=CCCD_SYSTEM)
    ref = his.ensure_patient(ALICE)
    assert ref.id == pid and not ref.created
    assert server.request_count("POST") == 0


def test_conditional_create_alone_is_idempotent(server: FhirServer) -> None:
    with adapter_for(server, search_before_create=False) as his:
        refs = [his.ensure_patient(ALICE) for _ in range(3)]
    assert [r.created for r in refs] == [True, False, False]
    assert server.count("Patient") == 1 and server.request_count("POST") == 3


def test_racing_deliveries_create_one_patient(server: FhirServer) -> None:
    results: list[str] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            with adapter_for(server, search_before_create=False) as his:
                results.append(his.ensure_patient(ALICE).id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(results)) == 1
    assert server.count("Patient") == 1


def test_duplicate_patients_are_not_guessed(server: FhirServer, his: FhirHisAdapter) -> None:
    server.seed_patient(ALICE, cccd_system=CCCD_SYSTEM)
    server.seed_patient(ALICE, cccd_system=CCCD_SYSTEM)
    with pytest.raises(HisAmbiguousPatient):
        his.find_patient(ALICE.id_number)


def test_todays_appointment_only_today(server: FhirServer, his: FhirHisAdapter) -> None:
    patient = his.ensure_patient(ALICE)
    other = his.ensure_patient(BOB)
    server.seed_appointment(patient.id, today_at(9, days=1))
    server.seed_appointment(patient.id, today_at(9, days=-1))
    server.seed_appointment(other.id, today_at(10))
    assert his.todays_appointment(patient) is None
    wanted = server.seed_appointment(patient.id, today_at(14))
    server.seed_appointment(patient.id, today_at(8), status="cancelled")
    found = his.todays_appointment(patient)
    assert found is not None and found.id == wanted and found.status == "booked" and found.version_id == "1"


def test_appointment_arrived_with_if_match(server: FhirServer, his: FhirHisAdapter) -> None:
    patient = his.ensure_patient(ALICE)
    aid = server.seed_appointment(patient.id, today_at(9))
    appointment = his.todays_appointment(patient)
    assert appointment is not None
    arrived = his.mark_arrived(appointment, "visit-1")
    stored = server.read("Appointment", aid)
    assert stored is not None and stored["status"] == "arrived" and stored["meta"]["versionId"] == "2"
    assert arrived.status == "arrived" and arrived.version_id == "2"
    # The server (require_if_match=True) refuses a PUT without If-Match, so reaching version 2 proves it.
    assert server.request_count("PUT") == 1
    # Delivered again: no further write, staff changes since then are not clobbered.
    again = his.mark_arrived(appointment, "visit-1")
    assert again.status == "arrived" and server.request_count("PUT") == 2  # stale PUT → 412 → re-read
    stored = server.read("Appointment", aid)
    assert stored is not None and stored["meta"]["versionId"] == "2"


def test_412_reread_keeps_staff_change(server: FhirServer, his: FhirHisAdapter) -> None:
    patient = his.ensure_patient(ALICE)
    aid = server.seed_appointment(patient.id, today_at(9))
    appointment = his.todays_appointment(patient)
    assert appointment is not None
    server.staff_edit("Appointment", aid, lambda r: r.update(comment="moved to room 5"))
    arrived = his.mark_arrived(appointment, "visit-1")
    stored = server.read("Appointment", aid)
    assert stored is not None
    assert stored["status"] == "arrived" and stored["comment"] == "moved to room 5"
    assert stored["meta"]["versionId"] == "3" and arrived.version_id == "3"


def test_staff_already_checked_in_is_left_alone(server: FhirServer, his: FhirHisAdapter) -> None:
    patient = his.ensure_patient(ALICE)
    aid = server.seed_appointment(patient.id, today_at(9))
    appointment = his.todays_appointment(patient)
    assert appointment is not None
    server.staff_edit("Appointment", aid, lambda r: r.update(status="checked-in"))
    result = his.mark_arrived(appointment, "visit-1")
    stored = server.read("Appointment", aid)
    assert result.status == "checked-in" and stored is not None and stored["status"] == "checked-in"


def test_cancelled_appointment_is_a_conflict(server: FhirServer, his: FhirHisAdapter) -> None:
    patient = his.ensure_patient(ALICE)
    aid = server.seed_appointment(patient.id, today_at(9))
    appointment = his.todays_appointment(patient)
    assert appointment is not None
    server.staff_edit("Appointment", aid, lambda r: r.update(status="cancelled"))
    with pytest.raises(HisConflict):
        his.mark_arrived(appointment, "visit-1")


def test_appointment_that_keeps_changing_gives_up(server: FhirServer) -> None:
    with adapter_for(server, conflict_retries=0) as his:
        patient = his.ensure_patient(ALICE)
        aid = server.seed_appointment(patient.id, today_at(9))
        appointment = his.todays_appointment(patient)
        assert appointment is not None
        server.staff_edit("Appointment", aid, lambda r: r.update(comment="x"))
        with pytest.raises(HisConflict) as info:
            his.mark_arrived(appointment, "visit-1")
    assert info.value.status == 412


def test_walk_in_encounter(server: FhirServer, his: FhirHisAdapter) -> None:
    patient = his.ensure_patient(ALICE)
    ref = his.create_encounter(patient, "K02", "2026-11-30-kiosk1-0001")
    assert ref.created and ref.status == "arrived"
    stored = server.read("Encounter", ref.id)
    assert stored is not None
    assert stored["subject"]["reference"] == f"Patient/{patient.id}"
    assert stored["class"]["code"] == "AMB"
    assert stored["serviceType"]["coding"][0]["code"] == "K02"
    assert stored["location"][0]["location"]["reference"] == "Location/room-2"
    assert {"system": CHECKIN_KEY_SYSTEM, "value": "2026-11-30-kiosk1-0001"}.items() <= \
        stored["identifier"][0].items()


def test_encounter_linked_to_appointment(server: FhirServer, his: FhirHisAdapter) -> None:
    patient = his.ensure_patient(ALICE)
    server.seed_appointment(patient.id, today_at(9))
    appointment = his.todays_appointment(patient)
    assert appointment is not None
    ref = his.create_encounter(patient, "K01", "visit-a", appointment=appointment)
    assert server.count("Encounter", appointment=f"Appointment/{appointment.id}") == 1
    assert ref.created


def test_same_operation_twice_gives_one_encounter(server: FhirServer, his: FhirHisAdapter) -> None:
    patient = his.ensure_patient(ALICE)
    first = his.create_encounter(patient, "K01", "visit-1")
    second = his.create_encounter(patient, "K01", "visit-1")
    third = his.create_encounter(patient, "K01", "visit-2")
    assert first.id == second.id and first.created and not second.created and third.id != first.id
    assert server.count("Encounter", identifier=f"{CHECKIN_KEY_SYSTEM}|visit-1") == 1
    assert server.count("Encounter") == 2


@pytest.mark.parametrize("search_first", [True, False])
def test_lost_response_then_replay_gives_one_encounter(server: FhirServer, search_first: bool) -> None:
    with adapter_for(server, search_before_create=search_first) as his:
        patient = his.ensure_patient(ALICE)
        server.set_failure("drop", count=1, methods=["POST"])  # committed, answer lost
        with pytest.raises(HisUnavailable):
            his.create_encounter(patient, "K01", "visit-9")
        assert server.count("Encounter") == 1
        replay = his.create_encounter(patient, "K01", "visit-9")
    assert not replay.created
    assert server.count("Encounter") == 1


def test_unknown_department_and_bad_key(server: FhirServer, his: FhirHisAdapter) -> None:
    patient = his.ensure_patient(ALICE)
    with pytest.raises(HisConfigError):
        his.create_encounter(patient, "K99", "visit-1")
    with pytest.raises(HisConfigError):
        his.create_encounter(patient, "K01", "bad key with spaces")
    assert server.count("Encounter") == 0


def test_server_down_is_unavailable(server: FhirServer, his: FhirHisAdapter) -> None:
    his.ensure_patient(ALICE)  # leaves a pooled keep-alive connection that "down" must break
    server.set_failure("down")
    with pytest.raises(HisUnavailable) as info:
        his.find_patient(ALICE.id_number)
    assert info.value.reason == "his-unavailable" and info.value.__cause__ is None
    server.clear_failure()
    assert his.find_patient(ALICE.id_number) is not None


def test_503_is_unavailable(server: FhirServer, his: FhirHisAdapter) -> None:
    server.set_failure("503")
    with pytest.raises(HisUnavailable):
        his.ensure_patient(ALICE)
    server.clear_failure()
    assert his.ensure_patient(ALICE).created


def test_slow_server_is_unavailable_in_bounded_time(server: FhirServer) -> None:
    server.set_failure("slow", delay=5.0)
    with adapter_for(server, timeout=(0.5, 0.3)) as his:
        started = time.monotonic()
        with pytest.raises(HisUnavailable):
            his.find_patient(ALICE.id_number)
    assert time.monotonic() - started < 1.5


def test_4xx_is_rejected_with_outcome_text(his: FhirHisAdapter) -> None:
    with pytest.raises(HisRejected) as info:
        his.mark_arrived(AppointmentRef("missing", "1", "booked"), "visit-1")
    assert info.value.status == 404 and "not found" in info.value.outcome


def test_no_personal_data_in_logs_or_errors(server: FhirServer, his: FhirHisAdapter,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    patient = his.ensure_patient(ALICE)
    his.find_patient(ALICE.id_number)
    his.create_encounter(patient, "K01", "visit-1")
    server.set_failure("down")
    with pytest.raises(HisUnavailable) as info:
        his.find_patient(ALICE.id_number)
    text = caplog.text + str(info.value) + repr(info.value) + repr(ALICE) + str(ALICE)
    for secret in (ALICE.id_number, ALICE.full_name, "NGUYỄN", ALICE.date_of_birth, ALICE.address):
        assert secret not in text


@pytest.mark.parametrize(("field", "value"), [("id_number", "12345"), ("sex", "Nam"),
                                              ("date_of_birth", "01/02/1990"), ("full_name", " ")])
def test_identity_validation_names_field_not_value(field: str, value: str) -> None:
    args = {"id_number": "079090000001", "full_name": "A B", "date_of_birth": "1990-02-01",
            "sex": "male", "address": ""}
    args[field] = value
    with pytest.raises(HisIdentityError) as info:
        HisIdentity(**args)
    assert isinstance(info.value, ValueError)  # callers that check generic input still catch it
    assert field in str(info.value) and (value.strip() == "" or value not in str(info.value))
