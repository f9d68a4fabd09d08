"""Shared plumbing of the local HTTP servers (BHYT emulator, local FHIR server): keep-alive connections the
owner can cut (a "down" service must not keep answering on pooled connections), TCP_NODELAY, no access log
(URLs carry identifiers and secrets)."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol


class ConnectionOwner(Protocol):
    _lock: threading.Lock
    _connections: set[socket.socket]


def tracked_handler(owner: ConnectionOwner) -> type[BaseHTTPRequestHandler]:
    class TrackedHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out as two writes; without NODELAY, Nagle + delayed ACK adds ~40 ms.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with owner._lock:
                owner._connections.add(self.connection)

        def finish(self) -> None:
            with owner._lock:
                owner._connections.discard(self.connection)
            with contextlib.suppress(OSError):
                super().finish()

        def log_message(self, format: str, *args: Any) -> None:  # silent: URLs hold identifiers and secrets
            return

    return TrackedHandler
