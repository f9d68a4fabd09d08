"""EF.SOD (ICAO 9303-10 §4.6.2): CMS SignedData over an LDSSecurityObject.

``parse_sod`` keeps every piece Passive Authentication needs *exactly as received*: the eContent
bytes, the signed attributes with their original ``[0]`` encoding (the signature is over these bytes
re-tagged as SET, never a re-encoding), the SignerInfo's own algorithm identifiers and the embedded
certificates. Checking happens in ``nfc.verify.passive``; this module only parses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from asn1crypto import cms, core

from nfc.errors import ParseError

#: a SOD is a few kB; a long certificate chain may add some. Anything larger is not a SOD.
MAX_SOD_BYTES = 256 * 1024

ID_LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
#: eContentTypes seen on real documents instead of id-icao-ldsSecurityObject (gmrtd #424/#425, JMRTD):
#: the old ICAO arc icao(27) (Belgian, French documents), the Sdu (NL) variant, and plain id-data.
#: The payload is still an LDSSecurityObject.
LEGACY_ECONTENT_TYPES = frozenset({"1.3.27.1.1.1", "1.2.528.1.1006.1.20.1", "1.2.840.113549.1.7.1"})

#: hash OIDs (and the signature OIDs some issuers put in digest fields) → hashlib-style names
HASH_OIDS: Mapping[str, str] = MappingProxyType(
    {
        "1.3.14.3.2.26": "sha1",
        "2.16.840.1.101.3.4.2.4": "sha224",
        "2.16.840.1.101.3.4.2.1": "sha256",
        "2.16.840.1.101.3.4.2.2": "sha384",
        "2.16.840.1.101.3.4.2.3": "sha512",
        "1.2.840.113549.1.1.5": "sha1",
        "1.2.840.113549.1.1.14": "sha224",
        "1.2.840.113549.1.1.11": "sha256",
        "1.2.840.113549.1.1.12": "sha384",
        "1.2.840.113549.1.1.13": "sha512",
    }
)


class DataGroupHash(core.Sequence):  # type: ignore[misc]
    _fields = [("data_group_number", core.Integer), ("data_group_hash_value", core.OctetString)]  # noqa: RUF012


class DataGroupHashValues(core.SequenceOf):  # type: ignore[misc]
    _child_spec = DataGroupHash


class LdsVersionInfo(core.Sequence):  # type: ignore[misc]
    _fields = [("lds_version", core.PrintableString), ("unicode_version", core.PrintableString)]  # noqa: RUF012


class LdsSecurityObject(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012
        ("version", core.Integer),
        ("hash_algorithm", cms.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LdsVersionInfo, {"optional": True}),
    ]


@dataclass(frozen=True)
class Sod:
    """One parsed EF.SOD. Byte fields are the received encodings (see module doc)."""

    raw: bytes = field(repr=False)
    lso_version: int
    digest_algorithm: str  # LDSSecurityObject hashAlgorithm, e.g. "sha256"
    dg_hashes: Mapping[int, bytes] = field(repr=False)
    lds_version: str | None
    unicode_version: str | None
    econtent_type: str
    econtent: bytes = field(repr=False)
    #: SignerInfo digestAlgorithm (hash for messageDigest and the signature)
    signer_digest_algorithm: str
    #: SignerInfo signedAttrs as received, including the ``[0]`` (A0) tag and length; None if absent
    signed_attrs: bytes | None = field(repr=False)
    message_digest: bytes | None = field(repr=False)
    content_type_attr: str | None
    signing_time: datetime | None
    #: SignerInfo signatureAlgorithm: dotted OID and DER parameters (None when absent)
    signature_algorithm: str
    signature_algorithm_params: bytes | None = field(repr=False)
    signature: bytes = field(repr=False)
    signer_ski: bytes | None
    signer_issuer: bytes | None = field(repr=False)  # DER Name
    signer_serial: int | None
    certificates: tuple[bytes, ...] = field(repr=False)

    @property
    def signed_bytes(self) -> bytes:
        """What the signature covers: signedAttrs re-tagged as SET (0x31), or eContent when there
        are no signed attributes (RFC 5652 §5.4)."""
        if self.signed_attrs is None:
            return self.econtent
        return b"\x31" + self.signed_attrs[1:]

    @property
    def data_groups(self) -> tuple[int, ...]:
        return tuple(sorted(self.dg_hashes))


def hash_name(oid: str) -> str:
    try:
        return HASH_OIDS[oid]
    except KeyError:
        raise ParseError("EF.SOD", f"unsupported hash algorithm {oid}") from None


def _received(value: core.Asn1Value) -> bytes:
    """The element's bytes as they arrived (header, contents, and the EOC of indefinite lengths)."""
    return bytes(value._header) + bytes(value.contents or b"") + bytes(value._trailer or b"")


