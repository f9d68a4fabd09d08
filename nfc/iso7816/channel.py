"""The APDU channel: one place where commands meet the connection.

Handles response chaining (61xx → GET RESPONSE), wrong-length retry (6Cxx → resend with Le = xx),
secure messaging (protect/unprotect, dropping the keys on any SM failure), and counts every APDU and
byte so each file read can report what it cost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from nfc.errors import SecureMessagingError
from nfc.iso7816.apdu import CommandApdu, ResponseApdu
from nfc.iso7816.status import SW_OK, error_for
from nfc.sm.base import SecureMessaging
from nfc.transport.base import CardConnection

MAX_CHAINED_RESPONSES = 64  # a card that keeps answering 61xx forever is broken, not generous


@dataclass
class ChannelStats:
    apdus: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    seconds: float = 0.0

    def snapshot(self) -> ChannelStats:
        return ChannelStats(self.apdus, self.bytes_sent, self.bytes_received, self.seconds)

    def since(self, before: ChannelStats) -> ChannelStats:
        return ChannelStats(
            self.apdus - before.apdus,
            self.bytes_sent - before.bytes_sent,
            self.bytes_received - before.bytes_received,
            self.seconds - before.seconds,
        )


@dataclass(frozen=True)
class TraceEntry:
    """One exchange on the wire, without payload (payloads may be personal data)."""

    command: str
    sent: int
    received: int
    sw: int
    ms: float
    protected: bool


@dataclass
class ApduChannel:
    connection: CardConnection
    sm: SecureMessaging | None = None
    stats: ChannelStats = field(default_factory=ChannelStats)
    trace: list[TraceEntry] = field(default_factory=list)

    # -- raw exchange -------------------------------------------------------------------------------
    def _exchange(self, command: CommandApdu, *, protected: bool, label: str) -> ResponseApdu:
        raw = command.encode()
        started = time.perf_counter()
        answer = self.connection.transmit(raw)
        elapsed = time.perf_counter() - started
        self.stats.apdus += 1
        self.stats.bytes_sent += len(raw)
        self.stats.bytes_received += len(answer)
        self.stats.seconds += elapsed
        response = ResponseApdu.decode(answer)
        self.trace.append(TraceEntry(label, len(raw), len(answer), response.sw, elapsed * 1000, protected))
        return response

    def _transmit_once(self, command: CommandApdu) -> ResponseApdu:
        sm = self.sm
        if sm is None:
            return self._exchange(command, protected=False, label=command.name)
        wire = sm.protect(command)
        response = self._exchange(wire, protected=True, label=command.name)
        try:
            return sm.unprotect(response)
        except SecureMessagingError:
            # ICAO 9303-11 §9.8.5: the session is over; never retry with the same keys.
            self.sm = None
            raise

    # -- public -------------------------------------------------------------------------------------
    def transmit(self, command: CommandApdu) -> ResponseApdu:
        """Send a command; follow 61xx chaining and 6Cxx retries. Returns the final response whatever
        its status word (use :meth:`send` to raise on errors)."""
        response = self._transmit_once(command)
        if response.sw1 == 0x6C:
            exact = response.sw2 or 256
            if command.le != exact:
                response = self._transmit_once(_with_le(command, exact))
        if response.sw1 == 0x61 and self.sm is None:
            data = bytearray(response.data)
            for _ in range(MAX_CHAINED_RESPONSES):
                get_response = CommandApdu(command.cla & 0x03, 0xC0, 0, 0, le=response.sw2 or 256)
                response = self._exchange(get_response, protected=False, label="GET RESPONSE")
                data += response.data
                if response.sw1 != 0x61:
                    break
            else:
                raise SecureMessagingError("card kept chaining responses (61xx) past the limit")
            response = ResponseApdu(bytes(data), response.sw1, response.sw2)
        return response

    def send(self, command: CommandApdu, *, accept: frozenset[int] = frozenset({SW_OK})) -> ResponseApdu:
        """Send and raise the typed error for any status word not in ``accept``."""
        response = self.transmit(command)
        if response.sw not in accept:
            raise error_for(response.sw, command.name)
        return response


def _with_le(command: CommandApdu, le: int) -> CommandApdu:
    return CommandApdu(command.cla, command.ins, command.p1, command.p2, command.data, le, command.extended)
