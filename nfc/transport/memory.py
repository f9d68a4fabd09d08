"""In-process connection to anything that answers APDUs (the virtual card), for unit tests and the
demo when pcscd is absent."""

from __future__ import annotations

from typing import Protocol

from nfc.errors import CardRemovedError, TransportError
from nfc.transport.base import CardConnection


class ApduResponder(Protocol):
    """The card side: what the virtual card exposes to any link."""

    @property
    def atr(self) -> bytes: ...

    def power_on(self) -> None: ...

    def power_off(self) -> None: ...

    def process_apdu(self, apdu: bytes) -> bytes:
        """Return the R-APDU; an empty answer means the card left the field."""
        ...


class MemoryConnection(CardConnection):
    def __init__(self, card: ApduResponder, *, reader_name: str = "In-process virtual reader",
                 extended_length: bool = True) -> None:
        self._card = card
        self._open = True
        self.reader_name = reader_name
        self.supports_extended_length = extended_length
        card.power_on()

    def transmit(self, apdu: bytes) -> bytes:
        if not self._open:
            raise TransportError("connection is closed")
        answer = self._card.process_apdu(bytes(apdu))
        if not answer:
            raise CardRemovedError("card left the field")
        return answer

    @property
    def atr(self) -> bytes:
        return self._card.atr

    def reset(self) -> None:
        self._card.power_off()
        self._card.power_on()

    def close(self) -> None:
        if self._open:
            self._open = False
            self._card.power_off()