def _unwrap_tag77(data: bytes) -> bytes:
    if data[:1] == b"\x30":
        return data  # bare ContentInfo, as some tools save it
    if data[:1] != b"\x77":
        raise ParseError("EF.SOD", f"expected tag 77, found {data[:1].hex() or 'nothing'}", 0)
    outer = core.Any.load(data, strict=True)  # strict: no bytes after the TLV
    contents = outer.contents
    if not contents:
        raise ParseError("EF.SOD", "empty tag 77")
    return bytes(contents)


def parse_sod(data: bytes) -> Sod:
    """Parse EF.SOD bytes (tag 77 wrapper or bare ContentInfo). Raises ``ParseError``."""
    if not data:
        raise ParseError("EF.SOD", "no bytes")
    if len(data) > MAX_SOD_BYTES:
        raise ParseError("EF.SOD", f"{len(data)} bytes is too large for a SOD")
    try:
        return _parse(bytes(data))
    except ParseError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise ParseError("EF.SOD", f"malformed CMS structure ({type(exc).__name__})") from None


def _parse(data: bytes) -> Sod:
    info = cms.ContentInfo.load(_unwrap_tag77(data), strict=True)
    if info["content_type"].dotted != "1.2.840.113549.1.7.2":
        raise ParseError("EF.SOD", f"content type {info['content_type'].dotted} is not SignedData")
    signed = info["content"]
    encap = signed["encap_content_info"]
    econtent_type = encap["content_type"].dotted
    if econtent_type != ID_LDS_SECURITY_OBJECT and econtent_type not in LEGACY_ECONTENT_TYPES:
        raise ParseError("EF.SOD", f"eContentType {econtent_type} is not an LDS security object")
    if encap["content"].native is None:
        raise ParseError("EF.SOD", "no encapsulated content (detached signature)")
    econtent = bytes(encap["content"].__bytes__())
    lso = LdsSecurityObject.load(econtent, strict=True)
    version = int(lso["version"].native)
    if version not in (0, 1):
        raise ParseError("LDSSecurityObject", f"unknown version {version}")
    digest = hash_name(lso["hash_algorithm"]["algorithm"].dotted)
    hashes: dict[int, bytes] = {}
    for entry in lso["data_group_hash_values"]:
        number = int(entry["data_group_number"].native)
        if not 1 <= number <= 16:
            raise ParseError("LDSSecurityObject", f"data group number {number} out of range")
        if number in hashes:
            raise ParseError("LDSSecurityObject", f"DG{number} listed twice")
        hashes[number] = bytes(entry["data_group_hash_value"].native)
    lds_version = unicode_version = None
    if lso["lds_version_info"].native is not None:
        lds_version = lso["lds_version_info"]["lds_version"].native
        unicode_version = lso["lds_version_info"]["unicode_version"].native

    signer_infos = signed["signer_infos"]
    if len(signer_infos) != 1:
        raise ParseError("EF.SOD", f"expected one SignerInfo, found {len(signer_infos)}")
    signer = signer_infos[0]
    attrs = signer["signed_attrs"]
    signed_attrs: bytes | None = None
    message_digest: bytes | None = None
    content_type_attr: str | None = None
    signing_time: datetime | None = None
    if attrs.contents is not None and len(attrs.contents) > 0:
        signed_attrs = _received(attrs)
        for attr in attrs:
            kind = attr["type"].dotted
            values = attr["values"]
            if len(values) != 1:
                raise ParseError("SignedAttributes", f"attribute {kind} has {len(values)} values")
            if kind == "1.2.840.113549.1.9.4":
                message_digest = bytes(values[0].native)
            elif kind == "1.2.840.113549.1.9.3":
                content_type_attr = values[0].dotted
            elif kind == "1.2.840.113549.1.9.5":
                signing_time = values[0].native

    _check_structure(signed, signer, econtent_type)
    sid = signer["sid"]
    ski = issuer = None
    serial = None
    if sid.name == "subject_key_identifier":
        ski = bytes(sid.chosen.native)
    else:
        issuer = sid.chosen["issuer"].dump()
        serial = int(sid.chosen["serial_number"].native)

    sig_alg = signer["signature_algorithm"]
    params = sig_alg["parameters"]
    params_der = None if params.native is None else params.dump()

    certificates: list[bytes] = []
    for choice in signed["certificates"] or []:
        if choice.name == "certificate":
            certificates.append(choice.chosen.dump())

    return Sod(
        raw=data,
        lso_version=version,
        digest_algorithm=digest,
        dg_hashes=MappingProxyType(hashes),
        lds_version=lds_version,
        unicode_version=unicode_version,
        econtent_type=econtent_type,
        econtent=econtent,
        signer_digest_algorithm=hash_name(signer["digest_algorithm"]["algorithm"].dotted),
        signed_attrs=signed_attrs,
        message_digest=message_digest,
        content_type_attr=content_type_attr,
        signing_time=signing_time,
        signature_algorithm=sig_alg["algorithm"].dotted,
        signature_algorithm_params=params_der,
        signature=bytes(signer["signature"].native),
        signer_ski=ski,
        signer_issuer=issuer,
        signer_serial=serial,
        certificates=tuple(certificates),
    )


