"""Pn532Connection against the PN532 emulator on a pseudo-terminal, frame by frame."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nfc.errors import (
    CardRemovedError,
    NoCardError,
    NoReaderError,
    TransportError,
    TransportTimeoutError,
    UnsupportedCardError,
)
from nfc.iso7816.apdu import CommandApdu
from nfc.iso7816.channel import ApduChannel
from nfc.transport import pn532_frames as f
from nfc.transport.base import CardConnection
from nfc.transport.pn532 import Pn532Connection

sys.path.insert(0, str(Path(__file__).parent))
from pn532_emulator import Pn532Emulator


def h(text: str) -> bytes:
    return bytes.fromhex(text)


ATR = h("3B 80 80 01 01")
SELECT_EMRTD = h("00 A4 04 0C 07 A0 00 00 02 47 10 01")


class FakeCard:
    """Tiny ApduResponder: answers from a script, echoes otherwise; ``leave_after`` simulates removal."""

    def __init__(self, atr: bytes = ATR, leave_after: int | None = None) -> None:
        self._atr = atr
        self.leave_after = leave_after
        self.seen: list[bytes] = []
        self.script: dict[bytes, bytes] = {SELECT_EMRTD: h("90 00")}
        self.powered = False

    @property
    def atr(self) -> bytes:
        return self._atr

    def power_on(self) -> None:
        self.powered = True

    def power_off(self) -> None:
        self.powered = False

    def process_apdu(self, apdu: bytes) -> bytes:
        self.seen.append(apdu)
        if self.leave_after is not None and len(self.seen) > self.leave_after:
            return b""
        if apdu in self.script:
            return self.script[apdu]
        return apdu[5:] + h("90 00")   # echo the command data


@pytest.fixture
def card() -> FakeCard:
    return FakeCard()


@pytest.fixture
def emulator(card: FakeCard) -> Iterator[Pn532Emulator]:
    with Pn532Emulator(card) as emu:
        yield emu


def eventually(condition: Callable[[], bool], seconds: float = 1.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def connect(emulator: Pn532Emulator, **kwargs: float) -> Pn532Connection:
    # generous ACK wait: a late ACK under CI load would make the host resend (and the card see it twice)
    options: dict[str, float] = {"timeout": 0.5, "ack_timeout": 0.3, "wake_timeout": 0.5}
    options.update(kwargs)
    return Pn532Connection(emulator.port, 115200, **options)  # type: ignore[arg-type]


def test_is_a_card_connection() -> None:
    assert issubclass(Pn532Connection, CardConnection)


def test_open_wakes_the_chip_and_reads_firmware_frame_exact(emulator: Pn532Emulator) -> None:
    conn = connect(emulator)
    try:
        host = bytes(emulator.host_bytes)
        # wake-up preamble, then SAMConfiguration normal mode, then GetFirmwareVersion
        assert host.startswith(f.WAKEUP + h("00 00 FF 05 FB D4 14 01 14 01 02 00"))
        assert h("00 00 FF 02 FE D4 02 2A 00") in host
        assert emulator.sent[:4] == [f.ACK, h("00 00 FF 02 FE D5 15 16 00"),
                                     f.ACK, h("00 00 FF 06 FA D5 03 32 01 06 07 E8 00")]
        assert conn.firmware == (0x32, 0x01, 0x06, 0x07)
        # RFConfiguration MaxRetries: InListPassiveTarget must not wait forever
        assert f.encode_command(f.RF_CONFIGURATION, h("05 FF 01 01")) in host
        assert conn.reader_name.startswith("PN532")
    finally:
        conn.close()


def test_sleeping_chip_without_wakeup_times_out() -> None:
    with Pn532Emulator(FakeCard()) as emu:
        emu.silent = True  # a chip that never wakes: no ACK at all
        with pytest.raises(TransportTimeoutError):
            connect(emu, wake_timeout=0.1)


def test_wait_for_card_lists_type_a_and_builds_pseudo_atr(emulator: Pn532Emulator, card: FakeCard) -> None:
    with connect(emulator) as conn:
        assert conn.wait_for_card(1.0) == ATR
        assert conn.atr == ATR
        assert h("00 00 FF 04 FC D4 4A 01 00 E1 00") in emulator.host_bytes
        assert card.powered


def test_pseudo_atr_keeps_historical_bytes() -> None:
    atr = f.pseudo_atr(h("0A 78 80 70 02 80 73 C8 21 10"))
    with Pn532Emulator(FakeCard(atr=atr)) as emu, connect(emu) as conn:
        assert conn.wait_for_card(1.0) == atr


def test_no_card_raises_no_card_after_timeout() -> None:
    with Pn532Emulator(None) as emu, connect(emu) as conn:
        with pytest.raises(NoCardError):
            conn.wait_for_card(0.25)
        with pytest.raises(NoCardError):
            conn.transmit(SELECT_EMRTD)
        polls = [c for c in emu.commands if c[0] == f.IN_LIST_PASSIVE_TARGET]
        assert len(polls) >= 2   # it polled, it did not block


def test_non_iso_dep_card_is_unsupported(emulator: Pn532Emulator) -> None:
    original = emulator._list_passive_target

    def mifare_classic(params: bytes) -> bytes:
        answer = bytearray(original(params))
        answer[4] = 0x08      # SEL_RES of a MIFARE Classic 1K: no ISO 14443-4
        return bytes(answer[: 6 + answer[5]])

    emulator._list_passive_target = mifare_classic  # type: ignore[method-assign]
    with connect(emulator) as conn, pytest.raises(UnsupportedCardError):
        conn.wait_for_card(0.5)


def test_select_apdu_frame_exact(emulator: Pn532Emulator, card: FakeCard) -> None:
    with connect(emulator) as conn:
        conn.wait_for_card(1.0)
        assert conn.transmit(SELECT_EMRTD) == h("90 00")
        assert h("00 00 FF 0F F1 D4 40 01 00 A4 04 0C 07 A0 00 00 02 47 10 01 36 00") in emulator.host_bytes
        assert h("00 00 FF 05 FB D5 41 00 90 00 5A 00") in emulator.sent
        assert card.seen == [SELECT_EMRTD]


def test_long_apdu_is_chained_with_mi_and_long_answer_reassembled(emulator: Pn532Emulator,
                                                                   card: FakeCard) -> None:
    payload = bytes(i & 0xFF for i in range(600))
    apdu = h("00 D6 00 00 00") + len(payload).to_bytes(2, "big") + payload   # extended Lc, 607 bytes
    with connect(emulator) as conn:
        conn.wait_for_card(1.0)
        answer = conn.transmit(apdu)
    assert card.seen == [apdu]                               # reassembled in the card
    assert answer == apdu[5:] + h("90 00")                   # 604 bytes back through MI chaining
    exchanges = [c for c in emulator.commands if c[0] == f.IN_DATA_EXCHANGE]
    assert [c[1] for c in exchanges[:3]] == [0x41, 0x41, 0x01]    # MI set on all but the last chunk
    assert [len(c) - 2 for c in exchanges[:3]] == [262, 262, 83]
    assert [c[1:] for c in exchanges[3:]] == [b"\x01", b"\x01"]  # empty fetches for the MI answers
    assert any(frame[:5] == h("00 00 FF FF FF") for frame in emulator.sent)   # extended frames used


def test_nack_from_chip_makes_host_resend(emulator: Pn532Emulator) -> None:
    with connect(emulator) as conn:
        conn.wait_for_card(1.0)
        emulator.nack_commands = 1
        assert conn.transmit(SELECT_EMRTD) == h("90 00")
    frame = h("00 00 FF 0F F1 D4 40 01 00 A4 04 0C 07 A0 00 00 02 47 10 01 36 00")
    assert emulator.host_bytes.count(frame) == 2
    assert f.NACK in emulator.sent


def test_bad_checksum_answer_is_nacked_and_repeated(emulator: Pn532Emulator) -> None:
    with connect(emulator) as conn:
        conn.wait_for_card(1.0)
        emulator.corrupt_responses = 1
        assert conn.transmit(SELECT_EMRTD) == h("90 00")
        assert emulator.host_nacks == 1


def test_persistent_checksum_errors_raise_typed_error(emulator: Pn532Emulator) -> None:
    with connect(emulator) as conn:
        conn.wait_for_card(1.0)
        emulator.corrupt_responses = 100
        with pytest.raises(f.Pn532ChecksumError) as info:
            conn.transmit(SELECT_EMRTD)
        assert info.value.reason == "reader-protocol" and info.value.hint


def test_silent_chip_gives_timeout(emulator: Pn532Emulator) -> None:
    with connect(emulator, ack_timeout=0.1) as conn:
        conn.wait_for_card(1.0)
        emulator.silent = True
        with pytest.raises(TransportTimeoutError):
            conn.transmit(SELECT_EMRTD)


def test_missing_answer_is_aborted_with_ack(emulator: Pn532Emulator) -> None:
    with connect(emulator, timeout=0.2) as conn:
        conn.wait_for_card(1.0)
        emulator.no_response = True
        with pytest.raises(TransportTimeoutError):
            conn.transmit(SELECT_EMRTD)
        # the host sent ACK to cancel the running command (the emulator thread may lag a little)
        assert eventually(lambda: emulator.host_acks >= 1)
        assert emulator.host_bytes.endswith(f.ACK)


def test_error_frame_is_typed(emulator: Pn532Emulator) -> None:
    with connect(emulator) as conn:
        conn.wait_for_card(1.0)
        emulator.syntax_error_next = True
        with pytest.raises(f.Pn532SyntaxError):
            conn.transmit(SELECT_EMRTD)


def test_card_removed_mid_exchange(emulator: Pn532Emulator, card: FakeCard) -> None:
    card.leave_after = 1
    with connect(emulator) as conn:
        conn.wait_for_card(1.0)
        assert conn.transmit(SELECT_EMRTD) == h("90 00")
        with pytest.raises(CardRemovedError):
            conn.transmit(h("00 84 00 00 08"))
        with pytest.raises(NoCardError):       # the target is gone until the next wait_for_card
            conn.transmit(h("00 84 00 00 08"))
    # the timeout status was checked with Diagnose (card presence) before calling it a removal
    assert any(c[:2] == h("00 06") for c in emulator.commands)


def test_target_released_status_means_removed(emulator: Pn532Emulator) -> None:
    emulator.removed_status = 0x29
    with connect(emulator) as conn:
        conn.wait_for_card(1.0)
        emulator.remove_card()
        with pytest.raises(CardRemovedError):
            conn.transmit(SELECT_EMRTD)


def test_close_turns_the_field_off_and_is_idempotent(emulator: Pn532Emulator) -> None:
    conn = connect(emulator)
    conn.wait_for_card(1.0)
    assert emulator.field_on
    conn.close()
    conn.close()
    assert not emulator.field_on
    assert h("00 00 FF 03 FD D4 52 01 D9 00") in emulator.host_bytes        # InRelease 1
    assert h("00 00 FF 04 FC D4 32 01 00 F9 00") in emulator.host_bytes     # RF field off
    with pytest.raises(TransportError):
        conn.transmit(SELECT_EMRTD)


def test_reset_reactivates_the_card(emulator: Pn532Emulator) -> None:
    with connect(emulator) as conn:
        conn.wait_for_card(1.0)
        conn.reset()
        assert conn.atr == ATR
        assert conn.transmit(SELECT_EMRTD) == h("90 00")


def test_missing_port_is_no_reader(tmp_path: Path) -> None:
    with pytest.raises(NoReaderError) as info:
        Pn532Connection(str(tmp_path / "ttyUSB9"))
    assert "ttyUSB9" in info.value.hint


def test_apdu_channel_runs_over_pn532(emulator: Pn532Emulator, card: FakeCard) -> None:
    with connect(emulator) as conn:
        conn.wait_for_card(1.0)
        channel = ApduChannel(conn)
        response = channel.send(CommandApdu(0x00, 0xA4, 0x04, 0x0C, h("A0 00 00 02 47 10 01")))
        assert response.sw == 0x9000
        assert channel.stats.apdus == 1
    assert card.seen == [SELECT_EMRTD]
