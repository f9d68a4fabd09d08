"""MRZ parsing and formatting, incl. the CCCD TD1 of cccd-chip.md §3 and icao-vectors.md §11."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nfc.errors import InvalidKeyInputError, ParseError
from nfc.lds.dg1 import build_dg1, parse_dg1
from nfc.lds.mrz import format_cccd_td1, format_td1, format_td3, parse_mrz, to_mrz_name
from nfc.lds.parse import parse_file
from nfc.mrzcheck import check_digit

# cccd-chip.md §3, synthetic example (values invented, check digits computed by the notes' author)
CCCD_EXAMPLE = (
    "IDVNM0900000018001090000001<<9",
    "9001011M3001019VNM<<<<<<<<<<<6",
    "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<",
)
# ICAO 9303-5 Appendix A TD1 specimen with a 12-character document number
ICAO_TD1_LONG = (
    "I<UTOD23145890<7349<<<<<<<<<<<",
    "3407127M9507122UTO<<<<<<<<<<<2",
    "STEVENSON<<PETER<JOHN<<<<<<<<<",
)
# ICAO 9303-4 Appendix B TD3 specimen
ICAO_TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)


def test_cccd_example_is_reproduced() -> None:
    lines = format_cccd_td1("001090000001", "900101", "M", "300101", "Nguyễn", "Văn A")
    assert lines == CCCD_EXAMPLE


def test_icao_vectors_11_line1() -> None:
    assert format_cccd_td1("001200012345", "900101", "M", "300101", "X", "Y")[0] == (
        "IDVNM2000123457001200012345<<8"
    )


def test_cccd_example_parses() -> None:
    mrz = parse_mrz("\n".join(CCCD_EXAMPLE))
    assert mrz.format == "TD1"
    assert (mrz.document_code, mrz.issuing_state, mrz.nationality) == ("ID", "VNM", "VNM")
    assert mrz.document_number == "090000001"
    assert mrz.cccd_id_number == "001090000001"
    assert mrz.optional_data == "001090000001<<9"
    assert (mrz.date_of_birth, mrz.sex, mrz.date_of_expiry) == ("900101", "M", "300101")
    assert (mrz.surname, mrz.given_names) == ("NGUYEN", "VAN A")
    assert dict(mrz.check_digits_valid) == {
        "document_number": True, "date_of_birth": True, "date_of_expiry": True, "composite": True,
        "cccd_id_number": True,
    }
    assert not mrz.lifetime
    # BAC key input of cccd-chip.md §4 (synthetic example)
    assert mrz.access_key().mrz_information() == "090000001890010113001019"


def test_concatenated_equals_lines() -> None:
    assert parse_mrz("".join(CCCD_EXAMPLE)) == parse_mrz("\r\n".join(CCCD_EXAMPLE) + "\n")


def test_lifetime_card() -> None:
    lines = format_cccd_td1("001055000001", "550101", "F", "991231", "Trần", "Thị B")
    mrz = parse_mrz("".join(lines))
    assert mrz.lifetime and mrz.all_check_digits_valid and mrz.sex == "F"


def test_icao_td1_long_document_number() -> None:
    mrz = parse_mrz("\n".join(ICAO_TD1_LONG))
    assert mrz.document_number == "D23145890734"
    assert mrz.optional_data == ""
    assert mrz.all_check_digits_valid
    assert mrz.cccd_id_number is None
    rebuilt = format_td1(
        document_code="I", issuing_state="UTO", document_number="D23145890734", date_of_birth="340712",
        sex="M", date_of_expiry="950712", nationality="UTO", surname="STEVENSON", given_names="PETER JOHN",
    )
    assert rebuilt == ICAO_TD1_LONG


def test_icao_td3() -> None:
    mrz = parse_mrz("\n".join(ICAO_TD3))
    assert (mrz.format, mrz.document_number, mrz.optional_data) == ("TD3", "L898902C3", "ZE184226B")
    assert (mrz.surname, mrz.given_names, mrz.sex) == ("ERIKSSON", "ANNA MARIA", "F")
    assert dict(mrz.check_digits_valid) == dict.fromkeys(
        ("document_number", "date_of_birth", "date_of_expiry", "optional_data", "composite"), True
    )
    assert format_td3(
        document_code="P", issuing_state="UTO", document_number="L898902C3", date_of_birth="740812",
        sex="F", date_of_expiry="120415", nationality="UTO", surname="ERIKSSON", given_names="ANNA MARIA",
        personal_number="ZE184226B",
    ) == ICAO_TD3


def test_td2() -> None:
    # ICAO 9303-6 Appendix A TD2 specimen
    mrz = parse_mrz("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6")
    assert (mrz.format, mrz.document_number, mrz.date_of_birth) == ("TD2", "D23145890", "740812")
    assert mrz.all_check_digits_valid


def test_bad_check_digits_are_reported_not_raised() -> None:
    broken = CCCD_EXAMPLE[0][:14] + "0" + CCCD_EXAMPLE[0][15:]
    mrz = parse_mrz("\n".join((broken, *CCCD_EXAMPLE[1:])))
    assert mrz.check_digits_valid["document_number"] is False
    assert mrz.check_digits_valid["composite"] is False
    assert mrz.check_digits_valid["date_of_birth"] is True


@pytest.mark.parametrize(
    "text",
    ["", "IDVNM", "x" * 90, "A" * 89, "\n".join(CCCD_EXAMPLE[:2]), "\n".join((*CCCD_EXAMPLE, "<" * 30)),
     CCCD_EXAMPLE[0] + "\n" + ICAO_TD3[1] + "\n" + CCCD_EXAMPLE[2], "idvnm" + "<" * 85],
)
def test_rejects_non_mrz(text: str) -> None:
    with pytest.raises(ParseError):
        parse_mrz(text)


def test_repr_is_masked() -> None:
    text = repr(parse_mrz("\n".join(CCCD_EXAMPLE)))
    for secret in ("001090000001", "090000001", "900101", "NGUYEN"):
        assert secret not in text


def test_access_key_rejects_unknown_dates() -> None:
    lines = format_td3(document_code="P", issuing_state="UTO", document_number="X1", date_of_birth="74<<<<",
                       sex="X", date_of_expiry="120415", nationality="UTO", surname="A", given_names="B")
    with pytest.raises(InvalidKeyInputError):
        parse_mrz("".join(lines)).access_key()


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Nguyễn Văn A", "NGUYEN<VAN<A"), ("ĐẶNG THỊ ĐÀO", "DANG<THI<DAO"), ("  Lê  Hữu-Phước ", "LE<HUU<PHUOC"),
     ("Ngô Bảo Châu", "NGO<BAO<CHAU"), ("Ư Ơ Ă Â Ê Ô", "U<O<A<A<E<O")],
)
def test_to_mrz_name(name: str, expected: str) -> None:
    assert to_mrz_name(name) == expected


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_dates = st.from_regex(r"[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])", fullmatch=True)
_names = st.from_regex(r"[A-Z]{1,8}( [A-Z]{1,8}){0,2}", fullmatch=True)


@given(
    id_number=st.from_regex(r"[0-9]{12}", fullmatch=True), dob=_dates, doe=_dates | st.just("991231"),
    sex=st.sampled_from("MF"), surname=_names, given_names=_names,
)
def test_cccd_round_trip(
    id_number: str, dob: str, doe: str, sex: str, surname: str, given_names: str
) -> None:
    lines = format_cccd_td1(id_number, dob, sex, doe, surname, given_names)
    assert [len(line) for line in lines] == [30, 30, 30]
    mrz = parse_mrz("\n".join(lines))
    assert mrz.cccd_id_number == id_number
    assert mrz.document_number == id_number[3:]
    assert (mrz.date_of_birth, mrz.date_of_expiry, mrz.sex) == (dob, doe, sex)
    assert mrz.all_check_digits_valid
    assert mrz.lines[0][29] == check_digit(id_number)
    assert mrz.access_key().mrz_information()[:10] == id_number[3:] + check_digit(id_number[3:])
    if len(f"{surname}<<{given_names}") <= 30:
        assert (mrz.surname, mrz.given_names) == (surname, given_names)


@given(
    number=st.text(_ALNUM, min_size=1, max_size=14), optional=st.text(_ALNUM, max_size=3),
    optional_2=st.text(_ALNUM, max_size=11), dob=_dates, doe=_dates, sex=st.sampled_from("MFX"),
    state=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=3),
)
def test_td1_round_trip(number: str, optional: str, optional_2: str, dob: str, doe: str, sex: str,
                        state: str) -> None:
    lines = format_td1(
        document_code="I", issuing_state=state, document_number=number, date_of_birth=dob, sex=sex,
        date_of_expiry=doe, nationality=state, surname="DOE", given_names="JANE", optional_data=optional,
        optional_data_2=optional_2,
    )
    mrz = parse_mrz("".join(lines))
    assert mrz.document_number == number
    assert (mrz.optional_data, mrz.optional_data_2) == (optional, optional_2)
    assert (mrz.issuing_state, mrz.date_of_birth, mrz.date_of_expiry, mrz.sex) == (state, dob, doe, sex)
    assert mrz.all_check_digits_valid


@given(
    number=st.text(_ALNUM, min_size=1, max_size=9), personal=st.text(_ALNUM, max_size=14), dob=_dates,
    doe=_dates, sex=st.sampled_from("MFX"), surname=_names, given_names=_names,
)
def test_td3_round_trip(number: str, personal: str, dob: str, doe: str, sex: str, surname: str,
                        given_names: str) -> None:
    lines = format_td3(
        document_code="P", issuing_state="VNM", document_number=number, date_of_birth=dob, sex=sex,
        date_of_expiry=doe, nationality="VNM", surname=surname, given_names=given_names,
        personal_number=personal,
    )
    mrz = parse_mrz("\n".join(lines))
    assert (mrz.document_number, mrz.optional_data, mrz.sex) == (number, personal, sex)
    if len(f"{surname}<<{given_names}") <= 39:
        assert (mrz.surname, mrz.given_names) == (surname, given_names)
    else:  # cut at the field width
        assert lines[0][5:] == f"{surname}<<{given_names}".replace(" ", "<")[:39]
    assert mrz.all_check_digits_valid


@given(st.text(max_size=100))
def test_random_text_only_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_mrz(text)


def test_cccd_dg1_round_trip() -> None:
    data = build_dg1(CCCD_EXAMPLE)
    assert data[:5] == bytes.fromhex("615D5F1F5A")  # 61 L 5F1F 90
    mrz = parse_dg1(data)
    assert mrz.cccd_id_number == "001090000001" and mrz.lines == CCCD_EXAMPLE
    assert parse_file("DG1", data) == mrz
