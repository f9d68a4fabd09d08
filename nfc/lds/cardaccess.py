"""SecurityInfos (ICAO 9303-11 §9.2): EF.CardAccess, and the content of DG14.

``SecurityInfo ::= SEQUENCE { protocol OBJECT IDENTIFIER, requiredData ANY, optionalData ANY OPTIONAL }``,
collected in a SET OF. Each entry is classified by its protocol OID (and checked against the shape its
class requires); anything else is kept raw as :class:`UnknownSecurityInfo` so that nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterable

from nfc.errors import ParseError
from nfc.lds.security_infos import (
    ActiveAuthenticationInfo,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo,
    PaceDomainParameterInfo,
    PaceInfo,
    SecurityInfo,
    TerminalAuthenticationInfo,
    UnknownSecurityInfo,
)
from nfc.lds.tlv import (
    TAG_INTEGER,
    TAG_OID,
    TAG_SEQUENCE,
    TAG_SET,
    Tlv,
    decode_integer,
    decode_oid,
    encode_integer,
    encode_oid,
    encode_tlv,
    iter_tlvs,
    read_tlv,
    unwrap,
)

BSI = "0.4.0.127.0.7.2.2"
ID_PK = BSI + ".1"  # ChipAuthenticationPublicKeyInfo: id-PK-DH (.1), id-PK-ECDH (.2)
ID_TA = BSI + ".2"
ID_CA = BSI + ".3"  # .x = CA domain parameters, .x.y = ChipAuthenticationInfo
ID_PACE = BSI + ".4"  # .x = PACE domain parameters, .x.y = PACEInfo
ID_AA = "2.23.136.1.1.5"

WHAT = "SecurityInfos"


def _arcs_below(oid: str, prefix: str) -> int | None:
    """How many arcs ``oid`` has below ``prefix`` (None when it is not under it)."""
    if not oid.startswith(prefix + "."):
        return None
    return len(oid[len(prefix) + 1 :].split("."))


def _optional_int(parts: list[Tlv], index: int, what: str) -> int | None:
    return decode_integer(parts[index], what) if len(parts) > index else None


def _classify(tlv: Tlv, raw: bytes) -> SecurityInfo:
    """``tlv`` was read from ``raw``; offsets of its parts are relative to ``tlv.value``."""
    parts = list(iter_tlvs(tlv.value, WHAT))
    if len(parts) < 2:
        raise ParseError(WHAT, "SecurityInfo needs a protocol and requiredData", tlv.start)
    protocol = decode_oid(parts[0], WHAT)
    required = parts[1]
    # at most one optional element, and where the classes expect an INTEGER it must be one
    extra = len(parts) - 2
    int_tail = extra == 0 or (extra == 1 and parts[2].tag == TAG_INTEGER)
    below_pace = _arcs_below(protocol, ID_PACE)
    below_ca = _arcs_below(protocol, ID_CA)
    if below_pace == 2 and required.tag == TAG_INTEGER and int_tail:
        return PaceInfo(protocol, decode_integer(required, WHAT), _optional_int(parts, 2, WHAT))
    if below_pace == 1 and required.tag == TAG_SEQUENCE and int_tail:
        return PaceDomainParameterInfo(
            protocol, tlv.value[required.start : required.end], _optional_int(parts, 2, WHAT)
        )
    if below_ca == 2 and required.tag == TAG_INTEGER and int_tail:
        return ChipAuthenticationInfo(protocol, decode_integer(required, WHAT), _optional_int(parts, 2, WHAT))
    if _arcs_below(protocol, ID_PK) == 1 and required.tag == TAG_SEQUENCE and int_tail:
        return ChipAuthenticationPublicKeyInfo(
            protocol, tlv.value[required.start : required.end], _optional_int(parts, 2, WHAT)
        )
    if protocol == ID_TA and required.tag == TAG_INTEGER and extra <= 1:
        # a v1 TA info may add efCVCA (a FileID); the class has no field for it, so it is dropped and a
        # rebuild of such an entry is not byte-exact (no known card or vector carries it)
        return TerminalAuthenticationInfo(protocol, decode_integer(required, WHAT))
    if protocol == ID_AA and required.tag == TAG_INTEGER and extra == 1 and parts[2].tag == TAG_OID:
        return ActiveAuthenticationInfo(protocol, decode_integer(required, WHAT), decode_oid(parts[2], WHAT))
    return UnknownSecurityInfo(protocol, raw[tlv.start : tlv.end])


def parse_security_info_set(content: bytes) -> tuple[SecurityInfo, ...]:
    """The SecurityInfo entries in the *content* of a SET OF (what follows ``31 LL``)."""
    infos: list[SecurityInfo] = []
    for tlv in iter_tlvs(content, WHAT):
        if tlv.tag != TAG_SEQUENCE:
            raise ParseError(WHAT, f"SecurityInfo must be a SEQUENCE, found tag {tlv.tag:X}", tlv.start)
        infos.append(_classify(tlv, content))
    return tuple(infos)


def parse_security_infos(data: bytes) -> tuple[SecurityInfo, ...]:
    """EF.CardAccess: ``31 LL`` SET OF SecurityInfo, nothing after it."""
    return parse_security_info_set(unwrap(data, TAG_SET, WHAT))


def _encode_info(info: SecurityInfo) -> bytes:
    if isinstance(info, UnknownSecurityInfo):
        tlv = read_tlv(info.raw, 0, WHAT)  # must stay one well-formed SEQUENCE
        if tlv.tag != TAG_SEQUENCE or tlv.end != len(info.raw):
            raise ValueError("UnknownSecurityInfo.raw is not one SEQUENCE")
        return info.raw
    body = encode_oid(info.protocol)
    if isinstance(info, PaceInfo | ChipAuthenticationInfo):
        body += encode_integer(info.version)
        optional = info.parameter_id if isinstance(info, PaceInfo) else info.key_id
        if optional is not None:
            body += encode_integer(optional)
    elif isinstance(info, PaceDomainParameterInfo):
        body += info.domain_parameters
        if info.parameter_id is not None:
            body += encode_integer(info.parameter_id)
    elif isinstance(info, ChipAuthenticationPublicKeyInfo):
        body += info.subject_public_key_info
        if info.key_id is not None:
            body += encode_integer(info.key_id)
    elif isinstance(info, TerminalAuthenticationInfo):
        body += encode_integer(info.version)
    else:  # ActiveAuthenticationInfo
        body += encode_integer(info.version) + encode_oid(info.signature_algorithm)
    return encode_tlv(TAG_SEQUENCE, body)


def build_security_info_set_content(infos: Iterable[SecurityInfo]) -> bytes:
    return b"".join(_encode_info(info) for info in infos)


def build_security_infos(infos: Iterable[SecurityInfo]) -> bytes:
    """EF.CardAccess bytes, entries in the given order (the order cards use; not DER-sorted)."""
    return encode_tlv(TAG_SET, build_security_info_set_content(infos))
