"""Values of the BHYT look-up: the kiosk's gateway credentials and the parsed card-check answer.

Everything holding personal data has a masked ``repr``; nothing here logs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kiosk.insurance.codes import CodeInfo, InsuranceOutcome, outcome_for_code


@dataclass(frozen=True)
class BhytCredentials:
    """The facility's gateway account and the registered officer every look-up is made under (CV 1923/2024).

    ``password`` is the plain secret from the secret store; it is sent only as its MD5 hex digest (a BHXH
    requirement, not a security measure). ``md5_uppercase`` exists because sources disagree on the hex case.
    """

    username: str
    password: str = field(repr=False)
    officer_name: str = field(repr=False)  # hoTenCb, with diacritics as registered
    officer_id_number: str = field(repr=False)  # cccdCb, must be on the facility's registered list
    md5_uppercase: bool = False

    def __repr__(self) -> str:
        return f"BhytCredentials(username={self.username!r}, password=***, officer=***)"


def _mask(value: str, keep: int = 4) -> str:
    return "*" * max(len(value) - keep, 0) + value[-keep:] if value else ""


def parse_gateway_date(text: object) -> dt.date | None:
    """``dd/mm/yyyy`` → date; anything else (missing, ``yyyy`` only, garbage) → None, never an exception."""
    if not isinstance(text, str):
        return None
    try:
        return dt.datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


def parse_gateway_timestamp(text: object) -> dt.datetime | None:
    """``yyyyMMddHHmm`` or ``yyyyMMddHHmmss`` (history lists) → naive local datetime, else None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    # By length: strptime alone would read 12 digits as "HHMMS" + one-digit seconds.
    fmt = {12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}.get(len(text))
    if fmt is None or not text.isdigit():
        return None
    try:
        return dt.datetime.strptime(text, fmt)
    except ValueError:
        return None


