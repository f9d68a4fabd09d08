"""Helpers for access-control tests: a scripted card that checks every C-APDU byte for byte, and a tiny
responder that puts the virtual card's BAC/PACE protocol objects behind ``MemoryConnection``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from nfc.iso7816.apdu import CommandApdu, ResponseApdu
from nfc.iso7816.channel import ApduChannel
from nfc.transport.base import CardConnection
from nfc.transport.memory import MemoryConnection


class ScriptedConnection(CardConnection):
    def __init__(self, script: Sequence[tuple[str, str]]) -> None:
        self.script = [
            (bytes.fromhex(c.replace(" ", "")), bytes.fromhex(r.replace(" ", ""))) for c, r in script
        ]

    def transmit(self, apdu: bytes) -> bytes:
        assert self.script, f"unexpected extra command {apdu.hex().upper()}"
        expected, answer = self.script.pop(0)
        assert apdu.hex().upper() == expected.hex().upper()
        return answer

    @property
    def atr(self) -> bytes:
        return b"\x3b\x80\x80\x01\x01"

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


class ProtocolResponder:
    """Plain commands go to the protocol object until it yields a session; then everything is SM and
    answered with an echo of the command data (enough to prove both sides hold the same keys)."""

    atr = b"\x3b\x80\x80\x01\x01"

    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol
        self.sm: Any = None

    def power_on(self) -> None:
        pass

    def power_off(self) -> None:
        pass

    def process_apdu(self, apdu: bytes) -> bytes:
        command = CommandApdu.decode(apdu)
        if self.sm is not None:
            plain = self.sm.unprotect_command(command)
            return bytes(
                self.sm.protect_response(ResponseApdu.status(0x9000, b"echo:" + plain.data)).encode()
            )
        answer: ResponseApdu = self.protocol.handle(command)
        if getattr(self.protocol, "session", None) is not None:
            self.sm = self.protocol.session
        return answer.encode()


@pytest.fixture
def scripted() -> Iterator[Callable[[Sequence[tuple[str, str]]], ApduChannel]]:
    made: list[ScriptedConnection] = []

    def make(script: Sequence[tuple[str, str]]) -> ApduChannel:
        connection = ScriptedConnection(script)
        made.append(connection)
        return ApduChannel(connection)

    yield make
    for connection in made:
        assert not connection.script, "not every scripted command was sent"


@pytest.fixture
def card_channel() -> Callable[[Any], ApduChannel]:
    def make(protocol: Any) -> ApduChannel:
        return ApduChannel(MemoryConnection(ProtocolResponder(protocol)))

    return make


def queue_random(*chunks: bytes) -> Callable[[int], bytes]:
    """random_bytes replacement returning prepared chunks in order (sizes are checked)."""
    pending = list(chunks)

    def take(size: int) -> bytes:
        chunk = pending.pop(0)
        assert len(chunk) == size
        return chunk

    return take


@pytest.fixture
def fixed_random() -> Callable[..., Callable[[int], bytes]]:
    return queue_random
