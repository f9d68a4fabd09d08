"""Verdicts end to end: the virtual card (authentic / issuer-unknown / clone), tampering property test,
cross-checks and the online verifier."""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nfc.access.keys import CanKey
from nfc.model import CardRead
from nfc.reader import read_card
from nfc.transport.memory import MemoryConnection
from nfc.verify.card import verify_card_read
from nfc.verify.certs import load_certificate
from nfc.verify.crosscheck import (
    KeyValues,
    MrzValues,
    PersonalValues,
    crosscheck,
    fold_name,
    qr_values,
)
from nfc.verify.folder import file_name_for, verify_folder, verify_lds_files
from nfc.verify.online import EmulatorServer, HttpOnlineVerifier, OnlineRequest
from nfc.verify.report import StepStatus, Verdict
from nfc.verify.trust import TrustStore
from nfc.virtual.builder import VirtualCccd, build_card
from nfc.virtual.test_pki import generate_pki

VIRTUAL_PKI = "ec-p256"  # what nfc.virtual.builder signs with by default


class _Store:
    """In-memory IssuerSource with the virtual card's CSCA."""

    def __init__(self) -> None:
        self.csca = load_certificate(generate_pki(VIRTUAL_PKI).csca)

    def issuers_of(self, cert: object) -> list[object]:
        return [self.csca]

    def crls_for(self, issuer: object) -> list[object]:
        return []


@functools.cache
def _card(cloned: bool = False) -> VirtualCccd:
    return build_card(cloned=cloned)


@functools.cache
def _read(cloned: bool = False) -> CardRead:
    card = _card(cloned)
    return read_card(MemoryConnection(card.card()), CanKey(card.citizen.can))


def _files() -> dict[str, bytes]:
    card = _card()
    return {name: card.file(name) for name in ("SOD", "DG1", "DG2", "DG13", "DG14", "DG15")}


def test_virtual_card_is_authentic_with_its_csca() -> None:
    card = _card()
    report = verify_card_read(_read(), _Store(), key=CanKey(card.citizen.can))  # type: ignore[arg-type]
    assert report.verdict is Verdict.AUTHENTIC, report.reasons
    assert report.status("chip-authentication") is StepStatus.PASSED
    assert report.status("active-authentication") is StepStatus.PASSED
    assert report.status("crosscheck:can") is StepStatus.PASSED
    assert report.csca_subject is not None and "CSCA TEST" in report.csca_subject


def test_without_csca_the_issuer_is_unknown_and_named() -> None:
    report = verify_card_read(_read(), None)
    assert report.verdict is Verdict.ISSUER_UNKNOWN
    assert report.dsc_subject is not None and report.dsc_aki is not None
    assert report.to_json()["verdict"] == "issuer-unknown"


def test_cloned_chip_is_detected() -> None:
    report = verify_card_read(_read(cloned=True), _Store())  # type: ignore[arg-type]
    assert report.verdict is Verdict.FAILED and report.reason == "clone-suspected"
    assert report.status("chip-authentication") is StepStatus.FAILED
    assert report.status("active-authentication") is StepStatus.FAILED
    assert report.status("sod-signature") is StepStatus.PASSED  # the data itself is genuine


def test_wrong_can_for_the_card_is_a_crosscheck_failure() -> None:
    report = verify_card_read(_read(), _Store(), key=CanKey("000000"))  # type: ignore[arg-type]
    assert report.verdict is Verdict.FAILED and report.reason == "crosscheck:can"


def test_chip_authentication_required() -> None:
    read = dataclasses.replace(_read(), chip_authentication=None, active_authentication=None)
    report = verify_card_read(read, _Store())  # type: ignore[arg-type]
    assert report.verdict is Verdict.FAILED and report.reason == "chip-not-authenticated"
    relaxed = verify_card_read(read, _Store(), require_chip_authentication=False)  # type: ignore[arg-type]
    assert relaxed.verdict is Verdict.AUTHENTIC


