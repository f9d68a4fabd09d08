"""ICAO CSCA master lists (9303-12 §9): CMS SignedData, eContentType id-icao-cscaMasterList.

The list is only as trustworthy as its signer: the signer certificate must be signed by one of the
configured roots (e.g. the German or Dutch CSCA), then the CMS signature must verify. Only then are
the contained CSCAs looked at, and each self-signed one must verify under its own key.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509

from nfc.errors import NfcError, ParseError, VerificationError
from nfc.lds.sod import hash_name
from nfc.verify.certs import Certificate, aki_matches, load_certificate
from nfc.verify.signed_data import check_signer

ID_CSCA_MASTER_LIST = "2.23.136.1.1.2"
MAX_MASTER_LIST_BYTES = 32 * 1024 * 1024


class CscaMasterList(core.Sequence):  # type: ignore[misc]
    _fields = [("version", core.Integer), ("cert_list", core.SetOf, {"spec": asn1_x509.Certificate})]  # noqa: RUF012


@dataclass(frozen=True)
class MasterListResult:
    signer_subject: str
    root_subject: str
    signature_algorithm: str
    #: self-signed CSCAs whose self-signature verified
    cscas: tuple[Certificate, ...] = field(repr=False)
    #: link (and other non-self-signed) certificates verified by another certificate in the list
    links: tuple[Certificate, ...] = field(repr=False)
    total: int
    self_signed_failed: int
    links_unverified: int
    load_failed: int
    ms: float = 0.0


def is_master_list(data: bytes) -> bool:
    try:
        info = cms.ContentInfo.load(data)
        return bool(info["content"]["encap_content_info"]["content_type"].dotted == ID_CSCA_MASTER_LIST)
    except (ValueError, TypeError, KeyError, AttributeError):
        return False


def verify_master_list(data: bytes, roots: Sequence[Certificate], now: datetime | None = None) -> MasterListResult:
    """Verify the list signature against ``roots`` and return its verified CSCAs.

    Raises ``VerificationError`` (signer not from a configured root, or bad signature) or
    ``ParseError`` (not a master list)."""
    import time

    started = time.perf_counter()
    now = now or datetime.now(UTC)
    if len(data) > MAX_MASTER_LIST_BYTES:
        raise ParseError("master list", f"{len(data)} bytes is too large")
    try:
        info = cms.ContentInfo.load(bytes(data))
        signed = info["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].dotted != ID_CSCA_MASTER_LIST:
            raise ParseError("master list", f"eContentType {encap['content_type'].dotted} is not a CSCA master list")
        econtent = bytes(encap["content"].__bytes__())
        signer = signed["signer_infos"][0]
        embedded = [load_certificate(c.chosen.dump()) for c in signed["certificates"] or [] if c.name == "certificate"]
        sid = signer["sid"]
        attrs = signer["signed_attrs"]
        signed_attrs = None
        message_digest = None
        if attrs.contents:
            signed_attrs = bytes(attrs._header) + bytes(attrs.contents)
            for attr in attrs:
                if attr["type"].dotted == "1.2.840.113549.1.9.4":
                    message_digest = bytes(attr["values"][0].native)
        params = signer["signature_algorithm"]["parameters"]
        sig_oid = signer["signature_algorithm"]["algorithm"].dotted
        sig_params = None if params.native is None else params.dump()
        digest_name = hash_name(signer["digest_algorithm"]["algorithm"].dotted)
        signature = bytes(signer["signature"].native)
        if sid.name == "subject_key_identifier":
            ski = bytes(sid.chosen.native)
            candidates = [c for c in embedded if c.ski == ski]
        else:
            serial = int(sid.chosen["serial_number"].native)
            candidates = [c for c in embedded if c.serial == serial]
        listed = CscaMasterList.load(econtent)["cert_list"]
        raw_certs = [c.dump() for c in listed]
    except NfcError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ParseError("master list", f"malformed CMS structure ({type(exc).__name__})") from None

    signer_cert, root = _signer_and_root(candidates, roots, now)
    check = check_signer(
        econtent=econtent,
        signed_attrs=signed_attrs,
        message_digest=message_digest,
        digest_algorithm=digest_name,
        signature_algorithm=sig_oid,
        signature_params=sig_params,
        signature=signature,
        key=signer_cert.public_key(),
    )
    if not check.ok:
        raise VerificationError(
            f"master list signature check failed ({check.reason})", reason="master-list-signature-invalid"
        )

    loaded: list[Certificate] = []
    load_failed = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for der in raw_certs:
            try:
                loaded.append(load_certificate(der))
            except ParseError:
                load_failed += 1
    cscas, others, failed = [], [], 0
    for cert in loaded:
        if cert.self_issued and _verifies(cert, cert):
            cscas.append(cert)
        elif cert.self_issued and (cert.aki is None or cert.aki == cert.ski):
            failed += 1  # claims to be self-signed and is not
        else:
            others.append(cert)  # link certificate: same or other name, signed by an older key
    by_subject: dict[str, list[Certificate]] = {}
    for cert in cscas:
        by_subject.setdefault(cert.subject_key, []).append(cert)
    links = [
        c for c in others if any(aki_matches(i, c.aki) and _verifies(c, i) for i in by_subject.get(c.issuer_key, []))
    ]
    return MasterListResult(
        signer_subject=signer_cert.subject,
        root_subject=root.subject,
        signature_algorithm=check.scheme.label if check.scheme else sig_oid,
        cscas=tuple(cscas),
        links=tuple(links),
        total=len(raw_certs),
        self_signed_failed=failed,
        links_unverified=len(others) - len(links),
        load_failed=load_failed,
        ms=(time.perf_counter() - started) * 1000,
    )


def _verifies(cert: Certificate, issuer: Certificate) -> bool:
    try:
        return cert.signed_by(issuer.public_key())
    except NfcError:
        return False


def _signer_and_root(
    candidates: Sequence[Certificate], roots: Sequence[Certificate], now: datetime
) -> tuple[Certificate, Certificate]:
    if not candidates:
        raise VerificationError("master list signer certificate not included", reason="master-list-signer-missing")
    for signer in candidates:
        for root in roots:
            if root.subject_key == signer.issuer_key and aki_matches(root, signer.aki) and _verifies(signer, root):
                if not signer.valid_at(now):
                    raise VerificationError(
                        "master list signer certificate is outside its validity",
                        reason="master-list-signer-expired",
                    )
                return signer, root
    raise VerificationError("master list signer is not signed by a configured root", reason="master-list-untrusted")
