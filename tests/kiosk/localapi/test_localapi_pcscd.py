"""Issue 6 acceptance through the real stack (pyscard → pcscd → vpcd → virtual CCCD): ``GET /v1/card``
returns the same document as ``cccd-kiosk read --json``, card events come from the PC/SC watcher."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kiosk.localapi import AccessControl, CardService, LocalApiServer, PairingToken, PcscCardSource
from nfc.access.keys import CanKey
from nfc.transport.pcsc import wait_for_card, wait_for_removal
from nfc.verify.trust import TrustStore
from nfc.virtual.builder import VirtualCccd, build_card
from nfc.virtual.stack import PcscdStack
from nfc.virtual.vpcd import VpcdBridge

pytestmark = pytest.mark.pcscd
READER = "Virtual PCD 00 00"
ORIGIN = "https://his.benhvien.test"


@pytest.fixture(scope="module")
def inserted(pcscd_stack: PcscdStack) -> Iterator[tuple[VirtualCccd, VpcdBridge]]:
    built = build_card()
    bridge = VpcdBridge(built.card())
    bridge.insert()
    wait_for_card(READER, timeout=5)
    yield built, bridge
    bridge.remove()
    wait_for_removal(READER, timeout=3)


@dataclass
class Served:
    server: LocalApiServer
    cards: CardService
    token: str
    consent: Any
    data_dir: Path

    @property
    def port(self) -> int:
        return self.server.port


@pytest.fixture
def server(inserted: tuple[VirtualCccd, VpcdBridge], tmp_path: Path, consent_class: Any) -> Iterator[Served]:
    built, _ = inserted
    token, _ = PairingToken.load_or_create(tmp_path)
    consent = consent_class({ORIGIN: True})
    access = AccessControl(allowed_origins=[ORIGIN], token=token, consent=consent)
    # the same (empty) trust store `cccd-kiosk read --data-dir tmp_path` uses
    cards = CardService(PcscCardSource(READER), trust=TrustStore(tmp_path / "trust"))
    cards.set_staff_key(CanKey(built.citizen.can))
    running = LocalApiServer(cards, access, port=0).start()
    try:
        yield Served(running, cards, token.reveal(), consent, tmp_path)
    finally:
        running.stop()


def test_card_through_pcscd_is_the_cli_read_json(inserted: tuple[VirtualCccd, VpcdBridge], server: Served,
                                                 client_class: Any, stable_json: Any) -> None:
    built, _ = inserted
    cli = subprocess.run([sys.executable, "-m", "kiosk.cli", "read", "--reader", READER, "--can", built.citizen.can,
                          "--json", "--data-dir", str(server.data_dir)], capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(cli.stdout)

    client = client_class(server.port, server.token)
    status = client.get("/v1/status").json()
    assert status["reader_present"] is True and status["card_present"] is True and READER in status["readers"]
    answer = client.get("/v1/card?timeout=10", origin=ORIGIN)
    assert answer.status == 200, answer.text
    document = answer.json()
    assert stable_json(document) == stable_json(expected)
    assert document["access"]["protocol"] == "PACE"
    assert document["personal_data"]["id_number"] == built.citizen.id_number
    assert document["verification"]["verdict"] == "issuer-unknown"  # the store trusts no CSCA
    assert server.consent.asked == [ORIGIN]


def test_card_removal_and_insertion_are_events(inserted: tuple[VirtualCccd, VpcdBridge], server: Served) -> None:
    _, bridge = inserted
    listener = server.cards.events.listen()
    try:
        time.sleep(0.5)  # the watcher's first poll reports the reader and the card already there
        bridge.remove()
        assert wait_for_removal(READER, timeout=5)
        bridge.insert()
        wait_for_card(READER, timeout=5)
        deadline = time.monotonic() + 5
        kinds: list[str] = []
        for event in listener.events(0.2):
            if event is not None:
                kinds.append(event.kind)
                assert event.data == {"reader": READER}  # nothing about the card or its holder
            if kinds[-2:] == ["card-removed", "card-inserted"] or time.monotonic() > deadline:
                break
        assert kinds[-2:] == ["card-removed", "card-inserted"]
    finally:
        listener.close()


def test_no_card_in_the_reader_is_408(pcscd_stack: PcscdStack, tmp_path: Path, client_class: Any,
                                      consent_class: Any) -> None:
    token, _ = PairingToken.load_or_create(tmp_path)
    access = AccessControl(allowed_origins=[ORIGIN], token=token, consent=consent_class({ORIGIN: True}))
    cards = CardService(PcscCardSource("Virtual PCD 00 01"))
    cards.set_staff_key(CanKey("123456"))
    with LocalApiServer(cards, access, port=0) as running:
        answer = client_class(running.port, token.reveal()).get("/v1/card?timeout=0.5", origin=ORIGIN)
    assert answer.status == 408 and answer.json()["error"] == "no-card"
