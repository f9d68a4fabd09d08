"""Command and response APDUs, short and extended encodings (ISO/IEC 7816-4 §5.1).

``le`` is the number of bytes expected: ``None`` = no Le field; 256 (short) or 65536 (extended) are
encoded as 00 / 0000, meaning "as many as available".
"""

from __future__ import annotations

from dataclasses import dataclass

from nfc.errors import ParseError

SHORT_MAX_LC = 255
SHORT_MAX_LE = 256
EXTENDED_MAX_LC = 65535
EXTENDED_MAX_LE = 65536


@dataclass(frozen=True)
class CommandApdu:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None
    #: force extended encoding; chosen automatically when Lc or Le exceed the short range
    extended: bool = False

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            value = getattr(self, name)
            if not 0 <= value <= 0xFF:
                raise ValueError(f"{name} out of range: {value}")
        if len(self.data) > EXTENDED_MAX_LC:
            raise ValueError(f"command data too long: {len(self.data)} bytes")
        if self.le is not None and not 1 <= self.le <= EXTENDED_MAX_LE:
            raise ValueError(f"Le out of range: {self.le}")

    @property
    def is_extended(self) -> bool:
        return (
            self.extended
            or len(self.data) > SHORT_MAX_LC
            or (self.le is not None and self.le > SHORT_MAX_LE)
        )

    @property
    def name(self) -> str:
        return INS_NAMES.get(self.ins, f"INS {self.ins:02X}")

    def encode(self) -> bytes:
        header = bytes((self.cla, self.ins, self.p1, self.p2))
        data, le = self.data, self.le
        if not self.is_extended:
            body = b""
            if data:
                body += bytes((len(data),)) + data
            if le is not None:
                body += bytes((le & 0xFF,))  # 256 -> 00
            return header + body
        body = b""
        if data:
            body += b"\x00" + len(data).to_bytes(2, "big") + data
        if le is not None:
            encoded_le = (le & 0xFFFF).to_bytes(2, "big")  # 65536 -> 0000
            body += encoded_le if data else b"\x00" + encoded_le
        return header + body

    @classmethod
    def decode(cls, raw: bytes) -> CommandApdu:
        """Parse the four ISO cases, short and extended. Raises ``ParseError`` on malformed input."""
        if len(raw) < 4:
            raise ParseError("C-APDU", f"too short ({len(raw)} bytes)")
        cla, ins, p1, p2 = raw[0], raw[1], raw[2], raw[3]
        body = raw[4:]
        if not body:
            return cls(cla, ins, p1, p2)
        if len(body) == 1:
            return cls(cla, ins, p1, p2, le=body[0] or 256)
        if body[0] != 0:  # short with Lc
            lc = body[0]
            if len(body) == 1 + lc:
                return cls(cla, ins, p1, p2, bytes(body[1:]))
            if len(body) == 2 + lc:
                return cls(cla, ins, p1, p2, bytes(body[1 : 1 + lc]), le=body[-1] or 256)
            raise ParseError("C-APDU", f"Lc {lc} does not match body length {len(body) - 1}")
        # extended: first byte 00
        if len(body) == 3:
            return cls(cla, ins, p1, p2, le=int.from_bytes(body[1:3], "big") or 65536, extended=True)
        lc = int.from_bytes(body[1:3], "big")
        if lc == 0:
            raise ParseError("C-APDU", "extended Lc of zero")
        rest = body[3:]
        if len(rest) == lc:
            return cls(cla, ins, p1, p2, bytes(rest), extended=True)
        if len(rest) == lc + 2:
            le = int.from_bytes(rest[lc:], "big") or 65536
            return cls(cla, ins, p1, p2, bytes(rest[:lc]), le=le, extended=True)
        raise ParseError("C-APDU", f"extended Lc {lc} does not match body length {len(rest)}")


@dataclass(frozen=True)
class ResponseApdu:
    data: bytes
    sw1: int
    sw2: int

    @property
    def sw(self) -> int:
        return (self.sw1 << 8) | self.sw2

    @property
    def ok(self) -> bool:
        return self.sw == 0x9000

    def encode(self) -> bytes:
        return self.data + bytes((self.sw1, self.sw2))

    @classmethod
    def decode(cls, raw: bytes) -> ResponseApdu:
        if len(raw) < 2:
            raise ParseError("R-APDU", f"too short ({len(raw)} bytes)")
        return cls(bytes(raw[:-2]), raw[-2], raw[-1])

    @classmethod
    def status(cls, sw: int, data: bytes = b"") -> ResponseApdu:
        return cls(data, sw >> 8, sw & 0xFF)


INS_NAMES = {
    0xA4: "SELECT",
    0xB0: "READ BINARY",
    0xB1: "READ BINARY (odd)",
    0x84: "GET CHALLENGE",
    0x82: "EXTERNAL AUTHENTICATE",
    0x88: "INTERNAL AUTHENTICATE",
    0x22: "MSE",
    0x86: "GENERAL AUTHENTICATE",
    0xC0: "GET RESPONSE",
}
