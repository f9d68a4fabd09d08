"""PN532 over UART (HSU, 115200 8N1) as a ``CardConnection``.

The PN532 runs ISO-DEP itself (I-blocks, WTX, CRC); the host sends each APDU in InDataExchange and gets
the R-APDU back. Flow per command (UM0701-02 §6.2.2): flush input, send frame, wait for ACK (a NACK or
silence → send again), wait for the response (checksum error → NACK, the PN532 repeats it; silence →
send ACK to abort, then ``TransportTimeoutError``).

Takes plain parameters (port, baud rate, timeouts) so ``nfc`` never imports the kiosk's hardware profiles.
"""

from __future__ import annotations

import contextlib
import logging
import termios
import time
from typing import Any, Self

import serial

from nfc.errors import (
    CardRemovedError,
    NoCardError,
    NoReaderError,
    TransportError,
    TransportTimeoutError,
    UnsupportedCardError,
)
from nfc.transport import pn532_frames as f
from nfc.transport.base import CardConnection

#: what pyserial raises when the line fails (termios.error is not an OSError)
_LINE_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, termios.error)
log = logging.getLogger(__name__)

#: SAMConfiguration: normal mode (no SAM), virtual-card timeout 0x14 × 50 ms, use IRQ pin (UM0701-02 §7.2.10).
SAM_NORMAL = bytes([0x01, 0x14, 0x01])
#: RFConfiguration item 0x05 MaxRetries: MxRtyATR, MxRtyPSL, MxRtyPassiveActivation = 1 so that
#: InListPassiveTarget returns at once when no card is there (the default 0xFF waits forever).
RF_MAX_RETRIES = bytes([0x05, 0xFF, 0x01, 0x01])
#: RFConfiguration item 0x02 timings: RFU, ATR_RES timeout 0x0B (102 ms), retry timeout 0x0A (51 ms);
#: the values nfcpy uses (assumption: fine for CCCD; the PN532 handles ISO-DEP WTX itself).
RF_TIMINGS = bytes([0x02, 0x00, 0x0B, 0x0A])
RF_FIELD_OFF = bytes([0x01, 0x00])
#: Diagnose NumTst 0x06: is the ISO 14443-4 card still in the field? (UM0701-02 §7.2.1)
DIAG_PRESENCE = bytes([0x06])


