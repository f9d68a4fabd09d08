"""Cross-checks between what the chip says in two places (DG1 MRZ vs DG13), the key the reader was
given (CAN or MRZ fields), and the card's QR code when scanned.

A genuine card is consistent with itself; a card whose DG13 was swapped from another person's (with a
valid SOD) or a QR taped over the printed one shows up here. Each mismatch has its own reason code
(``crosscheck:dob``, ``crosscheck:can``, ...). Values are plain strings so callers need no parser
types; results carry no personal data, only which fields disagreed.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from nfc.verify.report import StepResult, StepStatus

LIFETIME_MRZ_EXPIRY = "991231"  # "Không thời hạn" cards (cccd-chip §3, §10)


@dataclass(frozen=True, repr=False)
class MrzValues:
    """From DG1. Dates YYMMDD, sex M/F/<."""

    document_number: str | None = None
    optional_data: str | None = None
    date_of_birth: str | None = None
    sex: str | None = None
    date_of_expiry: str | None = None
    surname: str | None = None
    given_names: str | None = None

    def __repr__(self) -> str:
        return "MrzValues(<masked>)"


@dataclass(frozen=True, repr=False)
class PersonalValues:
    """From DG13 (or the QR). Dates dd/mm/yyyy (QR: ddmmyyyy), sex Nam/Nữ, expiry may be text."""

    id_number: str | None = None
    full_name: str | None = None
    date_of_birth: str | None = None
    sex: str | None = None
    date_of_expiry: str | None = None

    def __repr__(self) -> str:
        return "PersonalValues(<masked>)"


@dataclass(frozen=True, repr=False)
class KeyValues:
    """The key the reader opened the chip with: a CAN, or MRZ key fields (dates YYMMDD)."""

    can: str | None = None
    document_number: str | None = None
    date_of_birth: str | None = None
    date_of_expiry: str | None = None

    def __repr__(self) -> str:
        return "KeyValues(<masked>)"


# --- adapters from the parser types (duck-typed, so this module does not depend on them) ----------
def mrz_values(mrz: Any) -> MrzValues:
    return MrzValues(
        mrz.document_number,
        mrz.optional_data,
        mrz.date_of_birth,
        mrz.sex,
        mrz.date_of_expiry,
        mrz.surname,
        mrz.given_names,
    )


def personal_values(dg13: Any) -> PersonalValues:
    return PersonalValues(dg13.id_number, dg13.full_name, dg13.date_of_birth, dg13.sex, dg13.expiry_date)


def key_values(key: Any) -> KeyValues:
    if hasattr(key, "can"):
        return KeyValues(can=key.can)
    return KeyValues(
        None,
        getattr(key, "document_number", None),
        getattr(key, "date_of_birth", None),
        getattr(key, "date_of_expiry", None),
    )


def qr_values(text: str) -> PersonalValues:
    """The CCCD QR: ``id|old id|name|ddmmyyyy|sex|address|issue date[|extra…]`` (cccd-chip §9)."""
    parts = text.strip().split("|")
    if len(parts) < 5:
        return PersonalValues()
    return PersonalValues(parts[0] or None, parts[2] or None, parts[3] or None, parts[4] or None, None)


# --- normalisation ----------------------------------------------------------------------------------
def fold_name(name: str) -> str:
    """Vietnamese name → MRZ alphabet: Đ→D, no diacritics, A-Z, words joined by '<'."""
    text = name.replace("Đ", "D").replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).upper()
    return "<".join(re.sub(r"[^A-Z ]", "", re.sub(r"[\s\-<]+", " ", text)).split())


def _mrz_name(surname: str, given: str) -> str:
    return "<".join(p for p in (fold_name(surname), fold_name(given)) if p)


def _yymmdd(date: str) -> str | None:
    """dd/mm/yyyy, dd-mm-yyyy or ddmmyyyy → YYMMDD; None if not a date."""
    digits = re.sub(r"[/.\-\s]", "", date)
    if not re.fullmatch(r"\d{8}", digits):
        return None
    return digits[6:8] + digits[2:4] + digits[0:2]


def _sex(value: str) -> str | None:
    folded = fold_name(value)
    return {"M": "M", "NAM": "M", "MALE": "M", "F": "F", "NU": "F", "FEMALE": "F"}.get(folded)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# --- the checks -----------------------------------------------------------------------------------
def _step(field: str, result: bool | None, what: str) -> StepResult:
    name = f"crosscheck:{field}"
    if result is None:
        return StepResult(name, StepStatus.NOT_CHECKED, f"{what}: value missing", "missing")
    if result:
        return StepResult(name, StepStatus.PASSED, what)
    return StepResult(name, StepStatus.FAILED, f"{what}: mismatch", name)


def _id_from_mrz(mrz: MrzValues) -> str | None:
    if mrz.optional_data and re.fullmatch(r"\d{12}", mrz.optional_data[:12]):
        return mrz.optional_data[:12]
    return None


def check_id(mrz: MrzValues | None, dg13: PersonalValues | None) -> StepResult:
    if mrz is None or dg13 is None or not dg13.id_number or not mrz.document_number:
        return _step("id-number", None, "ID number DG1 vs DG13")
    full = _id_from_mrz(mrz)
    ok = _same(mrz.document_number, dg13.id_number[3:]) and (full is None or _same(full, dg13.id_number))
    return _step("id-number", ok, "ID number DG1 vs DG13")


def check_name(mrz: MrzValues | None, dg13: PersonalValues | None) -> StepResult:
    if mrz is None or dg13 is None or not dg13.full_name or mrz.surname is None:
        return _step("name", None, "name DG1 vs DG13")
    words = fold_name(dg13.full_name).split("<")
    chip = _mrz_name(words[0], " ".join(words[1:])) if words and words[0] else ""
    printed = _mrz_name(mrz.surname, mrz.given_names or "")
    # Compare letters only: issuers differ in where they put '<' between given names (and so does
    # the truncation at 30 characters); the letters themselves must agree.
    chip, printed = chip.replace("<", ""), printed.replace("<", "")
    ok = bool(printed) and (chip == printed or (len(printed) >= 20 and chip.startswith(printed)))
    return _step("name", ok, "name DG1 vs DG13 (without diacritics)")


def check_dob(mrz: MrzValues | None, dg13: PersonalValues | None) -> StepResult:
    if mrz is None or dg13 is None or not mrz.date_of_birth or not dg13.date_of_birth:
        return _step("dob", None, "date of birth DG1 vs DG13")
    converted = _yymmdd(dg13.date_of_birth)
    return _step("dob", converted is not None and _same(converted, mrz.date_of_birth), "date of birth DG1 vs DG13")


def check_sex(mrz: MrzValues | None, dg13: PersonalValues | None) -> StepResult:
    if mrz is None or dg13 is None or not mrz.sex or not dg13.sex:
        return _step("sex", None, "sex DG1 vs DG13")
    return _step("sex", _sex(mrz.sex) is not None and _sex(mrz.sex) == _sex(dg13.sex), "sex DG1 vs DG13")


def check_expiry(mrz: MrzValues | None, dg13: PersonalValues | None) -> StepResult:
    if mrz is None or dg13 is None or not mrz.date_of_expiry or not dg13.date_of_expiry:
        return _step("expiry", None, "expiry DG1 vs DG13")
    converted = _yymmdd(dg13.date_of_expiry)
    if converted is None:  # text such as "Không thời hạn": a lifetime card, MRZ 991231
        ok = mrz.date_of_expiry == LIFETIME_MRZ_EXPIRY and "THOI<HAN" in fold_name(dg13.date_of_expiry)
    else:
        ok = _same(converted, mrz.date_of_expiry)
    return _step("expiry", ok, "expiry DG1 vs DG13")


def check_key(key: KeyValues | None, mrz: MrzValues | None, dg13: PersonalValues | None) -> list[StepResult]:
    if key is None:
        return []
    card_id = (dg13.id_number if dg13 else None) or (_id_from_mrz(mrz) if mrz else None)
    if key.can is not None:
        if not card_id:
            return [_step("can", None, "CAN vs ID number")]
        return [_step("can", _same(key.can, card_id[-6:]), "CAN vs last 6 digits of the ID number")]
    if mrz is None:
        return [_step("mrz-key", None, "MRZ key vs DG1")]
    pairs = [
        (key.document_number, mrz.document_number),
        (key.date_of_birth, mrz.date_of_birth),
        (key.date_of_expiry, mrz.date_of_expiry),
    ]
    ok = all(a is not None and b is not None and _same(a.replace("<", ""), b.replace("<", "")) for a, b in pairs)
    return [_step("mrz-key", ok, "MRZ key fields vs DG1")]


def check_qr(qr: PersonalValues | None, dg13: PersonalValues | None) -> list[StepResult]:
    if qr is None:
        return []
    if dg13 is None:
        return [_step("qr", None, "QR vs DG13")]
    steps = []
    if qr.id_number and dg13.id_number:
        steps.append(_step("qr-id-number", _same(qr.id_number, dg13.id_number), "QR ID number vs DG13"))
    if qr.full_name and dg13.full_name:
        steps.append(_step("qr-name", fold_name(qr.full_name) == fold_name(dg13.full_name), "QR name vs DG13"))
    if qr.date_of_birth and dg13.date_of_birth:
        a, b = _yymmdd(qr.date_of_birth), _yymmdd(dg13.date_of_birth)
        steps.append(_step("qr-dob", a is not None and a == b, "QR date of birth vs DG13"))
    if qr.sex and dg13.sex:
        steps.append(_step("qr-sex", _sex(qr.sex) is not None and _sex(qr.sex) == _sex(dg13.sex), "QR sex vs DG13"))
    return steps


def crosscheck(
    mrz: MrzValues | None,
    dg13: PersonalValues | None,
    *,
    key: KeyValues | None = None,
    qr: PersonalValues | None = None,
) -> tuple[StepResult, ...]:
    """Every cross-check that the given values allow. Missing values → NOT_CHECKED steps."""
    steps = [
        check_id(mrz, dg13),
        check_name(mrz, dg13),
        check_dob(mrz, dg13),
        check_sex(mrz, dg13),
        check_expiry(mrz, dg13),
    ]
    steps += check_key(key, mrz, dg13)
    steps += check_qr(qr, dg13)
    return tuple(steps)