def test_report_json_has_no_personal_data() -> None:
    import json

    card = _card()
    text = json.dumps(verify_card_read(_read(), None, key=CanKey(card.citizen.can)).to_json(), ensure_ascii=False)
    personal = card.citizen.personal_data()
    for value in (personal.id_number, personal.full_name, personal.date_of_birth, card.citizen.can):
        assert value and value not in text


BASELINE = verify_lds_files(_files(), trust=_Store())  # type: ignore[arg-type]


def test_baseline_files_are_authentic() -> None:
    assert BASELINE.verdict is Verdict.AUTHENTIC, BASELINE.reasons
    assert BASELINE.status("crosscheck:dob") is StepStatus.PASSED


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(["DG1", "DG2", "DG13", "DG14", "DG15", "SOD"]), data=st.data())
def test_any_single_byte_change_fails(name: str, data: st.DataObject) -> None:
    files = _files()
    raw = bytearray(files[name])
    index = data.draw(st.integers(0, len(raw) - 1), label="index")
    raw[index] ^= data.draw(st.integers(1, 255), label="xor")
    files[name] = bytes(raw)
    report = verify_lds_files(files, trust=_Store())  # type: ignore[arg-type]
    assert report.verdict is Verdict.FAILED, (name, index, report.reasons)


# --- cross-checks ---------------------------------------------------------------------------------
MRZ = MrzValues("090000001", "001090000001", "900101", "M", "300101", "NGUYEN", "VAN<A")
DG13 = PersonalValues("001090000001", "NGUYỄN VĂN A", "01/01/1990", "Nam", "01/01/2030")


def test_consistent_values_pass() -> None:
    steps = crosscheck(
        MRZ,
        DG13,
        key=KeyValues(can="000001"),
        qr=qr_values("001090000001|123456789|NGUYỄN VĂN A|01011990|Nam|Hà Nội|15042021"),
    )
    assert all(s.status is StepStatus.PASSED for s in steps), [(s.name, s.status) for s in steps]
    assert {s.name for s in steps} >= {
        "crosscheck:id-number",
        "crosscheck:name",
        "crosscheck:dob",
        "crosscheck:sex",
        "crosscheck:expiry",
        "crosscheck:can",
        "crosscheck:qr-id-number",
    }


@pytest.mark.parametrize(
    "change,reason",
    [
        ({"id_number": "001090000002"}, "crosscheck:id-number"),
        ({"full_name": "NGUYỄN VĂN B"}, "crosscheck:name"),
        ({"date_of_birth": "02/01/1990"}, "crosscheck:dob"),
        ({"sex": "Nữ"}, "crosscheck:sex"),
        ({"date_of_expiry": "01/01/2031"}, "crosscheck:expiry"),
        ({"date_of_expiry": "Không thời hạn"}, "crosscheck:expiry"),
    ],
)
def test_each_mismatch_has_its_own_reason(change: dict[str, str], reason: str) -> None:
    steps = crosscheck(MRZ, dataclasses.replace(DG13, **change))
    failed = [s.reason for s in steps if s.status is StepStatus.FAILED]
    assert failed == [reason]


def test_lifetime_card() -> None:
    mrz = dataclasses.replace(MRZ, date_of_expiry="991231")
    steps = crosscheck(mrz, dataclasses.replace(DG13, date_of_expiry="Không thời hạn"))
    assert all(s.status is StepStatus.PASSED for s in steps)


def test_key_and_qr_mismatches() -> None:
    steps = crosscheck(
        MRZ, DG13, key=KeyValues(can="999999"), qr=qr_values("001090000001||NGUYỄN VĂN A|02011990|Nam|x|y")
    )
    failed = {s.reason for s in steps if s.status is StepStatus.FAILED}
    assert failed == {"crosscheck:can", "crosscheck:qr-dob"}
    mrz_key = KeyValues(None, "090000001", "900101", "300102")
    assert [s.reason for s in crosscheck(MRZ, DG13, key=mrz_key) if s.status is StepStatus.FAILED] == [
        "crosscheck:mrz-key"
    ]


