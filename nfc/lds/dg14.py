"""DG14 (ICAO 9303-10 §4.7.14): ``6E`` wrapping the SecurityInfos for Chip Authentication (and PACE)."""

from __future__ import annotations

from collections.abc import Iterable

from nfc.lds.cardaccess import build_security_infos, parse_security_infos
from nfc.lds.security_infos import SecurityInfo
from nfc.lds.tlv import encode_tlv, unwrap

TAG_DG14 = 0x6E


def parse_dg14(data: bytes) -> tuple[SecurityInfo, ...]:
    return parse_security_infos(unwrap(data, TAG_DG14, "DG14"))


def build_dg14(infos: Iterable[SecurityInfo]) -> bytes:
    return encode_tlv(TAG_DG14, build_security_infos(infos))