def _s(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class VisitRecord:
    """One entry of ``dsLichSuKCB2018`` (earlier visits)."""

    record_id: str  # maHoSo
    facility_code: str  # maCSKCB
    admitted: dt.datetime | None  # ngayVao
    discharged: dt.datetime | None  # ngayRa
    diagnosis: str = field(repr=False)  # tenBenh (health data)
    discharge_status: str  # tinhTrang
    treatment_result: str  # kqDieuTri
    admission_reason: str  # lyDoVV

    @classmethod
    def from_gateway(cls, data: Mapping[str, Any]) -> VisitRecord:
        return cls(_s(data, "maHoSo"), _s(data, "maCSKCB"), parse_gateway_timestamp(data.get("ngayVao")),
                   parse_gateway_timestamp(data.get("ngayRa")), _s(data, "tenBenh"), _s(data, "tinhTrang"),
                   _s(data, "kqDieuTri"), _s(data, "lyDoVV"))


@dataclass(frozen=True)
class CheckRecord:
    """One entry of ``dsLichSuKT2018``: who checked this card and when (flags double check-ins)."""

    checked_by: str  # userKT
    checked_at: dt.datetime | None  # thoiGianKT

    @classmethod
    def from_gateway(cls, data: Mapping[str, Any]) -> CheckRecord:
        return cls(_s(data, "userKT"), parse_gateway_timestamp(data.get("thoiGianKT")))


@dataclass(frozen=True)
class InsuranceResult:
    """The gateway's card-check answer, parsed. ``raw_json`` is the response as received (store it with
    the visit, as BHYT rules require); the other fields are conveniences over it."""

    code: str  # maKetQua, normalised to three digits
    outcome: InsuranceOutcome
    note: str  # ghiChu
    card_number: str  # maThe
    full_name: str
    date_of_birth: str  # as returned: dd/mm/yyyy or yyyy
    sex: str
    address: str
    registered_facility: str  # maDKBD
    issuing_office: str  # cqBHXH
    valid_from: dt.date | None  # gtTheTu
    valid_to: dt.date | None  # gtTheDen
    area_code: str  # maKV
    five_years_date: dt.date | None  # ngayDu5Nam
    social_insurance_number: str  # maSoBHXH
    old_card_number: str  # maTheCu
    new_card_number: str  # maTheMoi
    new_valid_from: dt.date | None
    new_valid_to: dt.date | None
    new_registered_facility: str  # maDKBDMoi
    new_registered_facility_name: str  # tenDKBDMoi
    visits: tuple[VisitRecord, ...] = ()
    checks: tuple[CheckRecord, ...] = ()
    raw_json: str = ""

    def __repr__(self) -> str:
        return (f"InsuranceResult(code={self.code!r}, outcome={self.outcome.value}, "
                f"card={_mask(self.effective_card_number)!r}, valid_to={self.effective_valid_to}, "
                f"facility={self.effective_facility!r})")

    __str__ = __repr__

    @property
    def info(self) -> CodeInfo:
        return outcome_for_code(self.code)

    @property
    def has_new_card(self) -> bool:
        return self.outcome in (InsuranceOutcome.NEW_CARD_OLD_EXPIRED, InsuranceOutcome.NEW_CARD_OLD_VALID) \
            and bool(self.new_card_number)

    # For 003/004 the gateway says "use the new card": these pick the right set of fields.
    @property
    def effective_card_number(self) -> str:
        return self.new_card_number if self.has_new_card else self.card_number

    @property
    def effective_valid_from(self) -> dt.date | None:
        return self.new_valid_from if self.has_new_card else self.valid_from

    @property
    def effective_valid_to(self) -> dt.date | None:
        return self.new_valid_to if self.has_new_card else self.valid_to

    @property
    def effective_facility(self) -> str:
        return self.new_registered_facility if self.has_new_card else self.registered_facility

    def raw(self) -> dict[str, Any]:
        """A fresh copy of the raw answer."""
        loaded: dict[str, Any] = json.loads(self.raw_json) if self.raw_json else {}
        return loaded

    @classmethod
    def from_gateway(cls, data: Mapping[str, Any]) -> InsuranceResult:
        """Parse a card-check body. Missing fields become empty strings/None (error answers carry only
        ``maKetQua`` and ``ghiChu``); list fields that are not lists are ignored."""
        info = outcome_for_code(data.get("maKetQua", ""))
        visits_raw = data.get("dsLichSuKCB2018")
        checks_raw = data.get("dsLichSuKT2018")
        visits = tuple(VisitRecord.from_gateway(v) for v in visits_raw if isinstance(v, Mapping)) \
            if isinstance(visits_raw, list) else ()
        checks = tuple(CheckRecord.from_gateway(c) for c in checks_raw if isinstance(c, Mapping)) \
            if isinstance(checks_raw, list) else ()
        return cls(
            code=info.code,
            outcome=info.outcome,
            note=_s(data, "ghiChu"),
            card_number=_s(data, "maThe"),
            full_name=_s(data, "hoTen"),
            date_of_birth=_s(data, "ngaySinh"),
            sex=_s(data, "gioiTinh"),
            address=_s(data, "diaChi"),
            registered_facility=_s(data, "maDKBD"),
            issuing_office=_s(data, "cqBHXH"),
            valid_from=parse_gateway_date(data.get("gtTheTu")),
            valid_to=parse_gateway_date(data.get("gtTheDen")),
            area_code=_s(data, "maKV"),
            five_years_date=parse_gateway_date(data.get("ngayDu5Nam")),
            social_insurance_number=_s(data, "maSoBHXH"),
            old_card_number=_s(data, "maTheCu"),
            new_card_number=_s(data, "maTheMoi"),
            new_valid_from=parse_gateway_date(data.get("gtTheTuMoi")),
            new_valid_to=parse_gateway_date(data.get("gtTheDenMoi")),
            new_registered_facility=_s(data, "maDKBDMoi"),
            new_registered_facility_name=_s(data, "tenDKBDMoi"),
            visits=visits,
            checks=checks,
            raw_json=json.dumps(dict(data), ensure_ascii=False, sort_keys=True),
        )
