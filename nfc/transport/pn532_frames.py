"""PN532 host-link frames (NXP UM0701-02 §6.2), pure: no I/O, no clocks.

normal   : 00 00 FF LEN LCS TFI PD0..PDn DCS 00       LEN counts TFI + data, LCS = -LEN, DCS = -(TFI+ΣPD)
extended : 00 00 FF FF FF LENM LENL LCS TFI … DCS 00
ACK 00 00 FF 00 FF 00 · NACK 00 00 FF FF 00 00 · error frame 00 00 FF 01 FF 7F 81 00

Also the payload helpers the transport needs (target data of InListPassiveTarget, pseudo-ATR,
InDataExchange status codes), so the emulator in the tests and the transport share one definition.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from nfc.errors import CardRemovedError, NfcError, NoCardError, TransportError, TransportTimeoutError

ACK = bytes.fromhex("0000FF00FF00")
NACK = bytes.fromhex("0000FFFF0000")
ERROR_FRAME = bytes.fromhex("0000FF01FF7F8100")
#: HSU wake-up from power-down: 0x55 pulses then zeros (libnfc pn532_uart_wakeup), SAMConfiguration follows.
WAKEUP = bytes.fromhex("5555") + bytes(14)

HOST_TO_PN532 = 0xD4
PN532_TO_HOST = 0xD5
ERROR_TFI = 0x7F

#: PN532 firmware limit for one frame: 264 bytes of packet data + TFI (UM0701-02 §6.2.1.2).
MAX_FRAME_LEN = 265
#: InDataExchange DataOut/DataIn limit per frame (UM0701-02 §7.3.8); longer payloads use the MI bit.
MAX_EXCHANGE_DATA = 262

# command codes (UM0701-02 §7)
DIAGNOSE = 0x00
GET_FIRMWARE_VERSION = 0x02
SAM_CONFIGURATION = 0x14
RF_CONFIGURATION = 0x32
IN_DATA_EXCHANGE = 0x40
IN_LIST_PASSIVE_TARGET = 0x4A
IN_RELEASE = 0x52

STATUS_MI = 0x40       # more information (chaining) in the InDataExchange Tg / Status byte
STATUS_ERROR_MASK = 0x3F


class Pn532FrameError(TransportError):
    """Bytes from the PN532 do not form a valid frame (bad length, wrong TFI, unexpected frame)."""

    reason = "reader-protocol"
    hint = "The PN532 reader sent garbled data. Check its cable and baud rate; run `cccd-kiosk selftest`."


class Pn532ChecksumError(Pn532FrameError):
    """A length (LCS) or data (DCS) checksum does not add up."""


class Pn532SyntaxError(TransportError):
    """The PN532 answered with its error frame: it rejected the command at application level."""

    reason = "reader-protocol"
    hint = "The PN532 rejected a command. Update the reader firmware or call staff."


class FrameKind(enum.Enum):
    ACK = "ack"
    NACK = "nack"
    ERROR = "error"
    INFO = "info"


@dataclass(frozen=True)
class Frame:
    kind: FrameKind
    tfi: int = 0
    data: bytes = b""       # PD0..PDn (command code first) for INFO frames

    @property
    def command(self) -> int:
        if not self.data:
            raise Pn532FrameError("PN532 frame carries no command code")
        return self.data[0]


def checksum(data: bytes) -> int:
    """Value that makes the low byte of the sum zero (LCS and DCS)."""
    return -sum(data) & 0xFF


def encode_frame(tfi: int, data: bytes, *, extended: bool | None = None) -> bytes:
    """An information frame; extended form when the payload needs it (or when forced)."""
    length = 1 + len(data)
    if length > MAX_FRAME_LEN:
        raise ValueError(f"PN532 frame payload of {length} bytes exceeds {MAX_FRAME_LEN}")
    body = bytes([tfi]) + data
    use_extended = length > 255 if extended is None else extended
    if use_extended:
        lenm, lenl = length >> 8, length & 0xFF
        head = bytes([0x00, 0x00, 0xFF, 0xFF, 0xFF, lenm, lenl, checksum(bytes([lenm, lenl]))])
    else:
        head = bytes([0x00, 0x00, 0xFF, length, checksum(bytes([length]))])
    return head + body + bytes([checksum(body), 0x00])


def encode_command(code: int, params: bytes = b"") -> bytes:
    """Host → PN532 command frame (TFI D4)."""
    return encode_frame(HOST_TO_PN532, bytes([code]) + params)


def encode_response(code: int, params: bytes = b"") -> bytes:
    """PN532 → host response frame (TFI D5, code + 1); used by the emulator."""
    return encode_frame(PN532_TO_HOST, bytes([(code + 1) & 0xFF]) + params)


class FrameDecoder:
    """Incremental decoder for a byte stream. ``feed`` bytes, then call ``next_frame`` until None.

    Garbage, preambles and wake-up bytes before a start code are skipped. A frame whose checksum fails is
    dropped and reported once as ``Pn532ChecksumError``, so the caller can NACK and read on.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        self._buf += data

    def clear(self) -> None:
        self._buf.clear()

    @property
    def pending(self) -> int:
        return len(self._buf)

    def next_frame(self) -> Frame | None:
        buf = self._buf
        start = buf.find(b"\x00\xff")
        if start < 0:
            # keep a trailing 00 that may be the first half of a start code
            del buf[: max(0, len(buf) - 1)]
            return None
        del buf[:start]
        if len(buf) < 4:
            return None
        b2, b3 = buf[2], buf[3]
        if (b2, b3) == (0x00, 0xFF):
            del buf[:4]
            return Frame(FrameKind.ACK)
        if (b2, b3) == (0xFF, 0x00):
            del buf[:4]
            return Frame(FrameKind.NACK)
        if (b2, b3) == (0xFF, 0xFF):
            if len(buf) < 7:
                return None
            length = (buf[4] << 8) | buf[5]
            if (buf[4] + buf[5] + buf[6]) & 0xFF:
                del buf[:2]
                raise Pn532ChecksumError("PN532 extended frame: length checksum (LCS) mismatch")
            header = 7
        else:
            length = b2
            if (b2 + b3) & 0xFF:
                del buf[:2]
                raise Pn532ChecksumError("PN532 frame: length checksum (LCS) mismatch")
            header = 4
        if length == 0 or length > MAX_FRAME_LEN:
            del buf[:2]
            raise Pn532FrameError(f"PN532 frame: impossible length {length}")
        if len(buf) < header + length + 1:
            return None
        body = bytes(buf[header: header + length])
        dcs = buf[header + length]
        del buf[: header + length + 1]
        if (sum(body) + dcs) & 0xFF:
            raise Pn532ChecksumError("PN532 frame: data checksum (DCS) mismatch")
        if body[0] == ERROR_TFI and length == 1:
            return Frame(FrameKind.ERROR, ERROR_TFI)
        return Frame(FrameKind.INFO, body[0], body[1:])


