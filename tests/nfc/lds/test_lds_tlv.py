"""BER-TLV reader/writer: framing, long-form lengths, rejection of truncated and absurd input."""

from __future__ import annotations

import contextlib
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nfc.errors import ParseError
from nfc.lds.tlv import (
    decode_oid,
    encode_length,
    encode_tlv,
    header_length_of,
    iter_tlvs,
    read_tlv,
    unwrap,
)

# ICAO 9303-11 Appendix D.4: the EF.COM the worked example reads
EF_COM_D4 = bytes.fromhex("60145F0104303130365F36063034303030305C026175")


def test_d4_ef_com_structure() -> None:
    outer = read_tlv(EF_COM_D4)
    assert (outer.tag, outer.start, outer.end, outer.constructed) == (0x60, 0, 22, True)
    inner = list(iter_tlvs(outer.value))
    assert [t.tag for t in inner] == [0x5F01, 0x5F36, 0x5C]
    assert inner[0].value == b"0106" and inner[2].value == bytes([0x61, 0x75])
    assert not inner[0].constructed
    # the D.4 reader learns L = 0x14 + 2 = 22 from the first 4 bytes
    assert header_length_of(EF_COM_D4[:4]) == (0x60, 22)


@pytest.mark.parametrize(
    ("encoded", "length"),
    [("7F", 0x7F), ("8180", 0x80), ("81FF", 0xFF), ("820100", 0x100), ("83010000", 0x10000),
     ("8401000000", 0x1000000)],
)
def test_length_forms(encoded: str, length: int) -> None:
    assert encode_length(length).hex().upper() == encoded
    assert header_length_of(bytes.fromhex("04" + encoded)) == (0x04, 1 + len(encoded) // 2 + length)


def test_non_minimal_long_form_is_read() -> None:
    # some cards write 81 xx for short values; BER allows it
    assert read_tlv(bytes.fromhex("048102ABCD")).value == b"\xab\xcd"


@pytest.mark.parametrize(
    "hexdata",
    [
        "",  # nothing
        "5F",  # tag cut inside
        "30",  # no length
        "3081",  # long form without its byte
        "308200",  # long form cut
        "3080",  # indefinite length
        "308500000000FF",  # 5 length bytes
        "3003AABB",  # value shorter than declared
        "5FFFFFFF0100",  # tag longer than supported
    ],
)
def test_malformed_rejected(hexdata: str) -> None:
    with pytest.raises(ParseError):
        read_tlv(bytes.fromhex(hexdata))


def test_absurd_length_fails_fast_without_allocation() -> None:
    data = bytes.fromhex("6D847FFFFFFF") + bytes(10)
    tracemalloc.start()
    try:
        with pytest.raises(ParseError) as info:
            read_tlv(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    assert info.value.reason == "bad-data"
    # the header alone is fine: a reader may ask how long the file claims to be
    assert header_length_of(data[:6]) == (0x6D, 6 + 0x7FFFFFFF)


def test_unwrap_checks_tag_and_trailing_bytes() -> None:
    assert unwrap(EF_COM_D4, 0x60)[:2] == b"\x5f\x01"
    with pytest.raises(ParseError):
        unwrap(EF_COM_D4, 0x61)
    with pytest.raises(ParseError):
        unwrap(EF_COM_D4 + b"\x00", 0x60)


def test_iter_rejects_trailing_garbage() -> None:
    with pytest.raises(ParseError):
        list(iter_tlvs(bytes.fromhex("020101" "02")))


@pytest.mark.parametrize("hexdata", ["0600", "060180", "06022B80", "0602802B"])
def test_malformed_oid_rejected(hexdata: str) -> None:
    with pytest.raises(ParseError):
        decode_oid(read_tlv(bytes.fromhex(hexdata)), "test")


def test_oid_decodes() -> None:
    assert decode_oid(read_tlv(bytes.fromhex("060804007F0007020202")), "t") == "0.4.0.127.0.7.2.2.2"


_tags = st.one_of(
    st.integers(0, 0xFF).filter(lambda t: t & 0x1F != 0x1F),
    st.integers(0x1F, 0x7F).map(lambda b: 0x5F00 | b),  # two-byte tags like 5F1F
    st.integers(0x1F, 0x7F).map(lambda b: 0x7F00 | b),
)


@given(tag=_tags, value=st.binary(max_size=600))
def test_round_trip(tag: int, value: bytes) -> None:
    encoded = encode_tlv(tag, value)
    tlv = read_tlv(encoded)
    assert (tlv.tag, tlv.value, tlv.start, tlv.end) == (tag, value, 0, len(encoded))
    assert header_length_of(encoded[:8]) == (tag, len(encoded))
    for cut in {0, 1, len(encoded) // 2, len(encoded) - 1}:
        with pytest.raises(ParseError):
            read_tlv(encoded[:cut])


@given(st.lists(st.tuples(_tags, st.binary(max_size=200)), max_size=6))
def test_sequence_round_trip(items: list[tuple[int, bytes]]) -> None:
    data = b"".join(encode_tlv(t, v) for t, v in items)
    assert [(t.tag, t.value) for t in iter_tlvs(data)] == items


@given(st.binary(max_size=64))
def test_random_bytes_only_parse_error(data: bytes) -> None:
    with contextlib.suppress(ParseError):
        list(iter_tlvs(data))
