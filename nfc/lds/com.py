"""EF.COM (ICAO 9303-10 §4.6.1): LDS version, Unicode version and the list of data group tags present."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nfc.errors import ParseError
from nfc.lds.files import BY_TAG
from nfc.lds.tlv import encode_tlv, iter_tlvs, unwrap

TAG_COM = 0x60
TAG_LDS_VERSION = 0x5F01
TAG_UNICODE_VERSION = 0x5F36
TAG_TAG_LIST = 0x5C


@dataclass(frozen=True)
class EfCom:
    lds_version: str  # as stored: 4 digits "aabb" = LDS aa.bb, e.g. "0107"
    unicode_version: str  # as stored: 6 digits "aabbcc", e.g. "040000"
    tags: tuple[int, ...]  # data group tags listed, e.g. (0x61, 0x75)

    @property
    def data_groups(self) -> tuple[str, ...]:
        """File names of the listed tags ("DG1", "DG2", ...); unknown tags are left out."""
        return tuple(BY_TAG[t].name for t in self.tags if t in BY_TAG)

    @property
    def lds_version_text(self) -> str:
        """"1.7" for "0107"."""
        return f"{int(self.lds_version[:2])}.{int(self.lds_version[2:])}"


def _digits(value: bytes, size: int, what: str) -> str:
    text = value.decode("ascii", errors="replace")
    if not re.fullmatch(rf"[0-9]{{{size}}}", text):
        raise ParseError("EF.COM", f"{what} must be {size} ASCII digits")
    return text


def parse_com(data: bytes) -> EfCom:
    found: dict[int, bytes] = {}
    for tlv in iter_tlvs(unwrap(data, TAG_COM, "EF.COM"), "EF.COM"):
        if tlv.tag in found:
            raise ParseError("EF.COM", f"tag {tlv.tag:X} repeated", tlv.start)
        found[tlv.tag] = tlv.value
    missing = [t for t in (TAG_LDS_VERSION, TAG_UNICODE_VERSION, TAG_TAG_LIST) if t not in found]
    if missing:
        raise ParseError("EF.COM", "missing " + ", ".join(f"{t:X}" for t in missing))
    return EfCom(
        lds_version=_digits(found[TAG_LDS_VERSION], 4, "LDS version"),
        unicode_version=_digits(found[TAG_UNICODE_VERSION], 6, "Unicode version"),
        tags=tuple(found[TAG_TAG_LIST]),
    )


def build_com(com: EfCom) -> bytes:
    if not re.fullmatch(r"[0-9]{4}", com.lds_version) or not re.fullmatch(r"[0-9]{6}", com.unicode_version):
        raise ValueError("EF.COM versions must be 4 and 6 digits")
    if any(not 0 <= t <= 0xFF for t in com.tags):
        raise ValueError("EF.COM tag list holds one-byte tags")
    body = (
        encode_tlv(TAG_LDS_VERSION, com.lds_version.encode("ascii"))
        + encode_tlv(TAG_UNICODE_VERSION, com.unicode_version.encode("ascii"))
        + encode_tlv(TAG_TAG_LIST, bytes(com.tags))
    )
    return encode_tlv(TAG_COM, body)
