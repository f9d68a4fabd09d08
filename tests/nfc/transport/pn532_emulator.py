"""A PN532 (HSU) emulator on a pseudo-terminal, for frame-exact transport tests.

The emulator owns the master side of ``os.openpty()``; the code under test opens ``emulator.port`` (the
slave path) with pyserial exactly as it would open ``/dev/ttyUSB0``. It answers the commands the
transport uses and forwards InDataExchange APDUs to any ``ApduResponder`` (the in-process virtual card
interface). Every byte the host sends is kept in ``host_bytes`` and every frame the emulator sends in
``sent`` so tests can compare them with the manual's frames byte for byte.

Fault knobs: ``silent`` (answer nothing), ``no_response`` (ACK, then nothing), ``nack_commands``
(answer the next N commands with NACK), ``corrupt_responses`` (send the next N responses with a broken
DCS; a host NACK gets the good frame), ``removed_status`` (status byte for a card that left the field),
``syntax_error_next`` (answer the next command with the error frame).
"""

from __future__ import annotations

import os
import select
import threading
import tty
from typing import Any

from nfc.transport import pn532_frames as f
from nfc.transport.memory import ApduResponder

DEFAULT_UID = bytes.fromhex("08A1B2C3")  # random-UID form (first byte 08), as eMRTDs use


def ats_for(atr: bytes) -> bytes:
    """An ATS whose historical bytes are the ATR's (so the pseudo-ATR round-trips for 3B 8n 80 01 ATRs)."""
    hist = atr[4:-1] if len(atr) > 5 and atr[0] == 0x3B and atr[2:4] == b"\x80\x01" else b""
    # T0 0x78: TA, TB, TC present, FSCI 8 (256 bytes); TA 0x80, TB 0x70 (FWI 7), TC 0x02
    return bytes([5 + len(hist), 0x78, 0x80, 0x70, 0x02]) + hist


class Pn532Emulator:
    def __init__(self, card: ApduResponder | None = None, *, asleep: bool = True) -> None:
        self.card = card
        self.card_present = card is not None
        self.asleep = asleep
        self.firmware = bytes([0x32, 0x01, 0x06, 0x07])
        self.silent = False
        self.no_response = False
        self.nack_commands = 0
        self.corrupt_responses = 0
        self.removed_status = 0x01
        self.syntax_error_next = False
        self.host_bytes = bytearray()
        self.sent: list[bytes] = []
        self.commands: list[bytes] = []      # PD0..PDn of each accepted host command
        self.apdus: list[bytes] = []
        self.field_on = False
        self.host_acks = 0
        self.host_nacks = 0
        self._listed = False
        self._chain = bytearray()
        self._pending_out = b""
        self._last_response = b""
        self._decoder = f.FrameDecoder()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pn532-emulator", daemon=True)

    # --- lifecycle ----------------------------------------------------------------------------------
    def __enter__(self) -> Pn532Emulator:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        os.close(self._master)
        os.close(self._slave)

    def remove_card(self) -> None:
        self.card_present = False

    # --- loop ---------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.02)
            if not ready:
                continue
            try:
                chunk = os.read(self._master, 4096)
            except OSError:
                return
            self.host_bytes += chunk
            if self.asleep:
                if b"\x55\x55" not in chunk:
                    continue  # in HSU power-down the chip ignores everything but the wake-up pulses
                self.asleep = False
                self._decoder.clear()
                chunk = chunk[chunk.index(b"\x55\x55"):]
            self._decoder.feed(chunk)
            while True:
                try:
                    frame = self._decoder.next_frame()
                except f.Pn532FrameError:
                    continue  # a real PN532 drops a broken host frame silently
                if frame is None:
                    break
                self._handle(frame)

    def _send(self, data: bytes) -> None:
        if self._stop.is_set():
            return  # unplugged: the line is gone
        self.sent.append(data)
        os.write(self._master, data)

    def _handle(self, frame: f.Frame) -> None:
        if self.silent:
            return
        if frame.kind is f.FrameKind.ACK:
            self.host_acks += 1  # host abort; nothing is running in this emulator
            return
        if frame.kind is f.FrameKind.NACK:
            self.host_nacks += 1
            if self._last_response:
                self._send_response(self._last_response)
            return
        if frame.kind is not f.FrameKind.INFO or frame.tfi != f.HOST_TO_PN532:
            return
        if self.nack_commands:
            self.nack_commands -= 1
            self._send(f.NACK)
            return
        self._send(f.ACK)
        self.commands.append(frame.data)
        if self.no_response:
            return
        if self.syntax_error_next:
            self.syntax_error_next = False
            self._send(f.ERROR_FRAME)
            return
        answer = self._dispatch(frame.data[0], frame.data[1:])
        self._last_response = answer
        self._send_response(answer)

    def _send_response(self, answer: bytes) -> None:
        if self.corrupt_responses:
            self.corrupt_responses -= 1
            answer = answer[:-2] + bytes([(answer[-2] + 1) & 0xFF, 0x00])
        self._send(answer)

    # --- commands -----------------------------------------------------------------------------------
    def _dispatch(self, code: int, params: bytes) -> bytes:
        handler: Any = {
            f.GET_FIRMWARE_VERSION: lambda p: self.firmware,
            f.SAM_CONFIGURATION: lambda p: b"",
            f.RF_CONFIGURATION: self._rf_configuration,
            f.IN_LIST_PASSIVE_TARGET: self._list_passive_target,
            f.IN_DATA_EXCHANGE: self._data_exchange,
            f.IN_RELEASE: self._release,
            f.DIAGNOSE: self._diagnose,
        }.get(code)
        if handler is None:
            return f.ERROR_FRAME
        result: bytes = handler(params)
        return f.encode_response(code, result)

    def _rf_configuration(self, params: bytes) -> bytes:
        if params[:1] == b"\x01":
            self.field_on = bool(params[1] & 0x02)
        return b""

    def _list_passive_target(self, params: bytes) -> bytes:
        self.field_on = True
        if params != b"\x01\x00" or not self.card_present or self.card is None:
            return b"\x00"
        self.card.power_on()
        self._listed = True
        uid = DEFAULT_UID
        ats = ats_for(self.card.atr)
        return bytes([0x01, 0x01, 0x00, 0x04, 0x20, len(uid)]) + uid + ats

    def _data_exchange(self, params: bytes) -> bytes:
        if not params or params[0] & 0x3F != 1 or not self._listed:
            return b"\x27"
        if not self.card_present or self.card is None:
            return bytes([self.removed_status])
        tg, data = params[0], params[1:]
        if tg & f.STATUS_MI:
            self._chain += data
            return b"\x00"
        if not data and self._pending_out:
            return self._next_out()
        apdu = bytes(self._chain + data)
        self._chain.clear()
        self.apdus.append(apdu)
        answer = self.card.process_apdu(apdu)
        if not answer:
            self.card_present = False
            return bytes([self.removed_status])
        self._pending_out = answer
        return self._next_out()

    def _next_out(self) -> bytes:
        part, self._pending_out = (self._pending_out[: f.MAX_EXCHANGE_DATA],
                                   self._pending_out[f.MAX_EXCHANGE_DATA:])
        status = f.STATUS_MI if self._pending_out else 0x00
        return bytes([status]) + part

    def _release(self, params: bytes) -> bytes:
        self._listed = False
        return b"\x00"

    def _diagnose(self, params: bytes) -> bytes:
        if params[:1] == b"\x06":
            return b"\x00" if (self.card_present and self._listed) else b"\x01"
        return b"\x00"
