"""The vpcd bridge through the real pcscd stack, with plain APDUs only (no access control needed)."""

from __future__ import annotations

import time

import pytest

from nfc.errors import NoCardError
from nfc.transport.pcsc import PcscConnection, card_present, list_readers, wait_for_card
from nfc.virtual.card import CardContent, CardSecrets, VirtualCard
from nfc.virtual.stack import PcscdStack
from nfc.virtual.vpcd import VpcdBridge

CARD_ACCESS = bytes.fromhex(
    "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d"
)

pytestmark = pytest.mark.pcscd


def test_virtual_card_appears_in_pcscd_and_answers(pcscd_stack: PcscdStack) -> None:
    card = VirtualCard(CardContent(files={}, card_access=CARD_ACCESS), CardSecrets())
    bridge = VpcdBridge(card)
    readers = list_readers()
    assert any(r.startswith("Virtual PCD") for r in readers)
    reader = next(r for r in readers if r.endswith("00 00"))
    assert wait_removed(reader)  # a card left by an earlier test takes one presence poll to vanish
    bridge.insert()
    try:
        assert wait_for_card(reader, timeout=5) == reader
        with PcscConnection(reader) as connection:
            assert connection.atr == card.atr
            # SELECT MF answers 6D00 like the real CCCD
            assert connection.transmit(bytes.fromhex("00A4000C023F00")) == bytes.fromhex("6D00")
            # EF.CardAccess by SFI, no authentication needed
            answer = connection.transmit(bytes.fromhex("00B09C0000"))
            assert answer[:-2] == CARD_ACCESS and answer[-2:] == b"\x90\x00"
            # an LDS file before authentication is refused
            assert connection.transmit(bytes.fromhex("00A4040C07A0000002471001"))[-2:] == b"\x90\x00"
            assert connection.transmit(bytes.fromhex("00A4020C020101"))[-2:] == bytes.fromhex("6982")
            # latency: with TCP_QUICKACK the Nagle stall (~44 ms per APDU) is gone
            started = time.perf_counter()
            for _ in range(20):
                connection.transmit(bytes.fromhex("00B09C0000"))
            per_apdu_ms = (time.perf_counter() - started) * 1000 / 20
            assert per_apdu_ms < 20, f"{per_apdu_ms:.1f} ms per APDU: the Nagle stall is back"
    finally:
        bridge.remove()
    assert wait_removed(reader)
    with pytest.raises(NoCardError):
        wait_for_card(reader, timeout=0.5)


def wait_removed(reader: str, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not card_present(reader):
            return True
        time.sleep(0.05)
    return False
