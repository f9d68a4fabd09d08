"""Robustness: random bytes, truncations and single-byte mutations into every LDS parser raise only
ParseError (never IndexError, UnicodeError, MemoryError, ...), and never hang."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nfc.errors import ParseError
from nfc.lds.cardaccess import parse_security_infos
from nfc.lds.com import parse_com
from nfc.lds.dg1 import parse_dg1
from nfc.lds.dg2 import build_dg2, parse_dg2
from nfc.lds.dg13 import VietnamPersonalData, build_dg13, parse_dg13
from nfc.lds.dg14 import parse_dg14
from nfc.lds.dg15 import parse_dg15
from nfc.lds.mrz import format_cccd_td1
from nfc.lds.parse import parse_file
from nfc.lds.tlv import header_length_of, read_tlv

PARSERS: dict[str, Callable[[bytes], object]] = {
    "COM": parse_com,
    "CardAccess": parse_security_infos,
    "DG1": parse_dg1,
    "DG2": parse_dg2,
    "DG13": parse_dg13,
    "DG14": parse_dg14,
    "DG15": parse_dg15,
}
CCCD_CARD_ACCESS = bytes.fromhex(
    "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d"
)


def _only_parse_error(parser: Callable[[bytes], object], data: bytes) -> bool:
    """True when parsed, False on ParseError; anything else propagates and fails the test."""
    try:
        parser(data)
    except ParseError:
        return False
    return True


def _corpus(shared: Path) -> list[tuple[str, bytes]]:
    lds = shared / "lds"
    files = [
        ("COM", lds / "bsi2008/EF_COM.bin"), ("COM", lds / "loes2006/ef011E.bin"),
        ("DG1", lds / "bsi2008/Datagroup1.bin"), ("DG1", lds / "loes2006/ef0101.bin"),
        ("DG2", lds / "bsi2008/Datagroup2.bin"), ("DG2", lds / "loes2006/ef0102.bin"),
        ("DG14", lds / "bsi2008/Datagroup14.bin"), ("DG14", lds / "hjp-rsapss/Datagroup14.bin"),
        ("DG15", lds / "bsi2008/Datagroup15.bin"), ("DG15", lds / "loes2006/ef010F.bin"),
        ("DG3", lds / "bsi2008/Datagroup3.bin"), ("SOD", lds / "loes2006/ef011D.bin"),
    ]
    corpus = [(name, path.read_bytes()) for name, path in files]
    person = VietnamPersonalData(
        id_number="001090000001", full_name="NGUYỄN VĂN A", place_of_residence="Phường Y, Hà Nội " * 10,
        parents=("A", "B"), old_id_number="123456789", card_serial="0123ABCD4567EF89",
    )
    lines = format_cccd_td1("001090000001", "900101", "M", "300101", "NGUYEN", "VAN A")
    corpus += [
        ("DG13", build_dg13(person)),
        ("CardAccess", CCCD_CARD_ACCESS),
        ("DG1", b"\x61\x5d\x5f\x1f\x5a" + "".join(lines).encode()),
        ("DG2", build_dg2(b"\xff\xd8\xff\xe0" + bytes(40), "jpeg", 10, 10)),
    ]
    return corpus


@pytest.fixture(scope="module")
def corpus(shared_data: Path) -> list[tuple[str, bytes]]:
    return _corpus(shared_data)


def test_corpus_is_valid(corpus: list[tuple[str, bytes]]) -> None:
    for name, data in corpus:
        assert _only_parse_error(lambda d, n=name: parse_file(n, d), data), name  # type: ignore[misc]


def test_every_truncation_fails(corpus: list[tuple[str, bytes]]) -> None:
    # files are read to the exact length their header declares: any shorter read must be refused
    for name, data in corpus:
        for cut in range(len(data)):
            assert not _only_parse_error(lambda d, n=name: parse_file(n, d), data[:cut]), (name, cut)  # type: ignore[misc]


def test_single_byte_mutations_near_headers(corpus: list[tuple[str, bytes]]) -> None:
    # every position of the first 160 bytes (all headers of the small files, the CBEFF/19794 headers of DG2)
    for name, data in corpus:
        for pos in range(min(len(data), 160)):
            for value in (0x00, 0x7F, 0x80, 0x81, 0x84, 0xFF, data[pos] ^ 0x01):
                mutated = data[:pos] + bytes([value]) + data[pos + 1 :]
                _only_parse_error(lambda d, n=name: parse_file(n, d), mutated)  # type: ignore[misc]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(0, 10_000), pos=st.integers(0, 1 << 16), value=st.integers(0, 255))
def test_random_single_byte_mutations(
    corpus: list[tuple[str, bytes]], index: int, pos: int, value: int
) -> None:
    name, data = corpus[index % len(corpus)]
    pos %= len(data)
    _only_parse_error(lambda d: parse_file(name, d), data[:pos] + bytes([value]) + data[pos + 1 :])


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(sorted(PARSERS)), data=st.binary(max_size=300))
def test_random_bytes(name: str, data: bytes) -> None:
    _only_parse_error(PARSERS[name], data)
    _only_parse_error(lambda d: parse_file(name, d), data)


_TAG_FOR = {
    "COM": 0x60, "CardAccess": 0x31, "DG1": 0x61, "DG2": 0x75, "DG13": 0x6D, "DG14": 0x6E, "DG15": 0x6F,
}


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(PARSERS)), body=st.binary(max_size=200), depth=st.integers(0, 3))
def test_random_bytes_behind_the_right_tag(name: str, body: bytes, depth: int) -> None:
    # random content wrapped in plausible headers reaches the inner parsers rather than failing at byte 0
    inner_tags = {"DG1": [0x5F1F], "DG2": [0x7F61, 0x7F60, 0x5F2E], "DG13": [0x30, 0x31, 0x30],
                  "DG14": [0x31, 0x30], "DG15": [0x30, 0x30], "CardAccess": [0x30], "COM": [0x5F01]}[name]
    for tag in reversed(inner_tags[:depth]):
        body = _wrap(tag, body)
    _only_parse_error(PARSERS[name], _wrap(_TAG_FOR[name], body))


def _wrap(tag: int, value: bytes) -> bytes:
    from nfc.lds.tlv import encode_tlv

    return encode_tlv(tag, value)


@pytest.mark.parametrize(
    "header",
    ["6D847FFFFFFF", "7584FFFFFFFF", "758400FFFFFF7F61", "6E83FFFFFF31", "6183FFFFFF5F1F", "31847FFFFFFF"],
)
def test_absurd_declared_lengths(header: str) -> None:
    data = bytes.fromhex(header) + bytes(32)
    tracemalloc.start()
    try:
        for parser in PARSERS.values():
            assert not _only_parse_error(parser, data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000  # nothing sized by the declared length
    assert header_length_of(data)[1] > len(data)
    with pytest.raises(ParseError):
        read_tlv(data)


def test_unknown_file_name() -> None:
    with pytest.raises(ParseError):
        parse_file("DG99", b"\x61\x00")


@pytest.mark.slow
@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(0, 10_000), edits=st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)),
                                                    min_size=1, max_size=4))
def test_many_multi_byte_mutations(
    corpus: list[tuple[str, bytes]], index: int, edits: list[tuple[int, int]]
) -> None:
    name, data = corpus[index % len(corpus)]
    mutated = bytearray(data)
    for pos, value in edits:
        mutated[pos % len(mutated)] = value
    _only_parse_error(lambda d: parse_file(name, d), bytes(mutated))
