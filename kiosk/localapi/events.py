"""Card and read events for ``GET /v1/events`` (server-sent events).

Events carry no personal data: kinds, reader names, outcome codes and timings only. Each listener has a
bounded queue; a listener that stops reading loses its oldest events rather than growing memory.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kiosk.localapi.errors import TooManyListeners

#: the event names the API emits (documented in openapi.json and docs/local-api.md)
EVENT_KINDS = ("card-inserted", "card-removed", "reader-added", "reader-removed", "reader-service-lost",
               "read-started", "read-finished")
MAX_LISTENERS = 8
QUEUE_SIZE = 64
KEEPALIVE_S = 15.0


@dataclass(frozen=True)
class ApiEvent:
    id: int
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    at: float = 0.0

    def to_sse(self) -> bytes:
        body = json.dumps({"kind": self.kind, "at": round(self.at, 3)} | self.data, ensure_ascii=False)
        return f"id: {self.id}\nevent: {self.kind}\ndata: {body}\n\n".encode()


_CLOSED = object()


class Listener:
    """One ``/v1/events`` stream. Iterate :meth:`events`; ``None`` items mean "send a keep-alive"."""

    def __init__(self, hub: EventHub) -> None:
        self._hub = hub
        self._queue: queue.Queue[object] = queue.Queue(QUEUE_SIZE)

    def _offer(self, item: object) -> None:
        while True:
            try:
                self._queue.put_nowait(item)
                return
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()  # drop the oldest: a stalled page must not grow memory

    def events(self, keepalive_s: float = KEEPALIVE_S) -> Iterator[ApiEvent | None]:
        while True:
            try:
                item = self._queue.get(timeout=keepalive_s)
            except queue.Empty:
                yield None
                continue
            if item is _CLOSED:
                return
            assert isinstance(item, ApiEvent)
            yield item

    def close(self) -> None:
        self._hub._remove(self)
        self._offer(_CLOSED)


class EventHub:
    def __init__(self, max_listeners: int = MAX_LISTENERS) -> None:
        self.max_listeners = max_listeners
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._closed = False

    def publish(self, kind: str, **data: Any) -> ApiEvent:
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        with self._lock:
            event = ApiEvent(next(self._ids), kind, dict(data), time.time())
            listeners = list(self._listeners)
        for listener in listeners:
            listener._offer(event)
        return event

    def listen(self) -> Listener:
        with self._lock:
            if self._closed or len(self._listeners) >= self.max_listeners:
                raise TooManyListeners(detail=f"at most {self.max_listeners} event streams")
            listener = Listener(self)
            self._listeners.append(listener)
            return listener

    def listener_count(self) -> int:
        with self._lock:
            return len(self._listeners)

    def _remove(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def close(self) -> None:
        """End every stream (server shutdown)."""
        with self._lock:
            self._closed = True
            listeners = list(self._listeners)
        for listener in listeners:
            listener.close()