def test_missing_values_are_not_checked() -> None:
    steps = crosscheck(MRZ, None)
    assert all(s.status is StepStatus.NOT_CHECKED for s in steps)
    assert "<masked>" in repr(MRZ) and "NGUYEN" not in repr(MRZ)


def test_fold_name() -> None:
    assert fold_name("Đặng Thị Ngọc Ánh") == "DANG<THI<NGOC<ANH"


# --- online verifier ------------------------------------------------------------------------------
def test_online_verifier_against_the_emulator() -> None:
    dsc = generate_pki(VIRTUAL_PKI).dsc
    fingerprint = load_certificate(dsc).fingerprint()
    with EmulatorServer({fingerprint}) as server:
        verifier = HttpOnlineVerifier(server.url, timeout=2)
        assert verifier.verify(OnlineRequest(dsc)).status == "confirmed"
        assert verifier.verify(OnlineRequest(generate_pki("ec-bp384").dsc)).status == "rejected"
        assert "sod" not in server.requests[-1]  # no document data unless opted in
        report = verify_card_read(_read(), None, online=verifier)
        assert report.verdict is Verdict.AUTHENTIC and report.status("online") is StepStatus.PASSED
    with EmulatorServer(decide=lambda body: (503, {})) as down:
        result = HttpOnlineVerifier(down.url, timeout=2).verify(OnlineRequest(dsc))
        assert result.status == "unavailable"
        report = verify_card_read(_read(), None, online=HttpOnlineVerifier(down.url, timeout=2))
        assert report.verdict is Verdict.ISSUER_UNKNOWN


def test_online_verifier_unreachable_is_unavailable() -> None:
    server = EmulatorServer().start()
    url = server.url
    server.stop()
    assert HttpOnlineVerifier(url, timeout=1).verify(OnlineRequest(b"x")).status == "unavailable"


# --- folders ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name,lds",
    [
        ("EF_SOD.bin", "SOD"),
        ("ef011D.bin", "SOD"),
        ("Datagroup13.bin", "DG13"),
        ("ef010F.bin", "DG15"),
        ("DG2.bin", "DG2"),
        ("EF_COM.bin", "COM"),
        ("readme.txt", None),
        ("Datagroup17.bin", None),
    ],
)
def test_folder_file_names(name: str, lds: str | None) -> None:
    assert file_name_for(name) == lds


@pytest.mark.parametrize("folder", ["bsi2008", "loes2006", "hjp-rsapss"])
def test_specimen_folders_are_issuer_unknown(shared_data: Path, folder: str, tmp_path: Path) -> None:
    report = verify_folder(
        shared_data / "lds" / folder, trust=TrustStore(tmp_path), now=datetime(2026, 6, 1, tzinfo=UTC)
    )
    assert report.verdict is Verdict.ISSUER_UNKNOWN and report.reason == "dsc-issuer-unknown"
    assert report.status("sod-signature") is StepStatus.PASSED


def test_folder_without_sod_fails(tmp_path: Path) -> None:
    (tmp_path / "Datagroup1.bin").write_bytes(b"\x61\x00")
    report = verify_folder(tmp_path)
    assert report.verdict is Verdict.FAILED and report.reason == "sod-missing"


@pytest.mark.slow
def test_every_sod_byte_flip_fails() -> None:
    """Exhaustive companion of the property test: each byte of EF.SOD, several bit patterns."""
    files = _files()
    original = files["SOD"]
    survivors = []
    for index in range(len(original)):
        for xor in (0x01, 0x80, 0xFF):
            raw = bytearray(original)
            raw[index] ^= xor
            report = verify_lds_files({**files, "SOD": bytes(raw)}, trust=_Store())  # type: ignore[arg-type]
            if report.verdict is not Verdict.FAILED:
                survivors.append((index, xor))
    assert survivors == []
