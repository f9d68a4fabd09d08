"""BHYT client against the real loopback emulator (no mocks of requests)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator

import pytest

from kiosk.errors import InsuranceAuthError, InsuranceInputError, InsuranceProtocolError, InsuranceUnavailable
from kiosk.insurance.client import BhytClient, gateway_birth_date, md5_hex
from kiosk.insurance.codes import CODE_TABLE, InsuranceOutcome
from kiosk.insurance.emulator import BhytEmulator, TestPerson, default_people, demo_person
from kiosk.insurance.models import BhytCredentials, InsuranceResult

VALID, EXPIRED, NEW_CARD, REVOKED, DEMO = (p.id_number for p in default_people())


@pytest.fixture
def emu() -> Iterator[BhytEmulator]:
    with BhytEmulator() as emulator:
        yield emulator


def make_client(emu: BhytEmulator, **kwargs: object) -> BhytClient:
    sleeps: list[float] = []
    options: dict[str, object] = {"timeout": (1.0, 2.0), "sleep": sleeps.append, "jitter": lambda: 1.0}
    options.update(kwargs)
    client = BhytClient(emu.url, emu.credentials(), **options)  # type: ignore[arg-type]
    client.sleeps = sleeps  # type: ignore[attr-defined]
    return client


def lookup(client: BhytClient, emu: BhytEmulator, id_number: str = VALID) -> InsuranceResult:
    person = emu.person(id_number)
    return client.lookup(person.id_number, person.full_name, person.date_of_birth)


def test_md5_matches_rfc1321_vector() -> None:
    assert md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72"
    assert md5_hex("abc", uppercase=True) == "900150983CD24FB0D6963F7D28E17F72"


@pytest.mark.parametrize(("given", "sent"), [
    (dt.date(1990, 2, 1), "01/02/1990"), ("1990-02-01", "01/02/1990"), ("01/02/1990", "01/02/1990"),
    ("1970", "1970")])
def test_birth_date_forms(given: dt.date | str, sent: str) -> None:
    assert gateway_birth_date(given) == sent


def test_valid_card(emu: BhytEmulator) -> None:
    with make_client(emu) as client:
        result = lookup(client, emu)
    person = emu.person(VALID)
    assert result.outcome is InsuranceOutcome.VALID and result.outcome.covered
    assert result.card_number == person.card_number
    assert result.registered_facility == person.registered_facility
    assert result.valid_to is not None and result.valid_to > dt.date.today()
    assert emu.count("login") == 1 and emu.count("lookup") == 1


@pytest.mark.parametrize("code", sorted(c for c in CODE_TABLE if c != "401"))
def test_every_result_code_through_the_emulator(emu: BhytEmulator, code: str) -> None:
    emu.set_scenario(code=code)
    with make_client(emu) as client:
        result = lookup(client, emu)
    assert result.code == code
    assert result.outcome is CODE_TABLE[code].outcome
    assert result.note == CODE_TABLE[code].meaning_vi


def test_registry_rules(emu: BhytEmulator) -> None:
    with make_client(emu) as client:
        assert lookup(client, emu, EXPIRED).outcome is InsuranceOutcome.EXPIRED
        assert lookup(client, emu, REVOKED).outcome is InsuranceOutcome.REVOKED
        new = lookup(client, emu, NEW_CARD)  # registered with birth year only
        assert new.outcome is InsuranceOutcome.NEW_CARD_OLD_VALID and new.has_new_card
        assert new.effective_card_number != new.card_number
        person = emu.person(VALID)
        assert client.lookup(VALID, "Nguyễn Văn Ân", person.date_of_birth).outcome \
            is InsuranceOutcome.WRONG_NAME_FIRST_LETTER_OK
        wrong = client.lookup(VALID, "Trần Văn An", person.date_of_birth)
        assert wrong.outcome is InsuranceOutcome.WRONG_NAME
        assert client.lookup(VALID, "nguyễn  văn an", "1990-02-01").outcome is InsuranceOutcome.VALID
        assert client.lookup(VALID, person.full_name, "02/01/1990").outcome is InsuranceOutcome.WRONG_DOB
        assert client.lookup("012345678901", "AI ĐÓ", "1990").outcome is InsuranceOutcome.NOT_FOUND


def test_double_check_shows_in_history(emu: BhytEmulator) -> None:
    with make_client(emu) as client:
        assert lookup(client, emu).checks == ()
        second = lookup(client, emu)
    assert len(second.checks) == 1 and second.checks[0].checked_at is not None


def test_per_person_scenario_leaves_others_alone(emu: BhytEmulator) -> None:
    emu.set_scenario(code="130", person=VALID)
    with make_client(emu) as client:
        assert lookup(client, emu, VALID).outcome is InsuranceOutcome.CHILD_WITHOUT_CARD
        assert lookup(client, emu, REVOKED).outcome is InsuranceOutcome.REVOKED


def test_officer_checks() -> None:
    with BhytEmulator(officers={"079080000999": "NGUYỄN THỊ CÁN BỘ", "079080000998": "LÊ VĂN B"}) as emu:
        for officer_name, officer_id, outcome in [
            ("NGUYỄN THỊ CÁN BỘ", "001001001001", InsuranceOutcome.OFFICER_NOT_REGISTERED),
            ("LÊ VĂN C", "079080000998", InsuranceOutcome.OFFICER_NAME_MISMATCH),
        ]:
            creds = BhytCredentials(emu.username, emu.password, officer_name, officer_id)
            with BhytClient(emu.url, creds) as client:
                assert lookup(client, emu).outcome is outcome


@pytest.mark.parametrize("style", ["http", "body"])
def test_expired_token_relogin_once_then_success(style: str) -> None:
    with BhytEmulator(auth_error=style) as emu, make_client(emu) as client:
        assert lookup(client, emu).outcome is InsuranceOutcome.VALID
        emu.expire_tokens()
        assert lookup(client, emu).outcome is InsuranceOutcome.VALID
        assert emu.count("login") == 2
        assert emu.count("lookup") == 3  # the refused one + the retry + the first


def test_token_ttl_refreshes_before_expiry() -> None:
    with BhytEmulator(token_ttl=20) as emu, make_client(emu) as client:  # < 30 s margin: refresh every call
        lookup(client, emu)
        lookup(client, emu)
        assert emu.count("login") == 2 and emu.count("lookup") == 2


def test_401_that_persists_is_an_auth_error(emu: BhytEmulator) -> None:
    emu.set_scenario(code="401")
    with make_client(emu) as client, pytest.raises(InsuranceAuthError):
        lookup(client, emu)
    assert emu.count("login") == 2  # re-login exactly once


def test_wrong_password_is_not_retried(emu: BhytEmulator) -> None:
    creds = BhytCredentials(emu.username, "wrong", *next(iter(emu.officers.items()))[::-1])
    with BhytClient(emu.url, creds) as client, pytest.raises(InsuranceAuthError) as info:
        lookup(client, emu)
    assert emu.count("login") == 1 and emu.count("lookup") == 0
    assert md5_hex("wrong") not in str(info.value)


def test_uppercase_md5_is_accepted(emu: BhytEmulator) -> None:
    with BhytClient(emu.url, emu.credentials(uppercase_md5=True)) as client:
        assert lookup(client, emu).outcome is InsuranceOutcome.VALID


def test_json_body_format(emu: BhytEmulator) -> None:
    with make_client(emu, body_format="json") as client:
        assert lookup(client, emu).outcome is InsuranceOutcome.VALID


def test_slow_gateway_gives_unavailable_in_bounded_time(emu: BhytEmulator) -> None:
    with make_client(emu, timeout=(0.5, 0.3)) as client:
        client.login()
        emu.set_scenario(delay=5.0)
        started = time.monotonic()
        with pytest.raises(InsuranceUnavailable):
            lookup(client, emu)
        elapsed = time.monotonic() - started
    assert elapsed < 1.5
    assert emu.count("lookup") == 1  # read timeouts are not retried


def test_connection_refused_retries_with_backoff_then_unavailable(emu: BhytEmulator) -> None:
    with make_client(emu, max_attempts=3) as client:
        client.login()
        emu.go_down("refuse")
        started = time.monotonic()
        with pytest.raises(InsuranceUnavailable) as info:
            lookup(client, emu)
        assert time.monotonic() - started < 2.0
        assert client.sleeps == [0.25, 0.5]  # type: ignore[attr-defined]  # exponential, jitter = 1.0
        assert info.value.reason == "insurance-unavailable"
        emu.come_up()
        assert lookup(client, emu).outcome is InsuranceOutcome.VALID


def test_503_retried_max_attempts_then_unavailable(emu: BhytEmulator) -> None:
    with make_client(emu, max_attempts=4, backoff_max=0.3) as client:
        client.login()
        emu.go_down("503")
        with pytest.raises(InsuranceUnavailable):
            lookup(client, emu)
        assert emu.count("lookup") == 4
        assert client.sleeps == [0.25, 0.3, 0.3]  # type: ignore[attr-defined]  # capped
        emu.come_up()
        assert lookup(client, emu).outcome is InsuranceOutcome.VALID


def test_real_backoff_sleep_is_jittered_and_short(emu: BhytEmulator) -> None:
    client = BhytClient(emu.url, emu.credentials(), backoff_base=0.01, max_attempts=3)
    client.login()
    emu.go_down("503")
    started = time.monotonic()
    with pytest.raises(InsuranceUnavailable):
        lookup(client, emu)
    assert time.monotonic() - started < 1.0
    client.close()


def test_bad_input_sends_nothing(emu: BhytEmulator) -> None:
    with make_client(emu) as client:
        for args in [("12345", "A", "1990"), ("07909000000X", "A", "1990"), (VALID, "  ", "1990"),
                     (VALID, "A", "1990/02/01")]:
            with pytest.raises(InsuranceInputError):
                client.lookup(*args)
    assert emu.count() == 0


def test_wrong_endpoint_is_a_protocol_error(emu: BhytEmulator) -> None:
    with make_client(emu, lookup_path="/api/egw/nope") as client, pytest.raises(InsuranceProtocolError):
        lookup(client, emu)


def test_no_personal_data_in_logs_or_errors(emu: BhytEmulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    person = TestPerson("079099123456", "VÕ THỊ RIÊNG TƯ", "05/06/1977", "Nữ", "Ngõ Bí Mật 9",
                        "DN4797999123456", "01/01/2020", "31/12/2099")
    emu.add_person(person)
    texts: list[str] = []
    with make_client(emu, timeout=(0.5, 0.3)) as client:
        texts.append(repr(client.lookup(person.id_number, person.full_name, person.date_of_birth)))
        emu.set_scenario(delay=2.0)
        with pytest.raises(InsuranceUnavailable) as slow:
            client.lookup(person.id_number, person.full_name, person.date_of_birth)
        emu.clear_scenarios()
        emu.go_down("refuse")
        with pytest.raises(InsuranceUnavailable) as down:
            client.lookup(person.id_number, person.full_name, person.date_of_birth)
        texts += [str(slow.value), repr(slow.value), str(down.value), repr(down.value), client.password_hash]
    logged = caplog.text + "\n".join(texts[:-1])
    for secret in (person.id_number, person.full_name, "VÕ", person.date_of_birth, person.address,
                   person.card_number, texts[-1]):
        assert secret not in logged
    assert slow.value.__cause__ is None and down.value.__cause__ is None  # causes would carry the URL


def test_demo_person_is_the_virtual_card_holder(emu: BhytEmulator) -> None:
    from nfc.virtual.builder import DEFAULT_CITIZEN

    person = demo_person()
    assert person.id_number == DEFAULT_CITIZEN.id_number == DEMO
    assert person.full_name == DEFAULT_CITIZEN.full_name
    assert person.date_of_birth == DEFAULT_CITIZEN.date_of_birth.strftime("%d/%m/%Y")
    with make_client(emu) as client:
        result = client.lookup(DEFAULT_CITIZEN.id_number, DEFAULT_CITIZEN.full_name, DEFAULT_CITIZEN.date_of_birth)
    assert result.outcome is InsuranceOutcome.VALID
