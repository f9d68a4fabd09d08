"""Bounds-checked BER-TLV (ISO/IEC 7816-4 / X.690) as used by every LDS file.

Tags are returned as the big-endian integer of their raw bytes (``0x5F1F``, ``0x7F61``), the way ICAO
9303 writes them. Lengths may be short form or long form ``81``-``84``. The indefinite form (``80``) is
rejected: ICAO 9303-10 requires definite lengths, and accepting it would make the end of a file
depend on scanning for end-of-contents octets.

Every declared length is checked against the bytes actually present *before* any slice, so a header
like ``6D 84 7F FF FF FF`` fails at once with :class:`~nfc.errors.ParseError` and allocates nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from asn1crypto.core import ObjectIdentifier

from nfc.errors import ParseError

MAX_TAG_BYTES = 3  # ICAO uses at most 2; X.690 allows more, but nothing in the LDS needs them
MAX_LENGTH_BYTES = 4  # 84 xx xx xx xx: up to 4 GiB, far beyond any chip file
MAX_HEADER_BYTES = MAX_TAG_BYTES + 1 + MAX_LENGTH_BYTES


@dataclass(frozen=True)
class Tlv:
    """One decoded TLV. ``start``/``end`` are offsets into the buffer it was read from
    (``start`` = first tag byte, ``end`` = one past the last value byte)."""

    tag: int
    value: bytes
    start: int
    end: int

    @property
    def constructed(self) -> bool:
        return is_constructed(self.tag)

    @property
    def length(self) -> int:
        return len(self.value)

    def __repr__(self) -> str:  # the value may be personal data: show only its size
        return f"Tlv(tag={self.tag:X}, length={len(self.value)}, start={self.start}, end={self.end})"


def is_constructed(tag: int) -> bool:
    """Bit 6 of the first tag byte."""
    first = tag
    while first > 0xFF:
        first >>= 8
    return bool(first & 0x20)


def _read_tag(data: bytes, offset: int, what: str) -> tuple[int, int]:
    """(tag, offset after the tag)."""
    if offset >= len(data):
        raise ParseError(what, "truncated: missing tag", offset)
    first = data[offset]
    tag = first
    pos = offset + 1
    if first & 0x1F == 0x1F:  # high-tag-number form: more bytes while bit 8 is set
        while True:
            if pos >= len(data):
                raise ParseError(what, "truncated inside a multi-byte tag", offset)
            if pos - offset >= MAX_TAG_BYTES:
                raise ParseError(what, "tag longer than supported", offset)
            byte = data[pos]
            tag = (tag << 8) | byte
            pos += 1
            if not byte & 0x80:
                break
    return tag, pos


def _read_length(data: bytes, offset: int, what: str) -> tuple[int, int]:
    """(length, offset after the length field)."""
    if offset >= len(data):
        raise ParseError(what, "truncated: missing length", offset)
    first = data[offset]
    if first < 0x80:
        return first, offset + 1
    if first == 0x80:
        raise ParseError(what, "indefinite length not allowed", offset)
    count = first & 0x7F
    if count > MAX_LENGTH_BYTES:
        raise ParseError(what, "length field too long", offset)
    if offset + 1 + count > len(data):
        raise ParseError(what, "truncated inside a length field", offset)
    length = int.from_bytes(data[offset + 1 : offset + 1 + count], "big")
    return length, offset + 1 + count


def read_header(data: bytes, offset: int = 0, what: str = "TLV") -> tuple[int, int, int]:
    """(tag, value offset, value length) without checking that the value bytes are present."""
    tag, pos = _read_tag(data, offset, what)
    length, pos = _read_length(data, pos, what)
    return tag, pos, length


def read_tlv(data: bytes, offset: int = 0, what: str = "TLV") -> Tlv:
    """Decode the TLV starting at ``offset``. Raises ParseError when the bytes do not hold all of it."""
    if offset < 0:
        raise ParseError(what, "negative offset")
    tag, pos, length = read_header(data, offset, what)
    if length > len(data) - pos:
        present = len(data) - pos
        raise ParseError(what, f"declared length {length} exceeds the {present} bytes present", offset)
    return Tlv(tag, bytes(data[pos : pos + length]), offset, pos + length)


def iter_tlvs(data: bytes, what: str = "TLV") -> Iterator[Tlv]:
    """Decode consecutive TLVs that must exactly fill ``data`` (e.g. the content of a constructed TLV)."""
    offset = 0
    while offset < len(data):
        tlv = read_tlv(data, offset, what)
        yield tlv
        offset = tlv.end


def children(data: bytes, what: str = "TLV") -> list[Tlv]:
    """All TLVs in ``data`` as a list (the file is already in memory, so this bounds nothing new)."""
    return list(iter_tlvs(data, what))


def unwrap(data: bytes, expected_tag: int, what: str | None = None) -> bytes:
    """The value of the single TLV that makes up ``data``; its tag must be ``expected_tag`` and no
    bytes may follow it."""
    label = what or f"TLV {expected_tag:X}"
    tlv = read_tlv(data, 0, label)
    if tlv.tag != expected_tag:
        raise ParseError(label, f"expected tag {expected_tag:X}, found {tlv.tag:X}", 0)
    if tlv.end != len(data):
        raise ParseError(label, f"{len(data) - tlv.end} unexpected bytes after the object", tlv.end)
    return tlv.value


def header_length_of(first_bytes: bytes) -> tuple[int, int]:
    """(tag, total length of the TLV = header + value) from the first bytes of a file.

    A reader calls this with its first chunk to learn how much to read. ``MAX_HEADER_BYTES`` (8) always
    suffice; LDS files need at most 6 (a 1-2 byte tag, then ``84`` and 4 length bytes).
    """
    tag, pos, length = read_header(first_bytes, 0, "file header")
    return tag, pos + length


def encode_length(n: int) -> bytes:
    """Minimal DER length: short form below 128, else ``81``-``84`` followed by the length bytes."""
    if n < 0:
        raise ValueError("length must not be negative")
    if n < 0x80:
        return bytes([n])
    size = (n.bit_length() + 7) // 8
    if size > MAX_LENGTH_BYTES:
        raise ValueError("length too large for BER-TLV")
    return bytes([0x80 | size]) + n.to_bytes(size, "big")


def encode_tag(tag: int) -> bytes:
    if tag < 0:
        raise ValueError("tag must not be negative")
    size = max(1, (tag.bit_length() + 7) // 8)
    return tag.to_bytes(size, "big")


def encode_tlv(tag: int, value: bytes) -> bytes:
    return encode_tag(tag) + encode_length(len(value)) + value


# --- DER primitives shared by the SecurityInfo and DG13 parsers ------------------------------------
TAG_INTEGER = 0x02
TAG_OID = 0x06
TAG_SEQUENCE = 0x30
TAG_SET = 0x31
MAX_INTEGER_BYTES = 8  # versions, key ids, field numbers: small numbers only


def decode_integer(tlv: Tlv, what: str) -> int:
    if tlv.tag != TAG_INTEGER:
        raise ParseError(what, f"expected INTEGER, found tag {tlv.tag:X}", tlv.start)
    if not 1 <= len(tlv.value) <= MAX_INTEGER_BYTES:
        raise ParseError(what, "INTEGER empty or too large", tlv.start)
    return int.from_bytes(tlv.value, "big", signed=True)


def encode_integer(n: int) -> bytes:
    size = n.bit_length() // 8 + 1  # room for the sign bit
    return encode_tlv(TAG_INTEGER, n.to_bytes(size, "big", signed=True))


def decode_oid(tlv: Tlv, what: str) -> str:
    """Dotted OID. asn1crypto does the arithmetic; it silently accepts truncated encodings, so the
    sub-identifier framing is checked here first."""
    value = tlv.value
    if tlv.tag != TAG_OID:
        raise ParseError(what, f"expected OBJECT IDENTIFIER, found tag {tlv.tag:X}", tlv.start)
    if not value or value[-1] & 0x80:
        raise ParseError(what, "OBJECT IDENTIFIER empty or truncated", tlv.start)
    if len(value) > 64:
        raise ParseError(what, "OBJECT IDENTIFIER too long", tlv.start)
    if any(b == 0x80 and (i == 0 or not value[i - 1] & 0x80) for i, b in enumerate(value)):
        raise ParseError(what, "OBJECT IDENTIFIER not minimally encoded", tlv.start)
    return str(ObjectIdentifier.load(encode_tlv(TAG_OID, value)).dotted)


def encode_oid(dotted: str) -> bytes:
    return bytes(ObjectIdentifier(dotted).dump())