def _null_or_absent(algorithm: core.Asn1Value) -> bool:
    return bytes(algorithm["parameters"].dump()) in (b"", b"\x05\x00")


def _check_structure(signed: cms.SignedData, signer: cms.SignerInfo, econtent_type: str) -> None:
    """RFC 5652 consistency of the fields the signature does not cover, so that no byte of EF.SOD
    can change without the verification noticing."""
    version = signed["version"].native
    allowed = ("v1", "v3") if econtent_type == "1.2.840.113549.1.7.1" else ("v3",)
    if version not in allowed:
        raise ParseError("EF.SOD", f"SignedData version {version} is not {' or '.join(allowed)}")
    expected = "v1" if signer["sid"].name == "issuer_and_serial_number" else "v3"
    if signer["version"].native != expected:
        raise ParseError("EF.SOD", "SignerInfo version does not match its signer identifier")
    digest_oid = signer["digest_algorithm"]["algorithm"].dotted
    listed = [a["algorithm"].dotted for a in signed["digest_algorithms"]]
    if digest_oid not in listed:
        raise ParseError("EF.SOD", "SignerInfo digest algorithm not listed in SignedData.digestAlgorithms")
    if not all(_null_or_absent(a) for a in [*signed["digest_algorithms"], signer["digest_algorithm"]]):
        raise ParseError("EF.SOD", "digest algorithm with unexpected parameters")
    if signer["signature_algorithm"]["algorithm"].dotted != "1.2.840.113549.1.1.10" and not _null_or_absent(
        signer["signature_algorithm"]
    ):
        raise ParseError("EF.SOD", "signature algorithm with unexpected parameters")
    if signed["crls"].native is not None or signer["unsigned_attrs"].native is not None:
        return  # allowed by CMS; nothing of ours depends on them
