"""Bridge a virtual card into pcscd through the vpcd driver (vsmartcard), so pyscard sees a real reader.

Wire format (vpcd.h): every message is a big-endian uint16 length + payload. Length 1 from vpcd is a
control byte (00 power off, 01 power on, 02 reset, 04 ATR request); anything else is a C-APDU and gets
exactly one framed R-APDU back. Connecting inserts the card; closing the socket removes it.

TCP_NODELAY plus TCP_QUICKACK before *every* recv avoids the ~44 ms Nagle/delayed-ACK stall per APDU
with Debian's vpcd, which sends length and payload in two writes (pcsc-stack notes §7).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time

from nfc.transport.memory import ApduResponder

log = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963  # slot 0 of the default vpcd configuration; slot N listens on 35963 + N

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0x00, 0x01, 0x02, 0x04


class VpcdBridge:
    """Runs one card in one vpcd slot on a background thread.

    ``insert()`` connects (card appears in the reader), ``remove()`` disconnects. The card object's
    ``process_apdu`` returning ``b""`` also removes the card (fault injection uses this).
    """

    def __init__(self, card: ApduResponder, host: str = VPCD_HOST, port: int = VPCD_PORT) -> None:
        self.card = card
        self.host = host
        self.port = port
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.apdus = 0
        self.removed = threading.Event()

    # -- lifecycle --------------------------------------------------------------------------------
    def insert(self, timeout: float = 5.0) -> None:
        """Connect to vpcd (retrying until it listens or ``timeout``), then serve on a thread."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    raise ConnectionError(f"vpcd is not listening on {self.host}:{self.port}") from None
                time.sleep(0.05)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._sock = sock
        self.removed.clear()
        self._thread = threading.Thread(target=self._serve, args=(sock,), name="vpcd-bridge", daemon=True)
        self._thread.start()

    def remove(self) -> None:
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)
        self.removed.set()

    @property
    def inserted(self) -> bool:
        return self._sock is not None

    # -- protocol ---------------------------------------------------------------------------------
    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                length_bytes = _recv_exact(sock, 2)
                if length_bytes is None:
                    break
                (length,) = struct.unpack("!H", length_bytes)
                payload = _recv_exact(sock, length)
                if payload is None:
                    break
                if length == 1:
                    self._control(sock, payload[0])
                    continue
                self.apdus += 1
                answer = self.card.process_apdu(payload)
                if not answer:  # the card left the field
                    break
                sock.sendall(struct.pack("!H", len(answer)) + answer)
        except OSError as exc:
            log.debug("vpcd link closed: %s", exc.__class__.__name__)
        finally:
            with self._lock:
                if self._sock is sock:
                    self._sock = None
            with contextlib.suppress(OSError):
                sock.close()
            self.card.power_off()
            self.removed.set()

    def _control(self, sock: socket.socket, code: int) -> None:
        if code == CTRL_OFF:
            self.card.power_off()
        elif code in (CTRL_ON, CTRL_RESET):
            self.card.power_off()
            self.card.power_on()
        elif code == CTRL_ATR:
            atr = self.card.atr
            sock.sendall(struct.pack("!H", len(atr)) + atr)


def _recv_exact(sock: socket.socket, count: int) -> bytes | None:
    data = bytearray()
    while len(data) < count:
        # Linux clears QUICKACK after each ACK; set it before every recv.
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = sock.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)