class Pn532Connection(CardConnection):
    """One PN532 on a serial port; ``wait_for_card`` activates a card, then ``transmit`` APDUs."""

    def __init__(self, port: str, baudrate: int = 115200, *, timeout: float = 5.0, ack_timeout: float = 0.1,
                 wake_timeout: float = 1.5, retries: int = 3) -> None:
        self.reader_name = f"PN532 UART {port}"
        self.supports_extended_length = False  # short APDUs by default; long ones are still chained (MI)
        self.timeout = timeout
        self.ack_timeout = ack_timeout
        self.retries = retries
        self._decoder = f.FrameDecoder()
        self._target: f.TargetA | None = None
        self._atr = b""
        self._open = False
        try:
            self._serial: Any = serial.Serial(port=port, baudrate=baudrate, timeout=0.01, write_timeout=1.0)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise NoReaderError(f"cannot open the PN532 serial port ({type(exc).__name__})",
                                hint=f"Check that the PN532 is plugged in at {port} and nothing else uses it."
                                ) from exc
        self._open = True
        try:
            self._wake_up(wake_timeout)
            self.firmware = self.get_firmware_version()
            self._command(f.RF_CONFIGURATION, RF_MAX_RETRIES)
            self._command(f.RF_CONFIGURATION, RF_TIMINGS)
        except BaseException:
            self._close_port()
            raise

    def __enter__(self) -> Self:
        return self

    # --- chip-level commands --------------------------------------------------------------------
    def _wake_up(self, wake_timeout: float) -> None:
        """Leave HSU power-down: long preamble, then SAMConfiguration (the first command after wake-up)."""
        self._write(f.WAKEUP)
        self._command(f.SAM_CONFIGURATION, SAM_NORMAL, ack_timeout=wake_timeout)

    def get_firmware_version(self) -> tuple[int, int, int, int]:
        """(IC, Ver, Rev, Support); IC is 0x32 for a PN532."""
        data = self._command(f.GET_FIRMWARE_VERSION)
        if len(data) != 4:
            raise f.Pn532FrameError("GetFirmwareVersion answer has the wrong length")
        if data[0] != 0x32:
            raise f.Pn532FrameError(f"chip reports IC 0x{data[0]:02X}, not a PN532 (0x32)")
        return data[0], data[1], data[2], data[3]

    def field_off(self) -> None:
        self._command(f.RF_CONFIGURATION, RF_FIELD_OFF)

    def abort(self) -> None:
        """Cancel the running command: an ACK from the host aborts it (UM0701-02 §6.2.1.3)."""
        self._write(f.ACK)

    def wait_for_card(self, timeout: float) -> bytes:
        """Poll for one 106 kbps type A ISO-DEP card; return its pseudo-ATR.

        Raises ``NoCardError`` if none shows up within ``timeout`` seconds and ``UnsupportedCardError``
        for a card without ISO 14443-4 (e.g. a MIFARE Classic transit card).
        """
        deadline = time.monotonic() + timeout
        while True:
            target = f.parse_list_passive_target(self._command(f.IN_LIST_PASSIVE_TARGET, b"\x01\x00"))
            if target is not None:
                if not target.iso_dep:
                    self._release(target.number)
                    raise UnsupportedCardError("the card on the PN532 does not speak ISO 14443-4")
                self._target = target
                self._atr = f.pseudo_atr(target.ats)
                return self._atr
            if time.monotonic() >= deadline:
                raise NoCardError("no card on the PN532 reader")
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))  # 10 Hz polling

    # --- CardConnection ---------------------------------------------------------------------------
    def transmit(self, apdu: bytes) -> bytes:
        if not self._open:
            raise TransportError("connection is closed")
        if self._target is None:
            raise NoCardError("no card activated on the PN532; call wait_for_card first")
        tg = self._target.number
        apdu = bytes(apdu)
        # Host → card: every chunk but the last carries MI; the PN532 answers those with a bare status.
        chunks = [apdu[i: i + f.MAX_EXCHANGE_DATA] for i in range(0, len(apdu), f.MAX_EXCHANGE_DATA)] or [b""]
        for chunk in chunks[:-1]:
            status, _ = self._exchange(bytes([tg | f.STATUS_MI]) + chunk)
        status, answer = self._exchange(bytes([tg]) + chunks[-1])
        response = bytearray(answer)
        # Card → host: MI in the status means more data; the host goes on with an InDataExchange that
        # carries no data (NXP AN10609 §3.3.7.4). Whether a PN532 chains ISO-DEP payloads beyond 262 bytes
        # on real hardware is unverified: the reader profile keeps APDUs short by default.
        while status & f.STATUS_MI:
            if len(response) > 65_538:
                raise f.Pn532FrameError("chained PN532 response longer than any R-APDU")
            status, answer = self._exchange(bytes([tg]))
            response += answer
        if len(response) < 2:
            raise f.Pn532FrameError("R-APDU from the PN532 is shorter than a status word")
        return bytes(response)

    def _exchange(self, params: bytes) -> tuple[int, bytes]:
        data = self._command(f.IN_DATA_EXCHANGE, params, timeout=self.timeout)
        if not data:
            raise f.Pn532FrameError("InDataExchange answer has no status byte")
        status = data[0]
        error = f.status_error(status)
        if error is None:
            return status, data[1:]
        if isinstance(error, TransportTimeoutError) and not self._card_present():
            error = CardRemovedError("the card left the PN532's field during an exchange")
        if isinstance(error, CardRemovedError | NoCardError):
            self._target = None
            self._atr = b""
        raise error

    def _card_present(self) -> bool:
        try:
            data = self._command(f.DIAGNOSE, DIAG_PRESENCE)
        except TransportError:
            return False
        return bool(data) and data[0] & f.STATUS_ERROR_MASK == 0

    @property
    def atr(self) -> bytes:
        if self._target is None:
            raise NoCardError("no card activated on the PN532")
        return self._atr

    def reset(self) -> None:
        """Field off and re-activate: the card reboots, so any secure-messaging keys are gone."""
        if self._target is not None:
            self._release(self._target.number)
        self._target = None
        self.field_off()
        time.sleep(0.05)  # let the card's supply collapse before the next activation
        self.wait_for_card(self.timeout)

    def close(self) -> None:
        if not self._open:
            return
        try:
            if self._target is not None:
                self._release(self._target.number)
            self.field_off()
        except TransportError as exc:
            log.debug("PN532 close: %s", exc.reason)
        finally:
            self._target = None
            self._close_port()

    def _release(self, number: int) -> None:
        self._command(f.IN_RELEASE, bytes([number]))

    def _close_port(self) -> None:
        self._open = False
        with contextlib.suppress(*_LINE_ERRORS):
            self._serial.close()

    # --- framing ----------------------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        try:
            self._serial.write(data)
            self._serial.flush()
        except _LINE_ERRORS as exc:
            raise TransportError(f"PN532 serial write failed ({type(exc).__name__})") from exc

    def _read_frame(self, deadline: float) -> f.Frame:
        while True:
            frame = self._decoder.next_frame()
            if frame is not None:
                return frame
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TransportTimeoutError("the PN532 did not answer in time")
            try:
                self._serial.timeout = min(remaining, 0.05)
                chunk = self._serial.read(max(1, self._serial.in_waiting))
            except _LINE_ERRORS as exc:
                raise TransportError(f"PN532 serial read failed ({type(exc).__name__})") from exc
            self._decoder.feed(chunk)

    def _command(self, code: int, params: bytes = b"", *, timeout: float | None = None,
                 ack_timeout: float | None = None) -> bytes:
        """Send one command, return the response data after ``D5 code+1``."""
        if not self._open:
            raise TransportError("connection is closed")
        frame = f.encode_command(code, params)
        self._send_until_ack(frame, ack_timeout if ack_timeout is not None else self.ack_timeout)
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        bad = 0
        while True:
            try:
                answer = self._read_frame(deadline)
            except f.Pn532ChecksumError:
                bad += 1
                if bad > self.retries:
                    raise
                self._write(f.NACK)  # ask the PN532 to send its last response again
                continue
            except TransportTimeoutError:
                self.abort()
                raise
            if answer.kind is f.FrameKind.ERROR:
                raise f.Pn532SyntaxError(f"PN532 rejected command 0x{code:02X} (error frame)")
            if answer.kind is f.FrameKind.INFO:
                break
            # a stray ACK/NACK here is noise: keep reading
        if answer.tfi != f.PN532_TO_HOST or answer.command != (code + 1) & 0xFF:
            raise f.Pn532FrameError(f"unexpected PN532 frame in answer to command 0x{code:02X}")
        return answer.data[1:]

    def _send_until_ack(self, frame: bytes, ack_timeout: float) -> None:
        for _attempt in range(self.retries + 1):
            try:
                self._serial.reset_input_buffer()  # stale bytes would be taken for the answer
            except _LINE_ERRORS as exc:  # the serial line hung up (USB-UART bridge unplugged)
                raise TransportError(f"PN532 serial line lost ({type(exc).__name__})") from exc
            self._decoder.clear()
            self._write(frame)
            deadline = time.monotonic() + ack_timeout
            try:
                while True:
                    reply = self._read_frame(deadline)
                    if reply.kind is f.FrameKind.ACK:
                        return
                    if reply.kind is f.FrameKind.NACK:
                        break  # resend the command
                    if reply.kind is f.FrameKind.ERROR:
                        raise f.Pn532SyntaxError("PN532 rejected the command frame (error frame)")
            except f.Pn532ChecksumError:
                continue
            except TransportTimeoutError:
                continue
        raise TransportTimeoutError("the PN532 did not acknowledge the command",
                                    hint="Check the PN532's cable, power and HSU/UART mode switches.")
