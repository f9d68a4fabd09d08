"""Acceptance: `cccd-kiosk read` through the real stack (pyscard → pcscd → vpcd → virtual CCCD)
reads every file by PACE with the CAN, and by BAC with the MRZ data."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator

import pytest

from nfc.transport.pcsc import wait_for_removal
from nfc.virtual.builder import VirtualCccd, build_card
from nfc.virtual.stack import PcscdStack
from nfc.virtual.vpcd import VpcdBridge

pytestmark = pytest.mark.pcscd
READER = "Virtual PCD 00 00"
DATA_DIR = tempfile.mkdtemp(prefix="cccd-read-test-")


@pytest.fixture(scope="module")
def inserted(pcscd_stack: PcscdStack) -> Iterator[VirtualCccd]:
    built = build_card()
    bridge = VpcdBridge(built.card())
    bridge.insert()
    yield built
    bridge.remove()
    wait_for_removal(READER, timeout=3)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CCCD_KIOSK_DATA_DIR": DATA_DIR}
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], capture_output=True, text=True, timeout=60,
                          env=env)


def check_document(document: dict, built: VirtualCccd) -> None:
    assert document["complete"] is True
    for name in ("COM", "DG1", "DG2", "DG13", "DG14", "DG15", "SOD"):
        assert document["files"][name]["status"] == "ok", name
        assert document["files"][name]["bytes"] == len(built.file(name)), name
    assert document["personal_data"]["id_number"] == built.citizen.id_number
    assert document["personal_data"]["full_name"] == built.citizen.full_name
    assert document["mrz"]["cccd_id_number"] == built.citizen.id_number
    assert document["photo"]["format"] == "jpeg"
    assert document["photo"]["sha256"] == hashlib.sha256(
        __import__("nfc.lds.dg2", fromlist=["parse_dg2"]).parse_dg2(built.file("DG2"))[0].data).hexdigest()
    assert document["apdu_count"] > 0
    # the test CSCA is not in the (empty) trust store: signature, hashes and chip are fine, issuer unknown
    assert document["verification"]["verdict"] == "issuer-unknown"


def test_read_with_can_uses_pace(inserted: VirtualCccd) -> None:
    result = cli("read", "--reader", READER, "--can", inserted.citizen.can, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["access"]["protocol"] == "PACE" and document["access"]["password"] == "CAN"
    check_document(document, inserted)


def test_read_with_mrz_data_uses_bac(inserted: VirtualCccd) -> None:
    dob, doe = inserted.citizen.mrz_dates
    result = cli("read", "--reader", READER, "--id", inserted.citizen.id_number, "--dob", dob, "--expiry", doe,
                 "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["access"]["protocol"] == "BAC"
    check_document(document, inserted)


def test_wrong_can_exits_with_the_wrong_key_code(inserted: VirtualCccd) -> None:
    wrong = "999999" if inserted.citizen.can != "999999" else "888888"
    result = cli("read", "--reader", READER, "--can", wrong)
    assert result.returncode == 5
    assert "wrong-key" in result.stderr and wrong not in result.stderr


def test_no_card_exits_with_the_no_card_code(pcscd_stack: PcscdStack) -> None:
    result = cli("read", "--reader", "Virtual PCD 00 01", "--can", "123456", "--timeout", "0.5")
    assert result.returncode == 4, result.stderr
