"""DG15 (ICAO 9303-10 §4.7.15): the Active Authentication public key as a DER SubjectPublicKeyInfo."""

from __future__ import annotations

from nfc.errors import ParseError
from nfc.lds.tlv import encode_tlv, iter_tlvs, read_tlv, unwrap

TAG_DG15 = 0x6F


def _check_spki(der: bytes, what: str) -> None:
    """SEQUENCE { AlgorithmIdentifier SEQUENCE { OID, ... }, BIT STRING } filling ``der`` exactly.
    Structure only: the key itself is loaded (and judged) by ``cryptography`` where AA runs."""
    outer = read_tlv(der, 0, what)
    if outer.tag != 0x30 or outer.end != len(der):
        raise ParseError(what, "not a single SubjectPublicKeyInfo SEQUENCE")
    parts = list(iter_tlvs(outer.value, what))
    if len(parts) != 2 or parts[0].tag != 0x30 or parts[1].tag != 0x03:
        raise ParseError(what, "SubjectPublicKeyInfo must be SEQUENCE { AlgorithmIdentifier, BIT STRING }")
    algorithm = list(iter_tlvs(parts[0].value, what))
    if not algorithm or algorithm[0].tag != 0x06:
        raise ParseError(what, "AlgorithmIdentifier does not start with an OID")
    if not parts[1].value:
        raise ParseError(what, "empty public key BIT STRING")


def parse_dg15(data: bytes) -> bytes:
    """The SubjectPublicKeyInfo DER, byte for byte as stored."""
    spki = unwrap(data, TAG_DG15, "DG15")
    _check_spki(spki, "DG15 public key")
    return spki


def build_dg15(spki_der: bytes) -> bytes:
    _check_spki(spki_der, "DG15 public key")
    return encode_tlv(TAG_DG15, spki_der)
