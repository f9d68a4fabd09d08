"""Reader loss during a read (issue 7 item 4): the PN532's serial line disappears mid-exchange (USB-UART
unplugged). The error is typed, nothing hangs, and a reader plugged back in works without a restart."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from nfc.access.keys import CanKey
from nfc.errors import TransportError
from nfc.reader import read_card
from nfc.transport.pn532 import Pn532Connection
from nfc.virtual.builder import build_card

sys.path.insert(0, str(Path(__file__).parent))
from pn532_emulator import Pn532Emulator


def unplug(emulator: Pn532Emulator) -> None:
    """What the host sees when a USB-UART bridge vanishes: the line hangs up."""
    emulator._stop.set()
    if threading.current_thread() is not emulator._thread:
        emulator._thread.join(timeout=2)
    os.close(emulator._master)


def test_reader_unplugged_mid_read_is_typed_and_a_new_reader_works() -> None:
    built = build_card()
    card = built.card()
    emulator = Pn532Emulator(card).__enter__()
    try:
        connection = Pn532Connection(emulator.port, timeout=1.0)
        connection.wait_for_card(2.0)
        started = time.monotonic()
        original = card.process_apdu

        def unplug_at_tenth(apdu: bytes) -> bytes:
            if len(card.log) == 10:
                unplug(emulator)
                return b""
            return original(apdu)

        card.process_apdu = unplug_at_tenth  # type: ignore[method-assign]
        with pytest.raises(TransportError) as lost:
            read_card(connection, CanKey(built.citizen.can))
        assert lost.value.reason in ("io-error", "no-reader", "timeout", "card-removed")
        assert time.monotonic() - started < 15, "a lost reader must not hang the read"
        connection.close()
    finally:
        os.close(emulator._slave)
    # the technician plugs a reader back in: a fresh connection reads the whole card
    with Pn532Emulator(built.card()) as again, Pn532Connection(again.port, timeout=2.0) as connection:
        connection.wait_for_card(2.0)
        result = read_card(connection, CanKey(built.citizen.can))
    assert result.complete
