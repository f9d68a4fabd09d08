"""An ESC/POS printer on a TCP socket (like a network printer's port 9100), for tests and bench setups.

It answers the real-time status query ``DLE EOT n`` (n = 1 printer status, 4 paper roll sensor) with the
bits an Epson-compatible printer sends, and swallows everything else as print data. Paper bits (n = 4):
fixed 0x12, roll near end 0x0C, roll end 0x60 (python-escpos ``paper_status()`` → 2 / 1 / 0).
"""

from __future__ import annotations

import socket
import threading
from typing import Literal

Paper = Literal["ok", "near-end", "empty"]
DLE, EOT = 0x10, 0x04
_PAPER_BITS = {"ok": 0x12, "near-end": 0x12 | 0x0C, "empty": 0x12 | 0x0C | 0x60}


class EscposPrinterEmulator:
    """``with EscposPrinterEmulator(paper="empty") as printer:`` → ``printer.port`` on 127.0.0.1."""

    def __init__(self, *, paper: Paper = "ok", online: bool = True, host: str = "127.0.0.1", port: int = 0) -> None:
        self.paper: Paper = paper
        self.online = online
        self.received = bytearray()
        self.status_queries = 0
        self._server = socket.create_server((host, port))
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="escpos-emulator", daemon=True)

    @property
    def host(self) -> str:
        return str(self._server.getsockname()[0])

    @property
    def port(self) -> int:
        return int(self._server.getsockname()[1])

    def start(self) -> EscposPrinterEmulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2.0)
        self._server.close()

    def __enter__(self) -> EscposPrinterEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def status_byte(self, n: int) -> int:
        if n == 1:
            return 0x12 | (0 if self.online else 0x08)  # bit 3: off-line
        if n == 4:
            return _PAPER_BITS[self.paper]
        return 0x12

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    def _client(self, conn: socket.socket) -> None:
        pending = bytearray()
        conn.settimeout(0.2)
        with conn:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                pending += chunk
                while True:
                    at = pending.find(bytes([DLE, EOT]))
                    if at < 0 or at + 2 >= len(pending):
                        # keep a trailing DLE (EOT n may arrive in the next segment)
                        keep = 2 if pending.endswith(bytes([DLE, EOT])) else 1 if pending.endswith(bytes([DLE])) else 0
                        self.received += pending[: len(pending) - keep]
                        del pending[: len(pending) - keep]
                        break
                    self.received += pending[:at]
                    n = pending[at + 2]
                    del pending[: at + 3]
                    self.status_queries += 1
                    try:
                        conn.sendall(bytes([self.status_byte(n)]))
                    except OSError:
                        return
