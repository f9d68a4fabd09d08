"""The connection interface every transport implements (PC/SC, PN532 UART, in-process virtual card).

It moves raw APDU bytes only; chaining, status words and secure messaging live in ``nfc.iso7816`` and
``nfc.sm``. Nothing here imports pyscard, so protocol code and tests run without PC/SC installed.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass


class CardConnection(abc.ABC):
    """A link to one card in one reader."""

    #: Reader name as the platform reports it (used for hardware-profile matching).
    reader_name: str = ""
    #: Whether the reader path accepts extended-length APDUs (from the hardware profile; False is safe).
    supports_extended_length: bool = False

    @abc.abstractmethod
    def transmit(self, apdu: bytes) -> bytes:
        """Send one C-APDU, return the R-APDU (data ‖ SW1 SW2).

        Raises ``CardRemovedError``, ``TransportTimeoutError`` or ``TransportError``.
        """

    @property
    @abc.abstractmethod
    def atr(self) -> bytes:
        """Answer-to-reset (or ATS-derived pseudo-ATR for contactless readers)."""

    @abc.abstractmethod
    def reset(self) -> None:
        """Reset the card. Any secure-messaging keys are gone afterwards: re-authenticate."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the card and the reader. Safe to call twice."""

    def __enter__(self) -> CardConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CardEventKind(enum.Enum):
    INSERTED = "inserted"
    REMOVED = "removed"
    READER_ADDED = "reader-added"
    READER_REMOVED = "reader-removed"
    SERVICE_LOST = "service-lost"


@dataclass(frozen=True)
class CardEvent:
    kind: CardEventKind
    reader: str
    atr: bytes = b""
