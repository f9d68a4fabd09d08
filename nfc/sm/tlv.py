"""BER-TLV data objects as SM and PACE use them (DO'87, DO'8E, 7C dynamic authentication data, 7F49).

Parsing and encoding go through ``asn1crypto.parser``; tags are handled as their raw big-endian byte
value (0x87, 0x7F49) because that is how ICAO 9303 names them.
"""

from __future__ import annotations

from asn1crypto import parser

from nfc.errors import ParseError

MAX_DEPTH_OBJECTS = 64  # more data objects than this in one APDU is garbage, not a message


def _raw_tag(class_: int, method: int, tag: int) -> int:
    header = parser.emit(class_, method, tag, b"")
    return int.from_bytes(header[:-1], "big")  # header ends with the 1-byte length 00


def _split_tag(raw_tag: int) -> tuple[int, int, int]:
    tag_bytes = raw_tag.to_bytes(max(1, (raw_tag.bit_length() + 7) // 8), "big")
    first = tag_bytes[0]
    class_, method = first >> 6, (first >> 5) & 1
    if first & 0x1F != 0x1F:
        return class_, method, first & 0x1F
    number = 0
    for byte in tag_bytes[1:]:
        number = (number << 7) | (byte & 0x7F)
    return class_, method, number


def encode_tlv(tag: int, value: bytes) -> bytes:
    """One data object, DER length encoding."""
    class_, method, number = _split_tag(tag)
    return bytes(parser.emit(class_, method, number, value))


def parse_tlvs(data: bytes, what: str = "data objects") -> list[tuple[int, bytes, bytes]]:
    """Split concatenated data objects into (tag, value, whole encoding). ``ParseError`` when malformed
    (bad lengths, indefinite length, trailing garbage)."""
    objects: list[tuple[int, bytes, bytes]] = []
    offset = 0
    while offset < len(data):
        if len(objects) >= MAX_DEPTH_OBJECTS:
            raise ParseError(what, "too many data objects", offset)
        try:
            class_, method, tag, header, contents, trailer = parser.parse(data[offset:], strict=False)
        except (ValueError, TypeError) as exc:
            raise ParseError(what, f"malformed data object ({exc.__class__.__name__})", offset) from None
        if trailer:
            raise ParseError(what, "indefinite length is not allowed", offset)
        size = len(header) + len(contents)
        objects.append((_raw_tag(class_, method, tag), bytes(contents), bytes(data[offset : offset + size])))
        offset += size
    return objects


def find_tlv(objects: list[tuple[int, bytes, bytes]], tag: int) -> bytes | None:
    for found, value, _ in objects:
        if found == tag:
            return value
    return None


def unwrap_single(data: bytes, tag: int, what: str) -> bytes:
    """The value of ``data`` when it is exactly one object with ``tag``."""
    objects = parse_tlvs(data, what)
    if len(objects) != 1 or objects[0][0] != tag:
        raise ParseError(what, f"expected exactly one object with tag {tag:X}")
    return objects[0][1]
