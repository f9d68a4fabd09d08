"""Issue 5 acceptance: full check-ins through the real stack (pyscard → pcscd → vpcd → virtual CCCD) and
the local BHYT and FHIR servers: success, insurance outcomes, card removal, tampering, HIS outage with
exactly-once delivery, and no personal data in any log line."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator

import pytest

from kiosk.demo import DemoEnvironment, citizen_qr_payload
from kiosk.flow.machine import FlowState
from nfc.access.keys import CanKey
from nfc.lds.files import by_name
from nfc.virtual.faults import FaultPlan
from nfc.virtual.stack import stack_available

TRANSPORT = "pcscd" if stack_available()[0] else "memory"
if os.environ.get("CCCD_PRIVATE_PCSCD") and TRANSPORT != "pcscd":
    pytest.fail("the end-to-end tests must run through pcscd here", pytrace=False)

pytestmark = pytest.mark.pcscd


@pytest.fixture
def env(tmp_path) -> Iterator[DemoEnvironment]:
    with DemoEnvironment(data_dir=tmp_path / "data", transport=TRANSPORT) as running:
        yield running


def tap(env: DemoEnvironment, can: str | None = None):
    return env.tap(CanKey(can or env.citizen.can), qr_text=citizen_qr_payload(env.citizen))


def test_success_through_pcscd(env: DemoEnvironment) -> None:
    view = tap(env)
    assert view.state is FlowState.DONE, view.failure
    assert view.verdict == "authentic"
    assert view.insurance == "insurance-valid"
    assert view.ticket is not None and view.ticket.queue_number == 1 and view.ticket.png.startswith(b"\x89PNG")
    assert not view.ticket.staff_confirmation
    assert env.fhir.count("Encounter") == 1 and env.fhir.count("Patient") == 1
    assert env.wiring.store.outbox.depth().pending == 0
    assert env.transport == TRANSPORT


def test_second_tap_same_day_gives_the_same_number(env: DemoEnvironment) -> None:
    first = tap(env)
    env.flow.finish()
    second = tap(env)
    assert first.ticket and second.ticket and first.ticket.queue_number == second.ticket.queue_number
    assert env.fhir.count("Encounter") == 1


@pytest.mark.parametrize(("code", "expected"), [("010", "insurance-expired"), ("060", "insurance-wrong-name"),
                                                ("070", "insurance-wrong-dob")])
def test_insurance_problems_still_give_a_ticket_for_staff(env: DemoEnvironment, code: str, expected: str) -> None:
    env.bhyt.set_scenario(code)
    view = tap(env)
    assert view.state is FlowState.DONE
    assert view.insurance == expected
    assert expected in [n.code for n in view.notices]
    assert view.ticket is not None and view.ticket.staff_confirmation


def test_insurance_gateway_down_is_an_offline_admission(env: DemoEnvironment) -> None:
    env.bhyt.go_down("refuse")
    view = tap(env)
    assert view.state is FlowState.DONE
    assert view.insurance == "insurance-offline"
    assert view.ticket is not None and view.ticket.staff_confirmation


def test_card_removed_mid_read_resets_and_the_next_tap_works(tmp_path) -> None:
    with DemoEnvironment(data_dir=tmp_path / "d", transport=TRANSPORT, faults=FaultPlan(remove_after=40)) as env:
        view = tap(env)
        assert view.state is FlowState.FAILED
        assert view.failure is not None and view.failure.code in ("card-removed", "io-error", "no-card")
        assert view.masked_name == "" and view.photo is None  # nothing partial is shown
        assert env.wiring.store.checkins() == []
        # the patient puts the card back
        env.virtual.faults = FaultPlan()
        if env._bridge is not None:
            from nfc.transport.pcsc import wait_for_removal

            assert wait_for_removal("Virtual PCD 00 00", timeout=5)
        env.virtual.reinsert()
        if env._bridge is not None:
            env._bridge.insert()
        env.flow.finish()
        view = tap(env)
        assert view.state is FlowState.DONE, view.failure


def test_tampered_card_fails_passive_authentication(env: DemoEnvironment) -> None:
    dg13 = bytearray(env.virtual.content.files[by_name("DG13").fid])
    dg13[-1] ^= 0x01
    env.virtual.content.files[by_name("DG13").fid] = bytes(dg13)
    view = tap(env)
    assert view.state is FlowState.FAILED
    assert view.failure is not None and view.failure.code == "not-genuine"
    assert env.wiring.store.checkins() == [] and env.fhir.count("Encounter") == 0


def test_cloned_chip_is_refused(tmp_path) -> None:
    with DemoEnvironment(data_dir=tmp_path / "d", transport=TRANSPORT, cloned=True) as env:
        view = tap(env)
        assert view.state is FlowState.FAILED
        assert view.failure is not None and view.failure.code == "clone-suspected"


def test_his_down_gives_offline_ticket_then_exactly_once_delivery(env: DemoEnvironment) -> None:
    env.fhir.set_failure("503")
    view = tap(env)
    assert view.state is FlowState.DONE
    assert view.ticket is not None and view.ticket.staff_confirmation
    assert "his-offline" in [n.code for n in view.notices]
    store = env.wiring.store
    assert store.outbox.depth().pending == 1
    env.fhir.clear_failure()
    deadline = time.monotonic() + 30
    while store.outbox.depth().pending and time.monotonic() < deadline:
        env.wiring.services.checkin.drain()
        time.sleep(0.2)
    assert store.outbox.depth().pending == 0
    assert env.fhir.count("Encounter") == 1
    # a re-delivery of the same operation (at-least-once) does not create a second visit
    visit = store.checkins()[0]
    env.wiring.services.checkin.drain()
    assert env.fhir.count("Encounter") == 1
    assert set(store.outbox.status_of(visit.visit_id).values()) == {"delivered"}


def test_no_personal_data_in_logs(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with DemoEnvironment(data_dir=tmp_path / "d", transport=TRANSPORT) as env:
        tap(env)
        env.flow.finish()
        env.bhyt.set_scenario("060")
        env.fhir.set_failure("503")
        tap(env, can="000000")  # wrong key path too
        env.flow.finish()
        tap(env)
        citizen = env.citizen
        secrets = [citizen.id_number, citizen.full_name, citizen.date_of_birth.strftime("%d/%m/%Y"),
                   citizen.date_of_birth.isoformat(), citizen.place_of_residence, citizen.full_name.split()[-1]]
    text = "\n".join(record.getMessage() + " " + str(record.args) for record in caplog.records)
    assert caplog.records, "the check-in should log something"
    for secret in secrets:
        assert secret not in text, "personal data reached a log line"