# --- payloads -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetA:
    """One 106 kbps type A target from InListPassiveTarget (BrTy 00)."""

    number: int
    sens_res: bytes
    sel_res: int
    uid: bytes
    ats: bytes

    @property
    def iso_dep(self) -> bool:
        """SEL_RES bit 0x20: the target speaks ISO/IEC 14443-4 (the PN532 then sent RATS)."""
        return bool(self.sel_res & 0x20)

    def __repr__(self) -> str:  # the UID is a per-card identifier: keep it out of logs
        return f"TargetA(number={self.number}, sel_res=0x{self.sel_res:02X}, uid=<{len(self.uid)} bytes>)"


def parse_list_passive_target(data: bytes) -> TargetA | None:
    """``NbTg [Tg SENS_RES(2) SEL_RES NFCIDLength NFCID1 [ATS]]`` → the first target, or None."""
    if not data:
        raise Pn532FrameError("InListPassiveTarget answer is empty")
    if data[0] == 0:
        return None
    if len(data) < 6:
        raise Pn532FrameError("InListPassiveTarget answer is truncated")
    number, sens_res, sel_res, uid_len = data[1], data[2:4], data[4], data[5]
    uid = data[6: 6 + uid_len]
    if len(uid) != uid_len:
        raise Pn532FrameError("InListPassiveTarget answer: NFCID1 truncated")
    rest = data[6 + uid_len:]
    ats = b""
    if rest:
        if rest[0] == 0 or rest[0] > len(rest):
            raise Pn532FrameError("InListPassiveTarget answer: ATS length byte is wrong")
        ats = bytes(rest[: rest[0]])
    return TargetA(number, bytes(sens_res), sel_res, bytes(uid), ats)


def ats_historical_bytes(ats: bytes) -> bytes:
    """Historical bytes of an ATS: TL T0 [TA] [TB] [TC] T1..Tk (ISO/IEC 14443-4 §5.2)."""
    if len(ats) < 2:
        return b""
    t0 = ats[1]
    skip = 2 + sum(1 for bit in (0x10, 0x20, 0x40) if t0 & bit)
    return bytes(ats[skip: ats[0]])


def pseudo_atr(ats: bytes) -> bytes:
    """PC/SC Part 3 §3.1.3.2.3.1 ATR for an ISO 14443-4 type A card: 3B 8n 80 01 T1..Tn TCK."""
    hist = ats_historical_bytes(ats)[:15]
    body = bytes([0x80 | len(hist), 0x80, 0x01]) + hist
    tck = 0
    for byte in body:
        tck ^= byte
    return bytes([0x3B]) + body + bytes([tck])


_RF_ERRORS = {0x02: "CRC error", 0x03: "parity error", 0x04: "erroneous bit count", 0x05: "framing error",
              0x06: "bit collision", 0x0B: "RF protocol error", 0x13: "data format error"}


def status_error(status: int, command: str = "InDataExchange") -> NfcError | None:
    """The typed error for a PN532 status byte (low 6 bits), or None when it reports success."""
    code = status & STATUS_ERROR_MASK
    if code == 0x00:
        return None
    if code == 0x01:
        return TransportTimeoutError(f"{command}: the card did not answer in time (PN532 status 01)")
    if code in (0x29, 0x2A, 0x2B):
        return CardRemovedError(f"{command}: the card left the field (PN532 status {code:02X})")
    if code == 0x27:
        return NoCardError(f"{command}: no activated card (PN532 status 27)")
    if code in _RF_ERRORS:
        return TransportError(f"{command}: {_RF_ERRORS[code]} on the RF link (PN532 status {code:02X})",
                              hint="Hold the card flat and still on the reader and try again.")
    return TransportError(f"{command}: PN532 error status {code:02X}")
