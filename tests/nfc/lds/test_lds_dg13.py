"""DG13 (Vietnamese personal data, cccd-chip.md §7): layout, field-13 variants, 15/16 classification."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nfc.errors import ParseError
from nfc.lds.dg13 import VietnamPersonalData, build_dg13, parse_dg13
from nfc.lds.parse import parse_file

# synthetic values only (cccd-chip.md §7 / §9 examples)
PERSON = VietnamPersonalData(
    id_number="001090000001",
    full_name="NGUYỄN VĂN A",
    date_of_birth="01/01/1990",
    sex="Nam",
    nationality="Việt Nam",
    ethnicity="Kinh",
    religion="Không",
    place_of_origin="Xã Đông Phương, Huyện Đông Hưng, Thái Bình",
    place_of_residence="Số 1 Phố X, Phường Y, Quận Z, Hà Nội, " * 4,  # > 128 bytes: long-form length
    identifying_marks="Nốt ruồi C:1cm trên sau đầu mày trái",
    issue_date="15/04/2021",
    expiry_date="01/01/2030",
    parents=("NGUYỄN VĂN B", "TRẦN THỊ C"),
    spouse_name=None,
    old_id_number="123456789",
)


def _tlv(tag: int, value: bytes) -> bytes:
    # independent tiny DER writer so the fixtures do not come from the code under test
    if len(value) < 0x80:
        return bytes([tag]) + bytes([len(value)]) + value
    if len(value) < 0x100:
        return bytes([tag, 0x81, len(value)]) + value
    return bytes([tag, 0x82]) + len(value).to_bytes(2, "big") + value


def _dg13(*fields: bytes) -> bytes:
    header = bytes.fromhex("020101" "060628D316010008")
    return _tlv(0x6D, _tlv(0x30, header + _tlv(0x31, b"".join(fields))))


def _field(n: int, *values: bytes) -> bytes:
    return _tlv(0x30, bytes([0x02, 0x01, n]) + b"".join(values))


def _utf8(text: str) -> bytes:
    return _tlv(0x0C, text.encode())


def _printable(text: str) -> bytes:
    return _tlv(0x13, text.encode())


def test_build_matches_khoa288_offsets() -> None:
    # khoa288/id-chip-reader reads the ID at byte 30 and the name at byte 49 of a real card's DG13
    data = build_dg13(PERSON)
    assert data[:2] == b"\x6d\x82" and data[4:6] == b"\x30\x82"
    assert data[8:19] == bytes.fromhex("020101" "060628D316010008")
    assert data[30:42] == b"001090000001"
    assert data[49:49 + len(PERSON.full_name.encode())] == PERSON.full_name.encode()  # type: ignore[union-attr]
    assert bytes.fromhex("3003" "02010E") in data  # empty spouse form


def test_round_trip() -> None:
    parsed = parse_dg13(build_dg13(PERSON))
    assert parsed == PERSON
    assert (parsed.father_name, parsed.mother_name) == ("NGUYỄN VĂN B", "TRẦN THỊ C")
    assert parsed.card_serial is None and parsed.spouse_name is None


def test_hand_built_card_layout() -> None:
    address = "Thôn Đoài, Xã Nam Hồng, Huyện Đông Anh, Thành phố Hà Nội; " * 3
    data = _dg13(
        _field(1, _printable("079203000002")),
        _field(2, _utf8("LÊ THỊ HỒNG NHUNG")),
        _field(3, _printable("02/09/2003")),
        _field(4, _utf8("Nữ")),
        _field(9, _utf8(address)),
        _field(12, _utf8("Không thời hạn")),
        _field(13, _tlv(0x30, _utf8("LÊ VĂN D")), _tlv(0x30, _utf8("PHẠM THỊ E"))),
        _field(14, _tlv(0x30, _utf8("TRƯƠNG VĂN F"))),
        _field(16, _printable("0123ABCD4567EF89")),
        _field(21, _utf8("O+")),  # a future field (e.g. blood group on 2024 cards)
    )
    person = parse_dg13(data)
    assert person.id_number == "079203000002"
    assert person.full_name == "LÊ THỊ HỒNG NHUNG"
    assert person.sex == "Nữ" and person.place_of_residence == address
    assert person.expiry_date == "Không thời hạn"
    assert person.parents == ("LÊ VĂN D", "PHẠM THỊ E")
    assert person.spouse_name == "TRƯƠNG VĂN F"
    assert person.card_serial == "0123ABCD4567EF89" and person.old_id_number is None
    assert person.nationality is None and person.issue_date is None  # absent fields tolerated
    assert dict(person.unknown_fields) == {21: _field(21, _utf8("O+"))}
    # unknown fields survive a rebuild
    assert parse_dg13(build_dg13(person)).unknown_fields == person.unknown_fields


def test_field13_single_sequence_variant() -> None:
    # NghiaLio models field 13 as one SEQUENCE holding both names
    data = _dg13(_field(13, _tlv(0x30, _utf8("CHA") + _utf8("MẸ"))), _field(14))
    person = parse_dg13(data)
    assert (person.father_name, person.mother_name, person.spouse_name) == ("CHA", "MẸ", None)


@pytest.mark.parametrize(
    ("f15", "f16", "old", "serial", "unknown"),
    [
        ("123456789", None, "123456789", None, set()),
        (None, "123456789", "123456789", None, set()),  # the profiles that put the CMND in 16
        ("123456789", "0123ABCD4567EF89", "123456789", "0123ABCD4567EF89", set()),
        ("GPLX 123", None, None, None, {15}),  # "another document": kept raw
    ],
)
def test_old_id_classified_by_pattern(
    f15: str | None, f16: str | None, old: str | None, serial: str | None, unknown: set[int]
) -> None:
    fields = [_field(1, _printable("001090000001"))]
    if f15 is not None:
        fields.append(_field(15, _printable(f15)))
    if f16 is not None:
        fields.append(_field(16, _printable(f16)))
    person = parse_dg13(_dg13(*fields))
    assert (person.old_id_number, person.card_serial, set(person.unknown_fields)) == (old, serial, unknown)


def test_unexpected_shapes_kept_not_fatal() -> None:
    structured_address = _field(9, _tlv(0x30, _utf8("Phường Y") + _utf8("Hà Nội")))  # no card is known to do this
    person = parse_dg13(_dg13(_field(1, _printable("001090000001")), _field(2), structured_address))
    assert person.id_number == "001090000001"
    assert person.full_name is None  # the empty form reads as absent
    assert person.place_of_residence is None
    assert dict(person.unknown_fields) == {9: structured_address}
    assert parse_dg13(build_dg13(person)).unknown_fields == person.unknown_fields


def test_text_is_nfc_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "NGUYỄN VĂN A")
    person = parse_dg13(_dg13(_field(2, _utf8(decomposed))))
    assert person.full_name == "NGUYỄN VĂN A"


@pytest.mark.parametrize(
    "data",
    [
        _dg13(_field(2, _utf8("A")), _field(2, _utf8("B"))),  # repeated field
        _dg13(_field(2, _tlv(0x0C, b"\xff\xfe"))),  # not UTF-8
        _dg13(_tlv(0x02, b"\x01")),  # field not a SEQUENCE
        _tlv(0x6D, _tlv(0x30, bytes.fromhex("020101"))),  # no SET
        _tlv(0x6C, b""),  # wrong tag
        bytes.fromhex("6D847FFFFFFF3000"),  # absurd length
    ],
)
def test_malformed_rejected(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_dg13(data)


def test_repr_masked() -> None:
    text = repr(PERSON)
    for secret in ("001090000001", "NGUYỄN", "1990", "Hà Nội", "123456789"):
        assert secret not in text


_vn_text = st.text(
    alphabet=st.characters(codec="utf-8", blacklist_categories=["Cs"]), max_size=300
).map(lambda s: unicodedata.normalize("NFC", s))
_vn_letters = st.text(
    alphabet="AĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXYàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợ"
    "ùúủũụưừứửữựỳýỷỹỵ ,/",
    max_size=400,
)
_opt = st.none() | _vn_text | _vn_letters


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(_opt, min_size=12, max_size=12),
    parents=st.lists(_vn_letters, max_size=2).map(tuple),
    spouse=st.none() | _vn_letters.filter(bool),
    old=st.none() | st.from_regex(r"[0-9]{9}", fullmatch=True),
    serial=st.none() | st.from_regex(r"[0-9A-F]{16}", fullmatch=True),
)
def test_hypothesis_round_trip(
    values: list[str | None],
    parents: tuple[str, ...],
    spouse: str | None,
    old: str | None,
    serial: str | None,
) -> None:
    names = ("id_number", "full_name", "date_of_birth", "sex", "nationality", "ethnicity", "religion",
             "place_of_origin", "place_of_residence", "identifying_marks", "issue_date", "expiry_date")
    texts: dict[str, Any] = dict(zip(names, values, strict=True))
    base = VietnamPersonalData(parents=parents, spouse_name=spouse, old_id_number=old, card_serial=serial)
    person = replace(base, **texts)
    assert parse_dg13(build_dg13(person)) == person


def test_parse_file_dispatch() -> None:
    assert parse_file("DG13", build_dg13(PERSON)) == PERSON
