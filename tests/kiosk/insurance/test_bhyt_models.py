from __future__ import annotations

import datetime as dt

from kiosk.insurance.codes import InsuranceOutcome
from kiosk.insurance.models import (
    BhytCredentials,
    InsuranceResult,
    parse_gateway_date,
    parse_gateway_timestamp,
)

ANSWER = {
    "maKetQua": "003", "ghiChu": "x", "maThe": "DN4797912345678", "hoTen": "HOÀNG THỊ MAI",
    "ngaySinh": "09/09/1999", "gioiTinh": "Nữ", "diaChi": "Số 1 Đường A", "maDKBD": "79024",
    "cqBHXH": "79", "gtTheTu": "01/01/2024", "gtTheDen": "31/12/2024", "maKV": "K1", "ngayDu5Nam": "bad",
    "maSoBHXH": "7912345678", "maTheCu": "DN4797912345678", "maTheMoi": "DN4797912345679",
    "gtTheTuMoi": "01/01/2025", "gtTheDenMoi": "31/12/2025", "maDKBDMoi": "79025", "tenDKBDMoi": "BV B",
    "dsLichSuKCB2018": [{"maHoSo": "1", "maCSKCB": "79024", "ngayVao": "202401021030", "ngayRa": "",
                         "tenBenh": "secret diagnosis", "tinhTrang": "1", "kqDieuTri": "2", "lyDoVV": "1"},
                        "junk"],
    "dsLichSuKT2018": [{"userKT": "u1", "thoiGianKT": "20240102103011"}],
}


def test_parse_full_answer_and_new_card_fields() -> None:
    result = InsuranceResult.from_gateway(ANSWER)
    assert result.outcome is InsuranceOutcome.NEW_CARD_OLD_EXPIRED
    assert result.valid_to == dt.date(2024, 12, 31)
    assert result.five_years_date is None  # garbage date → None, not an exception
    assert result.has_new_card
    assert result.effective_card_number == "DN4797912345679"
    assert result.effective_valid_to == dt.date(2025, 12, 31)
    assert result.effective_facility == "79025"
    assert len(result.visits) == 1 and result.visits[0].admitted == dt.datetime(2024, 1, 2, 10, 30)
    assert result.visits[0].discharged is None
    assert result.checks[0].checked_at == dt.datetime(2024, 1, 2, 10, 30, 11)
    assert result.raw()["hoTen"] == "HOÀNG THỊ MAI"  # raw answer kept for storage with the visit


def test_repr_is_masked() -> None:
    result = InsuranceResult.from_gateway(ANSWER)
    text = repr(result) + str(result)
    for secret in ("HOÀNG", "09/09/1999", "Số 1", "DN479791234567", "secret diagnosis"):
        assert secret not in text
    assert "5679" in text  # last digits of the effective card only


def test_error_answer_has_empty_fields() -> None:
    result = InsuranceResult.from_gateway({"maKetQua": "050", "ghiChu": "none", "dsLichSuKCB2018": "x"})
    assert result.outcome is InsuranceOutcome.NOT_FOUND
    assert result.card_number == "" and result.valid_to is None and result.visits == ()


def test_credentials_repr_hides_secrets() -> None:
    creds = BhytCredentials("user1", "p4ssw0rd", "NGUYỄN CÁN BỘ", "079080000999")
    text = repr(creds)
    assert "p4ssw0rd" not in text and "079080000999" not in text and "NGUYỄN" not in text


def test_date_parsers_reject_garbage() -> None:
    assert parse_gateway_date("31/02/2024") is None
    assert parse_gateway_date(None) is None
    assert parse_gateway_date("01/02/2024") == dt.date(2024, 2, 1)
    assert parse_gateway_timestamp("2024") is None
