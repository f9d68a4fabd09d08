"""The APDU channel: 61xx chaining, 6Cxx retry, status words → typed errors, stats, SM loss."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nfc.errors import (
    FileNotFoundOnCardError,
    SecureMessagingError,
    SecurityStatusNotSatisfiedError,
    StatusWordError,
    WrongLengthError,
)
from nfc.iso7816.apdu import CommandApdu, ResponseApdu
from nfc.iso7816.channel import ApduChannel
from nfc.iso7816.status import error_for
from nfc.transport.base import CardConnection


class Scripted(CardConnection):
    def __init__(self, answer: Callable[[bytes], bytes]) -> None:
        self.answer = answer
        self.sent: list[bytes] = []

    def transmit(self, apdu: bytes) -> bytes:
        self.sent.append(apdu)
        return self.answer(apdu)

    @property
    def atr(self) -> bytes:
        return b"\x3b\x00"

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_61xx_chains_get_response() -> None:
    chunks = [bytes(range(10)) + b"\x61\x05", bytes(range(10, 15)) + b"\x61\x03", b"\xaa\xbb\xcc\x90\x00"]
    link = Scripted(lambda apdu: chunks.pop(0))
    response = ApduChannel(link).transmit(CommandApdu(0x00, 0xB0, 0, 0, le=256))
    assert response.ok and response.data == bytes(range(15)) + b"\xaa\xbb\xcc"
    assert link.sent[1] == bytes.fromhex("00C0000005") and link.sent[2] == bytes.fromhex("00C0000003")


def test_6cxx_resends_with_the_exact_le() -> None:
    def card(apdu: bytes) -> bytes:
        return b"\x6c\xdf" if apdu[-1] != 0xDF else bytes(0xDF) + b"\x90\x00"

    link = Scripted(card)
    channel = ApduChannel(link)
    response = channel.transmit(CommandApdu(0x00, 0xB0, 0, 0, le=256))
    assert response.ok and len(response.data) == 0xDF
    assert [a[-1] for a in link.sent] == [0x00, 0xDF]
    assert channel.stats.apdus == 2 and channel.stats.bytes_received == 2 + 0xDF + 2


@pytest.mark.parametrize(("sw", "error"), [(0x6A82, FileNotFoundOnCardError), (0x6982, SecurityStatusNotSatisfiedError),
                                           (0x6700, WrongLengthError), (0x6F00, StatusWordError)])
def test_send_raises_the_typed_error(sw: int, error: type[Exception]) -> None:
    link = Scripted(lambda apdu: sw.to_bytes(2, "big"))
    with pytest.raises(error) as raised:
        ApduChannel(link).send(CommandApdu(0x00, 0xA4, 2, 0x0C, b"\x01\x01"))
    assert f"{sw:04X}" in str(raised.value)
    assert isinstance(error_for(sw), error)


class BrokenSm:
    cipher_name = "AES-128"
    max_short_read = 223

    def protect(self, command: CommandApdu) -> CommandApdu:
        return command

    def unprotect(self, response: ResponseApdu) -> ResponseApdu:
        raise SecureMessagingError("plain answer while SM is active", sw=response.sw)


def test_sm_failure_drops_the_session_and_never_retries() -> None:
    link = Scripted(lambda apdu: b"\x69\x88")
    channel = ApduChannel(link, sm=BrokenSm())
    with pytest.raises(SecureMessagingError) as raised:
        channel.transmit(CommandApdu(0x00, 0xB0, 0, 0, le=223))
    assert raised.value.sw == 0x6988
    assert channel.sm is None and len(link.sent) == 1
    assert channel.trace[0].command == "READ BINARY" and channel.trace[0].protected


def test_trace_never_holds_payloads() -> None:
    link = Scripted(lambda apdu: b"NGUYEN\x90\x00")
    channel = ApduChannel(link)
    channel.transmit(CommandApdu(0x00, 0xB0, 0, 0, le=6))
    assert "NGUYEN" not in repr(channel.trace)
