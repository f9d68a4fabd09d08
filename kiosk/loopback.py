"""Shared plumbing of the local HTTP servers (BHYT emulator, local FHIR server): keep-alive connections the
owner can cut (a "down" service must not keep answering on pooled connections), TCP_NODELAY, no access log
(URLs carry identifiers and secrets)."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, Self


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


class LoopbackServer:
    """Start/stop of a ``ThreadingHTTPServer`` on loopback with cuttable keep-alive connections.

    Subclasses set ``_thread_name``, call :meth:`_init_loopback` in ``__init__`` and implement
    :meth:`_make_handler`. ``stop()`` then ``start()`` keeps the port (a service going down and up)."""

    _thread_name = "loopback-server"

    def _init_loopback(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # wakes handlers sleeping in a "slow" scenario
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()  # open keep-alive connections, cut on stop

    def _make_handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def start(self) -> Self:
        if self._server is None:
            self._stopping.clear()
            server = ThreadingHTTPServer((self._host, self._port), self._make_handler())
            server.daemon_threads = True
            server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
            self._port = server.server_address[1]
            self._server = server
            self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name=self._thread_name, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        with self._lock:
            connections, self._connections = set(self._connections), set()
        for sock in connections:  # "down" must also break pooled keep-alive connections
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if thread is not None:
            thread.join(timeout=5)
