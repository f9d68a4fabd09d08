"""Machine Readable Zone (ICAO 9303-4/5/6): parse TD1, TD2, TD3 and build TD1/TD3, incl. the CCCD TD1.

The parser is pure structure: it never fails on a wrong check digit but reports every check in
``check_digits_valid`` (the chip data is protected by the SOD; an OCR'd MRZ is checked by the caller).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from nfc.access.keys import MrzKey
from nfc.errors import ParseError
from nfc.mrzcheck import check_digit, is_valid

_ALLOWED = re.compile(r"[A-Z0-9<]*")
_LAYOUTS = {3: {30: "TD1"}, 2: {36: "TD2", 44: "TD3"}}
_CONCATENATED = {90: ("TD1", 30), 72: ("TD2", 36), 88: ("TD3", 44)}
LIFETIME_EXPIRY = "991231"  # CCCD "Không thời hạn" (cccd-chip.md §3)


@dataclass(frozen=True, repr=False)
class MrzData:
    format: str  # "TD1" | "TD2" | "TD3"
    document_code: str
    issuing_state: str
    document_number: str  # full number, also when longer than 9 characters
    optional_data: str  # trailing fillers removed; for CCCD "<12-digit ID><<<cd>"
    optional_data_2: str  # TD1 line 2 only, else ""
    date_of_birth: str  # YYMMDD (may contain '<' when unknown)
    sex: str  # "M", "F" or "X" (the MRZ filler '<')
    date_of_expiry: str  # YYMMDD
    nationality: str
    surname: str
    given_names: str
    lines: tuple[str, ...]
    check_digits_valid: Mapping[str, bool] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "check_digits_valid", MappingProxyType(dict(self.check_digits_valid)))

    @property
    def all_check_digits_valid(self) -> bool:
        return all(self.check_digits_valid.values())

    @property
    def cccd_id_number(self) -> str | None:
        """The 12-digit ID from the TD1 optional data when the issuer is Vietnam (cccd-chip.md §3)."""
        if self.format != "TD1" or self.issuing_state != "VNM":
            return None
        head = self.optional_data[:12]
        return head if len(head) == 12 and head.isdigit() else None

    @property
    def lifetime(self) -> bool:
        return self.date_of_expiry == LIFETIME_EXPIRY

    def access_key(self) -> MrzKey:
        """BAC / PACE-MRZ key. CCCD: document number = last 9 digits of the 12-digit ID.
        Raises InvalidKeyInputError when the dates are not plain YYMMDD."""
        cccd = self.cccd_id_number
        if cccd is not None:
            return MrzKey.for_cccd(cccd, self.date_of_birth, self.date_of_expiry)
        return MrzKey(self.document_number, self.date_of_birth, self.date_of_expiry)

    def __repr__(self) -> str:
        checks = ", ".join(f"{k}={'ok' if v else 'BAD'}" for k, v in self.check_digits_valid.items())
        return (
            f"MrzData(format={self.format!r}, document_code={self.document_code!r}, "
            f"issuing_state={self.issuing_state!r}, <personal fields masked>, checks=[{checks}])"
        )


# --- parsing ----------------------------------------------------------------------------------------
def _split(text: str) -> tuple[str, list[str]]:
    stripped = text.strip()
    lines = [line.strip() for line in stripped.splitlines() if line.strip()]
    if len(lines) == 1:
        layout = _CONCATENATED.get(len(lines[0]))
        if layout is None:
            raise ParseError("MRZ", f"a single line of {len(lines[0])} characters is not 90, 72 or 88")
        fmt, width = layout
        one = lines[0]
        lines = [one[i : i + width] for i in range(0, len(one), width)]
    else:
        widths = {len(line) for line in lines}
        fmt_or_none = _LAYOUTS.get(len(lines), {}).get(widths.pop()) if len(widths) == 1 else None
        if fmt_or_none is None:
            raise ParseError("MRZ", "line count and lengths match no TD1/TD2/TD3 layout")
        fmt = fmt_or_none
    for number, line in enumerate(lines, 1):
        if not _ALLOWED.fullmatch(line):
            raise ParseError("MRZ", f"line {number} has characters outside A-Z 0-9 <")
    return fmt, lines


def _field(text: str) -> str:
    return text.rstrip("<")


def _names(text: str) -> tuple[str, str]:
    surname, _, given = text.partition("<<")
    return surname.replace("<", " ").strip(), given.replace("<", " ").strip()


def _sex(char: str) -> str:
    return "X" if char == "<" else char


def _long_number(head: str, digit: str, optional: str) -> tuple[str, str, str, str]:
    """TD1/TD2 rule for numbers > 9 characters: the check digit position holds '<', the rest of the
    number and its check digit open the optional data.
    Returns (number, text the check digit covers, check digit, remaining optional data)."""
    if digit != "<" or not optional or optional[0] == "<":
        return _field(head), head, digit, optional
    extension = optional.split("<", 1)[0]
    rest = optional[len(extension) + 1 :]
    return head + extension[:-1], head + extension[:-1], extension[-1], rest


def _checks(pairs: dict[str, tuple[str, str]]) -> dict[str, bool]:
    return {name: is_valid(text, digit) for name, (text, digit) in pairs.items()}


def _parse_td1(lines: list[str]) -> MrzData:
    l1, l2, l3 = lines
    number, number_text, number_cd, optional = _long_number(l1[5:14], l1[14], l1[15:30])
    surname, given = _names(l3)
    checks = _checks(
        {
            "document_number": (number_text, number_cd),
            "date_of_birth": (l2[0:6], l2[6]),
            "date_of_expiry": (l2[8:14], l2[14]),
            "composite": (l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29]),
        }
    )
    if l1[2:5] == "VNM" and l1[15:27].isdigit() and l1[27:29] == "<<":
        checks["cccd_id_number"] = is_valid(l1[15:27], l1[29])
    return MrzData(
        format="TD1", document_code=_field(l1[0:2]), issuing_state=_field(l1[2:5]),
        document_number=number, optional_data=_field(optional), optional_data_2=_field(l2[18:29]),
        date_of_birth=l2[0:6], sex=_sex(l2[7]), date_of_expiry=l2[8:14], nationality=_field(l2[15:18]),
        surname=surname, given_names=given, lines=tuple(lines), check_digits_valid=checks,
    )


def _parse_td2_td3(fmt: str, lines: list[str]) -> MrzData:
    l1, l2 = lines
    surname, given = _names(l1[5:])
    if fmt == "TD2":
        optional_raw = l2[28:35]
        number, number_text, number_cd, optional = _long_number(l2[0:9], l2[9], optional_raw)
        composite = (l2[0:10] + l2[13:20] + l2[21:35], l2[35])
        extra: dict[str, tuple[str, str]] = {}
    else:
        number, number_cd, optional = _field(l2[0:9]), l2[9], l2[28:42]
        number_text = l2[0:9]
        composite = (l2[0:10] + l2[13:20] + l2[21:43], l2[43])
        # an all-filler personal number may carry '<' as its check digit (9303-4 §4.2.2)
        optional_cd = "0" if l2[42] == "<" and _field(optional) == "" else l2[42]
        extra = {"optional_data": (l2[28:42], optional_cd)}
    checks = _checks(
        {
            "document_number": (number_text, number_cd),
            "date_of_birth": (l2[13:19], l2[19]),
            "date_of_expiry": (l2[21:27], l2[27]),
            **extra,
            "composite": composite,
        }
    )
    return MrzData(
        format=fmt, document_code=_field(l1[0:2]), issuing_state=_field(l1[2:5]),
        document_number=number, optional_data=_field(optional), optional_data_2="",
        date_of_birth=l2[13:19], sex=_sex(l2[20]), date_of_expiry=l2[21:27], nationality=_field(l2[10:13]),
        surname=surname, given_names=given, lines=tuple(lines), check_digits_valid=checks,
    )


def parse_mrz(text: str) -> MrzData:
    """Parse an MRZ given as newline-separated lines or as one string of 90/72/88 characters."""
    fmt, lines = _split(text)
    return _parse_td1(lines) if fmt == "TD1" else _parse_td2_td3(fmt, lines)


# --- building ---------------------------------------------------------------------------------------
def to_mrz_name(vietnamese_name: str) -> str:
    """Transliterate a name for the MRZ: Đ→D, strip diacritics, upper case, spaces and hyphens → '<',
    anything else outside A-Z dropped (9303-3 §6)."""
    text = vietnamese_name.replace("Đ", "D").replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).upper()
    text = re.sub(r"[\s\-<]+", " ", text)  # '<' too, so an already transliterated name stays as it is
    text = re.sub(r"[^A-Z ]", "", text)
    return "<".join(text.split())


def _pad(text: str, width: int, label: str) -> str:
    if len(text) > width:
        raise ValueError(f"MRZ {label} longer than {width} characters")
    if not _ALLOWED.fullmatch(text):
        raise ValueError(f"MRZ {label} has characters outside A-Z 0-9 <")
    return text.ljust(width, "<")


def _name_field(surname: str, given_names: str, width: int) -> str:
    primary, secondary = to_mrz_name(surname), to_mrz_name(given_names)
    text = f"{primary}<<{secondary}" if secondary else primary
    return text[:width].ljust(width, "<")  # truncation rules of 9303-3 §6.3 simplified: cut at width


def _date(value: str, label: str) -> str:
    if not re.fullmatch(r"[0-9<]{6}", value):
        raise ValueError(f"MRZ {label} must be YYMMDD")
    return value


def _sex_char(sex: str) -> str:
    if sex not in ("M", "F", "X", "<"):
        raise ValueError("MRZ sex must be M, F or X")
    return "<" if sex == "X" else sex


def format_td1(
    *,
    document_code: str,
    issuing_state: str,
    document_number: str,
    date_of_birth: str,
    sex: str,
    date_of_expiry: str,
    nationality: str,
    surname: str,
    given_names: str,
    optional_data: str = "",
    optional_data_2: str = "",
) -> tuple[str, str, str]:
    """Three 30-character lines with all check digits computed. Raises ValueError on unusable input."""
    if len(document_number) > 9:
        head = document_number[:9]
        tail = document_number[9:]
        number_block = head + "<"
        optional_field = _pad(tail + check_digit(document_number) + "<" + optional_data, 15, "optional data")
    else:
        number = _pad(document_number, 9, "document number")
        number_block = number + check_digit(number)
        optional_field = _pad(optional_data, 15, "optional data")
    line1 = _pad(document_code, 2, "document code") + _pad(issuing_state, 3, "state")
    line1 += number_block + optional_field
    dob, doe = _date(date_of_birth, "date of birth"), _date(date_of_expiry, "date of expiry")
    body = (
        dob + check_digit(dob) + _sex_char(sex) + doe + check_digit(doe)
        + _pad(nationality, 3, "nationality") + _pad(optional_data_2, 11, "optional data 2")
    )
    composite = check_digit(line1[5:30] + body[0:7] + body[8:15] + body[18:29])
    line2 = body + composite
    return line1, line2, _name_field(surname, given_names, 30)


def format_td3(
    *,
    document_code: str,
    issuing_state: str,
    document_number: str,
    date_of_birth: str,
    sex: str,
    date_of_expiry: str,
    nationality: str,
    surname: str,
    given_names: str,
    personal_number: str = "",
) -> tuple[str, str]:
    """Two 44-character lines (passport) with all check digits computed."""
    line1 = _pad(document_code, 2, "document code") + _pad(issuing_state, 3, "state")
    line1 += _name_field(surname, given_names, 39)
    number = _pad(document_number, 9, "document number")
    personal = _pad(personal_number, 14, "personal number")
    dob, doe = _date(date_of_birth, "date of birth"), _date(date_of_expiry, "date of expiry")
    line2 = (
        number + check_digit(number) + _pad(nationality, 3, "nationality") + dob + check_digit(dob)
        + _sex_char(sex) + doe + check_digit(doe) + personal + check_digit(personal)
    )
    line2 += check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    return line1, line2


def format_cccd_td1(
    id_number: str, date_of_birth: str, sex: str, date_of_expiry: str, surname: str, given_names: str
) -> tuple[str, str, str]:
    """The CCCD TD1 (cccd-chip.md §3): number = last 9 ID digits, optional data = full ID + '<<' +
    check digit of the ID, nationality VNM, optional data 2 empty. Names may carry diacritics."""
    if not re.fullmatch(r"[0-9]{12}", id_number):
        raise ValueError("a CCCD ID number has exactly 12 digits")
    return format_td1(
        document_code="ID", issuing_state="VNM", document_number=id_number[3:],
        date_of_birth=date_of_birth, sex=sex, date_of_expiry=date_of_expiry, nationality="VNM",
        surname=surname, given_names=given_names, optional_data=id_number + "<<" + check_digit(id_number),
    )
