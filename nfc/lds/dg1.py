"""DG1: the MRZ as stored on the chip (ICAO 9303-10 §4.7.1): ``61`` → ``5F1F`` ASCII MRZ, no separators."""

from __future__ import annotations

from collections.abc import Sequence

from nfc.errors import ParseError
from nfc.lds.mrz import MrzData, parse_mrz
from nfc.lds.tlv import encode_tlv, unwrap

TAG_DG1 = 0x61
TAG_MRZ = 0x5F1F


def parse_dg1(data: bytes) -> MrzData:
    mrz = unwrap(unwrap(data, TAG_DG1, "DG1"), TAG_MRZ, "DG1 MRZ")
    try:
        text = mrz.decode("ascii")
    except UnicodeDecodeError:
        raise ParseError("DG1 MRZ", "not ASCII") from None
    if "\n" in text or "\r" in text:  # the chip stores the lines concatenated
        raise ParseError("DG1 MRZ", "unexpected line break")
    return parse_mrz(text)


def build_dg1(lines: Sequence[str]) -> bytes:
    """DG1 for the given MRZ lines (validated by parsing them first)."""
    text = "".join(lines)
    parse_mrz(text)
    return encode_tlv(TAG_DG1, encode_tlv(TAG_MRZ, text.encode("ascii")))
