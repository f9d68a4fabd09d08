"""DG13 on the Vietnamese CCCD: personal data in UTF-8 (cccd-chip.md §7).

``6D { SEQUENCE { INTEGER 1, OID 1.0.10646.1.0.8, SET { SEQUENCE { INTEGER n, value }... } } }``.
The parser walks the DER with the bounds-checked TLV reader and keys on the field number ``n``, never on
offsets; absent fields are ``None``, unknown field numbers are kept raw. Every text is NFC-normalised.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType

from nfc.errors import ParseError
from nfc.lds.tlv import (
    TAG_OID,
    TAG_SEQUENCE,
    TAG_SET,
    Tlv,
    decode_integer,
    encode_integer,
    encode_oid,
    encode_tlv,
    iter_tlvs,
    read_tlv,
    unwrap,
)

TAG_DG13 = 0x6D
TAG_UTF8 = 0x0C
TAG_PRINTABLE = 0x13
TAG_IA5 = 0x16
TEXT_TAGS = (TAG_UTF8, TAG_PRINTABLE, TAG_IA5, 0x14, 0x1E)  # 0x14 T61 and 0x1E BMP seen in no card: tolerated
CHARSET_OID = "1.0.10646.1.0.8"
VERSION = 1
MAX_DEPTH = 4  # field 13/14 nest names one or two SEQUENCEs deep

WHAT = "DG13"
_CMND = re.compile(r"[0-9]{9}")
_PRINTABLE = re.compile(r"[A-Za-z0-9 '()+,\-./:=?]*")

# field number → (attribute, PrintableString on the card?)
_TEXT_FIELDS: dict[int, tuple[str, bool]] = {
    1: ("id_number", True),
    2: ("full_name", False),
    3: ("date_of_birth", True),
    4: ("sex", False),
    5: ("nationality", False),
    6: ("ethnicity", False),
    7: ("religion", False),
    8: ("place_of_origin", False),
    9: ("place_of_residence", False),
    10: ("identifying_marks", False),
    11: ("issue_date", True),
    12: ("expiry_date", False),
}
FIELD_PARENTS, FIELD_SPOUSE, FIELD_OLD_ID, FIELD_SERIAL = 13, 14, 15, 16


@dataclass(frozen=True, repr=False)
class VietnamPersonalData:
    """DG13 content. ``None`` = field absent. Dates are as printed (``dd/mm/yyyy``); the expiry may be
    text on lifetime cards."""

    id_number: str | None = None
    full_name: str | None = None
    date_of_birth: str | None = None
    sex: str | None = None
    nationality: str | None = None
    ethnicity: str | None = None
    religion: str | None = None
    place_of_origin: str | None = None
    place_of_residence: str | None = None
    identifying_marks: str | None = None
    issue_date: str | None = None
    expiry_date: str | None = None
    parents: tuple[str, ...] = ()  # field 13 names in order: father, mother
    spouse_name: str | None = None  # None for the empty form 30 03 02 01 0E
    old_id_number: str | None = None  # 9-digit CMND, from field 15 or 16
    card_serial: str | None = None  # field 16 when it is not a CMND number
    unknown_fields: Mapping[int, bytes] = field(default_factory=dict, hash=False)  # n → raw DER of the field SEQUENCE

    def __post_init__(self) -> None:
        object.__setattr__(self, "unknown_fields", MappingProxyType(dict(self.unknown_fields)))

    @property
    def father_name(self) -> str | None:
        return self.parents[0] or None if self.parents else None

    @property
    def mother_name(self) -> str | None:
        return self.parents[1] or None if len(self.parents) > 1 else None

    def __repr__(self) -> str:
        present = [f.name for f in fields(self) if f.name != "unknown_fields" and getattr(self, f.name)]
        unknown = sorted(self.unknown_fields)
        return f"VietnamPersonalData(<masked>, present={present}, unknown_fields={unknown})"


# --- parsing ----------------------------------------------------------------------------------------
def _text(tlv: Tlv) -> str:
    if tlv.tag not in TEXT_TAGS:
        raise ParseError(WHAT, f"expected a string, found tag {tlv.tag:X}", tlv.start)
    try:
        text = tlv.value.decode("utf-16-be") if tlv.tag == 0x1E else tlv.value.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError(WHAT, "text is not valid UTF-8", tlv.start) from None
    return unicodedata.normalize("NFC", text)


def _collect_texts(items: list[Tlv], depth: int = 0) -> list[str]:
    """Every string under field 13/14, in order, whatever SEQUENCE nesting the issuer used."""
    if depth > MAX_DEPTH:
        raise ParseError(WHAT, "names nested too deeply")
    texts: list[str] = []
    for item in items:
        if item.tag in (TAG_SEQUENCE, TAG_SET):
            texts += _collect_texts(list(iter_tlvs(item.value, WHAT)), depth + 1)
        else:
            texts.append(_text(item))
    return texts


def _fields(data: bytes) -> Tlv:
    """The SET of fields, after checking the version and character set header."""
    content = unwrap(data, TAG_DG13, WHAT)
    outer = read_tlv(content, 0, WHAT)
    if outer.tag != TAG_SEQUENCE or outer.end != len(content):
        raise ParseError(WHAT, "content is not one SEQUENCE")
    parts = list(iter_tlvs(outer.value, WHAT))
    sets = [p for p in parts if p.tag == TAG_SET]
    if len(sets) != 1:
        raise ParseError(WHAT, "expected exactly one SET of fields")
    for part in parts:  # version and charset are informative; the layout is what matters
        if part.tag not in (TAG_SET, 0x02, TAG_OID):
            raise ParseError(WHAT, f"unexpected tag {part.tag:X} in header", part.start)
        if part.tag == 0x02:
            decode_integer(part, WHAT)
    return sets[0]


def parse_dg13(data: bytes) -> VietnamPersonalData:
    values: dict[str, object] = {}
    unknown: dict[int, bytes] = {}
    numbered: dict[int, list[Tlv]] = {}
    raw: dict[int, bytes] = {}
    the_set = _fields(data)
    for entry in iter_tlvs(the_set.value, WHAT):
        if entry.tag != TAG_SEQUENCE:
            raise ParseError(WHAT, f"field must be a SEQUENCE, found tag {entry.tag:X}", entry.start)
        parts = list(iter_tlvs(entry.value, WHAT))
        if not parts:
            raise ParseError(WHAT, "empty field", entry.start)
        number = decode_integer(parts[0], WHAT)
        if number in numbered:
            raise ParseError(WHAT, f"field {number} repeated", entry.start)
        numbered[number] = parts[1:]
        raw[number] = the_set.value[entry.start : entry.end]

    for number, rest in numbered.items():
        if number in _TEXT_FIELDS:
            if not rest:  # the empty form "30 03 02 01 n": no value, same as absent
                continue
            if len(rest) == 1 and rest[0].tag in TEXT_TAGS:
                values[_TEXT_FIELDS[number][0]] = _text(rest[0])
            else:  # a shape no card is known to use (a future layout?): keep it rather than fail
                unknown[number] = raw[number]
        elif number == FIELD_PARENTS:
            values["parents"] = tuple(_collect_texts(rest))
        elif number == FIELD_SPOUSE:
            names = [n for n in _collect_texts(rest) if n]
            values["spouse_name"] = names[0] if names else None
        elif number not in (FIELD_OLD_ID, FIELD_SERIAL):
            unknown[number] = raw[number]

    # 15/16: meaning disputed between parsers (cccd-chip.md §7): classify by pattern
    ids = {n: _collect_texts(numbered[n]) for n in (FIELD_OLD_ID, FIELD_SERIAL) if n in numbered}
    single = {n: (t[0] if len(t) == 1 else None) for n, t in ids.items()}
    for n in (FIELD_OLD_ID, FIELD_SERIAL):
        if n not in ids:
            continue
        value = single[n]
        is_cmnd = value is not None and _CMND.fullmatch(value) is not None
        if is_cmnd and "old_id_number" not in values:
            values["old_id_number"] = value
        elif n == FIELD_SERIAL and value is not None and not is_cmnd:
            values["card_serial"] = value
        else:
            unknown[n] = raw[n]
    return VietnamPersonalData(**values, unknown_fields=unknown)  # type: ignore[arg-type]


# --- building ---------------------------------------------------------------------------------------
def _string(text: str, printable: bool) -> bytes:
    text = unicodedata.normalize("NFC", text)
    tag = TAG_PRINTABLE if printable and _PRINTABLE.fullmatch(text) else TAG_UTF8
    return encode_tlv(tag, text.encode("utf-8"))


def _field(number: int, value: bytes) -> bytes:
    return encode_tlv(TAG_SEQUENCE, encode_integer(number) + value)


def build_dg13(person: VietnamPersonalData) -> bytes:
    """DG13 in the layout of cccd-chip.md §7, fields in number order; unknown fields kept as given."""
    entries: dict[int, bytes] = {}
    for number, (name, printable) in _TEXT_FIELDS.items():
        value = getattr(person, name)
        if value is not None:
            entries[number] = _field(number, _string(value, printable))
    if person.parents:
        entries[FIELD_PARENTS] = _field(
            FIELD_PARENTS, b"".join(encode_tlv(TAG_SEQUENCE, _string(p, False)) for p in person.parents)
        )
    spouse = encode_tlv(TAG_SEQUENCE, _string(person.spouse_name, False)) if person.spouse_name else b""
    entries[FIELD_SPOUSE] = _field(FIELD_SPOUSE, spouse)
    if person.old_id_number is not None:
        entries[FIELD_OLD_ID] = _field(FIELD_OLD_ID, _string(person.old_id_number, True))
    if person.card_serial is not None:
        entries[FIELD_SERIAL] = _field(FIELD_SERIAL, _string(person.card_serial, True))
    for number, der in person.unknown_fields.items():
        if number in entries:
            raise ValueError(f"unknown field {number} collides with a known field")
        entries[number] = der
    body = encode_integer(VERSION) + encode_oid(CHARSET_OID)
    body += encode_tlv(TAG_SET, b"".join(entries[n] for n in sorted(entries)))
    return encode_tlv(TAG_DG13, encode_tlv(TAG_SEQUENCE, body))
