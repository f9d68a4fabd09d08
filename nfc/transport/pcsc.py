"""PC/SC transport through pyscard's low-level ``smartcard.scard`` API.

The low-level API gives the exact PC/SC result codes, so card removal, a missing service and a missing
reader become distinct typed errors. Every transmit is bounded by the PC/SC stack's own timeouts; a
watchdog thread is not needed because pcscd answers SCARD_E_NOT_TRANSACTED/REMOVED_CARD on removal.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from smartcard import scard

from nfc.errors import (
    CardRemovedError,
    NoCardError,
    NoReaderError,
    ReaderServiceError,
    TransportError,
    TransportTimeoutError,
)
from nfc.transport.base import CardConnection, CardEvent, CardEventKind

_REMOVAL = {scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_RESET_CARD,
            scard.SCARD_E_NOT_TRANSACTED, scard.SCARD_W_UNPOWERED_CARD, scard.SCARD_W_UNRESPONSIVE_CARD}
_NO_SERVICE = {scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED, scard.SCARD_E_INVALID_HANDLE}
_NO_READER = {scard.SCARD_E_NO_READERS_AVAILABLE, scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE}


def _error(hresult: int, doing: str) -> TransportError:
    code = hresult & 0xFFFFFFFF
    text = f"{doing} failed: PC/SC 0x{code:08X} ({scard.SCardGetErrorMessage(hresult)})"
    if code in _NO_SERVICE:
        return ReaderServiceError(text)
    if code in _NO_READER:
        return NoReaderError(text)
    if code == scard.SCARD_E_TIMEOUT:
        return TransportTimeoutError(text)
    if code in _REMOVAL:
        return CardRemovedError(text) if doing.startswith("transmit") else NoCardError(text)
    return TransportError(text)


class PcscContext:
    """One PC/SC context. Cheap; create one per thread that waits or connects."""

    def __init__(self) -> None:
        hresult, self._handle = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise _error(hresult, "connecting to the PC/SC service")

    def readers(self) -> list[str]:
        hresult, names = scard.SCardListReaders(self._handle, [])
        if hresult in (scard.SCARD_E_NO_READERS_AVAILABLE, scard.SCARD_S_SUCCESS) and not names:
            return []
        if hresult != scard.SCARD_S_SUCCESS:
            raise _error(hresult, "listing readers")
        return list(names)

    def states(self, readers: list[str], timeout_ms: int, known: dict[str, int] | None = None
               ) -> list[tuple[str, int, bytes]]:
        """Wait up to ``timeout_ms`` for a change from ``known`` (reader → last event state)."""
        query = [(r, (known or {}).get(r, scard.SCARD_STATE_UNAWARE)) for r in readers]
        hresult, result = scard.SCardGetStatusChange(self._handle, timeout_ms, query)
        if hresult == scard.SCARD_E_TIMEOUT:
            return [(r, s, b"") for r, s in query]
        if hresult != scard.SCARD_S_SUCCESS:
            raise _error(hresult, "waiting for a card")
        return [(name, state & ~scard.SCARD_STATE_CHANGED, bytes(atr)) for name, state, atr in result]

    def cancel(self) -> None:
        scard.SCardCancel(self._handle)

    def close(self) -> None:
        if self._handle is not None:
            scard.SCardReleaseContext(self._handle)
            self._handle = None

    @property
    def handle(self) -> int:
        return self._handle  # type: ignore[no-any-return]


def list_readers() -> list[str]:
    context = PcscContext()
    try:
        return context.readers()
    finally:
        context.close()


def card_present(reader: str) -> bool:
    context = PcscContext()
    try:
        (_, state, _), = context.states([reader], 0)
        return bool(state & scard.SCARD_STATE_PRESENT)
    finally:
        context.close()


def wait_for_card(reader: str | None = None, timeout: float = 10.0, poll_ms: int = 200) -> str:
    """Block until a card is present (in ``reader`` or any reader); return the reader name.

    Raises ``NoReaderError`` if no reader exists and ``NoCardError`` after ``timeout`` seconds.
    """
    context = PcscContext()
    deadline = time.monotonic() + timeout
    try:
        while True:
            names = [reader] if reader else context.readers()
            if not names:
                if time.monotonic() >= deadline:
                    raise NoReaderError("no PC/SC reader found")
                time.sleep(poll_ms / 1000)
                continue
            for name, state, _ in context.states(names, 0):
                if state & scard.SCARD_STATE_PRESENT and not state & scard.SCARD_STATE_MUTE:
                    return name
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NoCardError(f"no card within {timeout:.0f} s")
            context.states(names, int(min(remaining, poll_ms / 1000) * 1000))
    finally:
        context.close()


def wait_for_removal(reader: str, timeout: float = 30.0, poll_ms: int = 200) -> bool:
    """Block until the card is gone from ``reader``; False on timeout."""
    context = PcscContext()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            (_, state, _), = context.states([reader], poll_ms)
            if not state & scard.SCARD_STATE_PRESENT:
                return True
        return False
    finally:
        context.close()


class PcscConnection(CardConnection):
    """Exclusive connection to the card in one reader."""

    def __init__(self, reader: str, *, extended_length: bool = False, exclusive: bool = True) -> None:
        self.reader_name = reader
        self.supports_extended_length = extended_length
        self._card_gone = False
        self._context = PcscContext()
        share = scard.SCARD_SHARE_EXCLUSIVE if exclusive else scard.SCARD_SHARE_SHARED
        hresult, self._card, self._protocol = scard.SCardConnect(
            self._context.handle, reader, share, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        )
        if hresult != scard.SCARD_S_SUCCESS:
            self._context.close()
            raise _error(hresult, f"connecting to the card in {reader!r}")
        self._atr = self._read_atr()

    def _read_atr(self) -> bytes:
        hresult, _reader, _state, _protocol, atr = scard.SCardStatus(self._card)
        if hresult != scard.SCARD_S_SUCCESS:
            raise _error(hresult, "reading the ATR")
        return bytes(atr)

    def transmit(self, apdu: bytes) -> bytes:
        if self._card is None:
            raise TransportError("connection is closed")
        pci = scard.SCARD_PCI_T0 if self._protocol == scard.SCARD_PROTOCOL_T0 else scard.SCARD_PCI_T1
        hresult, response = scard.SCardTransmit(self._card, pci, list(apdu))
        if hresult != scard.SCARD_S_SUCCESS:
            error = _error(hresult, "transmit")
            self._card_gone = isinstance(error, CardRemovedError)
            raise error
        if len(response) < 2:  # vpcd and some readers report a vanished card as an empty "success"
            self._card_gone = True
            raise CardRemovedError("the card answered nothing (it left the field)")
        return bytes(response)

    @property
    def atr(self) -> bytes:
        return self._atr

    def reset(self) -> None:
        hresult, self._protocol = scard.SCardReconnect(
            self._card, scard.SCARD_SHARE_EXCLUSIVE, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
            scard.SCARD_UNPOWER_CARD,
        )
        if hresult != scard.SCARD_S_SUCCESS:
            raise _error(hresult, "resetting the card")
        self._atr = self._read_atr()

    def close(self) -> None:
        if self._card is not None:
            # Powering down a card that already left confuses some readers (pyscard#220, CCID#155; vpcd
            # then never reports the next card): leave it alone in that case.
            disposition = scard.SCARD_LEAVE_CARD if self._card_gone else scard.SCARD_UNPOWER_CARD
            scard.SCardDisconnect(self._card, disposition)
            self._card = None
        self._context.close()


class CardWatcher:
    """Callback form for the UI: a daemon thread that reports card and reader events.

    Survives pcscd restarts: on service loss it reports ``SERVICE_LOST`` once, then keeps trying to
    re-establish a context every ``retry_s`` seconds (the supervisor job pyscard's CardMonitor lacks).
    """

    def __init__(self, callback: Callable[[CardEvent], None], *, poll_ms: int = 250, retry_s: float = 1.0) -> None:
        self._callback = callback
        self._poll_ms = poll_ms
        self._retry_s = retry_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="card-watcher", daemon=True)

    def start(self) -> CardWatcher:
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        present: dict[str, bool] = {}
        service_ok = True
        while not self._stop.is_set():
            try:
                context = PcscContext()
            except TransportError:
                if service_ok:
                    service_ok = False
                    self._callback(CardEvent(CardEventKind.SERVICE_LOST, ""))
                self._stop.wait(self._retry_s)
                continue
            service_ok = True
            try:
                while not self._stop.is_set():
                    names = context.readers()
                    for gone in set(present) - set(names):
                        if present.pop(gone):
                            self._callback(CardEvent(CardEventKind.REMOVED, gone))
                        self._callback(CardEvent(CardEventKind.READER_REMOVED, gone))
                    for new in set(names) - set(present):
                        present[new] = False
                        self._callback(CardEvent(CardEventKind.READER_ADDED, new))
                    if not names:
                        self._stop.wait(self._poll_ms / 1000)
                        continue
                    for name, state, atr in context.states(names, self._poll_ms):
                        now = bool(state & scard.SCARD_STATE_PRESENT) and not state & scard.SCARD_STATE_MUTE
                        if now != present.get(name, False):
                            present[name] = now
                            kind = CardEventKind.INSERTED if now else CardEventKind.REMOVED
                            self._callback(CardEvent(kind, name, atr if now else b""))
            except TransportError:
                for name, was in list(present.items()):
                    if was:
                        self._callback(CardEvent(CardEventKind.REMOVED, name))
                present.clear()
                service_ok = False
                self._callback(CardEvent(CardEventKind.SERVICE_LOST, ""))
                self._stop.wait(self._retry_s)
            finally:
                context.close()
