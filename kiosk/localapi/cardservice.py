"""Wait for a card, read it and verify it — on one worker thread, one read at a time.

The key is the one staff entered in the staff window (:meth:`CardService.set_staff_key`) or one sent
with the request. Results are the ``cccd-kiosk read --json`` document (``kiosk.cardjson``) with the
verification report attached. Errors become typed :class:`LocalApiError` s whose text has no personal
data (``nfc`` errors never carry any).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.cardjson import card_read_to_json
from kiosk.localapi.errors import CardWaitTimeout, LocalApiError, NoKey, ReaderBusy
from kiosk.localapi.events import EventHub
from nfc import errors as nfc_errors
from nfc.access.keys import AccessKey
from nfc.transport.base import CardConnection, CardEvent, CardEventKind
from nfc.verify.chain import IssuerSource

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0
MAX_TIMEOUT_S = 120.0
#: how long a read may take once the card is there (PACE + all files + CA/AA is ~2–6 s on real chips)
READ_BUDGET_S = 60.0


@dataclass(frozen=True)
class ReaderStatus:
    """No personal data: whether a reader and a card are there, and the reader names."""

    service: str  # "ok" | "no-service"
    readers: tuple[str, ...]
    card_present: bool
    reading: bool

    @property
    def reader_present(self) -> bool:
        return bool(self.readers)

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, "reader_present": self.reader_present, "readers": list(self.readers),
                "card_present": self.card_present, "reading": self.reading}


class CardSource(Protocol):
    """Where cards come from: PC/SC (:class:`PcscCardSource`) or a connection factory (virtual card)."""

    def wait_for_card(self, timeout: float) -> CardConnection:
        """A connection to the next card; ``NoCardError`` after ``timeout`` seconds."""
        ...

    def status(self) -> tuple[str, tuple[str, ...], bool]:
        """(service, readers, card present)."""
        ...

    def watch(self, callback: Callable[[CardEvent], None]) -> Callable[[], None]:
        """Start reporting card events; returns the function that stops it."""
        ...


class PcscCardSource:
    def __init__(self, reader: str | None = None, *, extended_length: bool = False) -> None:
        self.reader = reader
        self.extended_length = extended_length

    def wait_for_card(self, timeout: float) -> CardConnection:
        from nfc.transport.pcsc import PcscConnection, wait_for_card

        name = wait_for_card(self.reader, timeout=timeout)
        return PcscConnection(name, extended_length=self.extended_length)

    def status(self) -> tuple[str, tuple[str, ...], bool]:
        from nfc.transport.pcsc import card_present, list_readers

        try:
            readers = tuple(list_readers())
            if self.reader is not None:
                readers = tuple(r for r in readers if r == self.reader)
            present = any(card_present(r) for r in readers)
        except nfc_errors.ReaderServiceError:
            return "no-service", (), False
        except nfc_errors.TransportError:
            return "ok", (), False
        return "ok", readers, present

    def watch(self, callback: Callable[[CardEvent], None]) -> Callable[[], None]:
        from nfc.transport.pcsc import CardWatcher

        reader = self.reader

        def relay(event: CardEvent) -> None:
            if reader is None or event.reader in (reader, ""):
                callback(event)

        watcher = CardWatcher(relay).start()
        return watcher.stop


class ConnectionFactorySource:
    """Cards from a factory (the in-process virtual card, ``DemoEnvironment._open_connection``).

    :meth:`insert` / :meth:`remove` stand for putting the card on and taking it off the reader."""

    def __init__(self, open_connection: Callable[[], CardConnection], *, reader: str = "In-process virtual reader",
                 present: bool = True) -> None:
        self._open = open_connection
        self.reader = reader
        self._present = present
        self._changed = threading.Condition()
        self._callbacks: list[Callable[[CardEvent], None]] = []

    def insert(self) -> None:
        self._set(True)

    def remove(self) -> None:
        self._set(False)

    def _set(self, present: bool) -> None:
        with self._changed:
            changed = present != self._present
            self._present = present
            self._changed.notify_all()
            callbacks = list(self._callbacks)
        if changed:
            kind = CardEventKind.INSERTED if present else CardEventKind.REMOVED
            for callback in callbacks:
                callback(CardEvent(kind, self.reader))

    def wait_for_card(self, timeout: float) -> CardConnection:
        with self._changed:
            if not self._changed.wait_for(lambda: self._present, timeout):
                raise nfc_errors.NoCardError(f"no card within {timeout:.0f} s")
        return self._open()

    def status(self) -> tuple[str, tuple[str, ...], bool]:
        with self._changed:
            return "ok", (self.reader,), self._present

    def watch(self, callback: Callable[[CardEvent], None]) -> Callable[[], None]:
        with self._changed:
            self._callbacks.append(callback)

        def stop() -> None:
            with self._changed:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return stop


_EVENT_NAMES = {
    CardEventKind.INSERTED: "card-inserted",
    CardEventKind.REMOVED: "card-removed",
    CardEventKind.READER_ADDED: "reader-added",
    CardEventKind.READER_REMOVED: "reader-removed",
    CardEventKind.SERVICE_LOST: "reader-service-lost",
}


def api_error_from(exc: nfc_errors.NfcError) -> LocalApiError:
    """Map a chip-layer error to its HTTP status, keeping its reason and hint."""
    status = 502
    if isinstance(exc, nfc_errors.NoCardError):
        return CardWaitTimeout(detail=str(exc))
    if isinstance(exc, nfc_errors.NoReaderError | nfc_errors.ReaderServiceError):
        status = 503
    elif isinstance(exc, nfc_errors.TransportTimeoutError):
        status = 504
    elif isinstance(exc, nfc_errors.CardRemovedError):
        status = 409
    elif isinstance(exc, nfc_errors.InvalidKeyInputError):
        status = 400
    elif isinstance(exc, nfc_errors.WrongKeyError | nfc_errors.AuthenticationFailedError
                    | nfc_errors.AccessControlError | nfc_errors.UnsupportedCardError):
        status = 422
    return LocalApiError(exc.reason, exc.hint, detail=str(exc), status=status)


class CardService:
    """One read at a time, on a dedicated worker thread (the card is only ever touched there)."""

    def __init__(
        self,
        source: CardSource,
        events: EventHub | None = None,
        *,
        trust: IssuerSource | None = None,
        plan: Any = None,
        read_budget_s: float = READ_BUDGET_S,
        max_timeout_s: float = MAX_TIMEOUT_S,
    ) -> None:
        self.source = source
        self.events = events or EventHub()
        self.trust = trust
        self.plan = plan  # nfc.reader.ReadPlan; None = the reader's default (every file, face included)
        self.read_budget_s = read_budget_s
        self.max_timeout_s = max_timeout_s
        self._staff_key: AccessKey | None = None
        self._key_lock = threading.Lock()
        self._busy = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="localapi-card")
        self._stop_watch: Callable[[], None] | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> CardService:
        if self._stop_watch is None:
            self._stop_watch = self.source.watch(self._on_card_event)
        return self

    def close(self) -> None:
        if self._stop_watch is not None:
            self._stop_watch()
            self._stop_watch = None
        self._worker.shutdown(wait=False, cancel_futures=True)

    def _on_card_event(self, event: CardEvent) -> None:
        name = _EVENT_NAMES.get(event.kind)
        if name is not None:
            self.events.publish(name, reader=event.reader)

    # -- key -------------------------------------------------------------------------------------
    def set_staff_key(self, key: AccessKey | None) -> None:
        """The key staff typed or scanned in the staff window (None clears it)."""
        with self._key_lock:
            self._staff_key = key

    def has_staff_key(self) -> bool:
        with self._key_lock:
            return self._staff_key is not None

    # -- API -------------------------------------------------------------------------------------
    def status(self) -> ReaderStatus:
        service, readers, present = self.source.status()
        return ReaderStatus(service, readers, present, self._busy.locked())

    def read(self, timeout: float = DEFAULT_TIMEOUT_S, key: AccessKey | None = None) -> dict[str, Any]:
        """Wait up to ``timeout`` s for a card, read and verify it; the card JSON document."""
        if not 0 < timeout <= self.max_timeout_s:
            raise LocalApiError("bad-timeout", "Use a timeout between 0 and 120 seconds.", status=400,
                                detail=f"timeout must be in (0, {self.max_timeout_s:.0f}] seconds")
        with self._key_lock:
            key = key or self._staff_key
        if key is None:
            raise NoKey(detail="no card access key: none entered by staff and none in the request")
        if not self._busy.acquire(blocking=False):
            raise ReaderBusy(detail="a card read is already running")
        try:
            future: Future[dict[str, Any]] = self._worker.submit(self._read, timeout, key)
        except RuntimeError:
            self._busy.release()
            raise LocalApiError("shutting-down", status=503, detail="the local API is stopping") from None
        # the lock is released when the worker finishes, even if this request gave up waiting
        future.add_done_callback(lambda _f: self._busy.release())
        try:
            return future.result(timeout=timeout + self.read_budget_s)
        except FutureTimeout:
            raise LocalApiError("read-timeout", "The card read took too long. Take the card off and try again.",
                                status=504, detail="the card read did not finish in time") from None

    def _read(self, timeout: float, key: AccessKey) -> dict[str, Any]:
        from nfc.reader import read_card
        from nfc.verify.card import verify_card_read

        started = time.perf_counter()
        self.events.publish("read-started")
        outcome, complete, verdict = "error", False, None
        try:
            try:
                connection = self.source.wait_for_card(timeout)
                with connection:
                    result = read_card(connection, key, self.plan)
                try:
                    report = verify_card_read(result, self.trust, key=key)
                    result = dataclasses.replace(result, verification=report)
                    verdict = report.verdict.value
                except nfc_errors.NfcError as exc:  # the read stays useful; say why it is unverified
                    log.warning("local API: verification failed to run", extra={"reason": exc.reason})
            except nfc_errors.NfcError as exc:
                outcome = exc.reason
                raise api_error_from(exc) from None
            outcome, complete = "ok", result.complete
            return card_read_to_json(result)
        finally:
            self.events.publish("read-finished", outcome=outcome, complete=complete, verdict=verdict,
                                ms=round((time.perf_counter() - started) * 1000, 1))
