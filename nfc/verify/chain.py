"""Certificate path DSC → (link certificates) → trusted CSCA, checked by hand the ICAO way
(9303-11 §5.1 / 9303-12): signature with the rebuilt issuer key, validity at the time of the check,
key usage, CA flag, and the DSC's revocation status from a CRL signed by its CSCA."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from nfc.errors import NfcError
from nfc.verify.certs import Certificate, aki_matches
from nfc.verify.crl import Crl

MAX_DEPTH = 4  # DSC, up to two link certificates, the self-signed CSCA


class IssuerSource(Protocol):
    def issuers_of(self, cert: Certificate) -> Sequence[Certificate]:
        """Trusted certificates whose subject is ``cert``'s issuer name (any key identifier)."""
        ...

    def crls_for(self, issuer: Certificate) -> Sequence[Crl]: ...


@dataclass(frozen=True)
class ChainPolicy:
    #: no valid, current CRL for the DSC's CSCA → failed (True) or just reported (False)
    require_crl: bool = False
    #: the DSC names a trusted CSCA but an authority key identifier none of its trusted keys has.
    #: True (default) → failed "dsc-issuer-key-unknown": an altered or forged DSC looks exactly like
    #: this. False → issuer-unknown, for a store that may lag behind a CSCA key rollover.
    unknown_key_of_known_issuer_fails: bool = True
    #: when the DSC must be valid: "now" (the time of the check; ICAO DSC validity covers the
    #: documents it signed) or "signing-time" (the SOD's signingTime, for issuers whose DSC validity
    #: ends before their documents do, e.g. lifetime cards)
    dsc_validity: str = "now"


@dataclass(frozen=True)
class ChainResult:
    status: str  # "chained" | "no-issuer" | "failed"
    reason: str | None
    path: tuple[str, ...]  # subjects, DSC first
    csca_subject: str | None
    revocation: str  # "good" | "revoked" | "unknown" | "stale" | "not-checked"

    @property
    def ok(self) -> bool:
        return self.status == "chained"


def _signed_by(cert: Certificate, issuer: Certificate) -> bool:
    return _signature_ok(cert.der, issuer.der, cert, issuer)


@functools.lru_cache(maxsize=4096)
def _signature_cache(cert_der: bytes, issuer_der: bytes) -> list[bool]:
    return []  # filled by _signature_ok; keyed on the exact DER of both certificates


def _signature_ok(cert_der: bytes, issuer_der: bytes, cert: Certificate, issuer: Certificate) -> bool:
    """Certificate signatures are pure functions of the two DER blobs, and one DSC signs many cards:
    remember the answer (brainpool verification in OpenSSL costs ~1 ms each)."""
    memo = _signature_cache(cert_der, issuer_der)
    if not memo:
        try:
            memo.append(cert.signed_by(issuer.public_key()))
        except NfcError:
            memo.append(False)  # unusable issuer key or algorithm: not this issuer
    return memo[0]


def _named(cert: Certificate, source: IssuerSource) -> list[Certificate]:
    return [c for c in source.issuers_of(cert) if c.der != cert.der and c.subject_key == cert.issuer_key]


def _candidates(cert: Certificate, source: IssuerSource) -> list[Certificate]:
    return [c for c in _named(cert, source) if aki_matches(c, cert.aki)]


def _find_issuer(cert: Certificate, source: IssuerSource) -> Certificate | None:
    return next((c for c in _candidates(cert, source) if _signed_by(cert, c)), None)


def _revocation(dsc: Certificate, csca: Certificate, source: IssuerSource, now: datetime) -> str:
    verdict = "unknown"
    for crl in source.crls_for(csca):
        try:
            if not crl.signed_by(csca.public_key()):
                continue
        except NfcError:
            continue
        if crl.is_revoked(dsc):
            return "revoked"
        verdict = "stale" if crl.overdue(now) and verdict != "good" else "good"
    return verdict


DEFAULT_POLICY = ChainPolicy()


def validate_dsc(
    dsc: Certificate,
    source: IssuerSource,
    now: datetime,
    policy: ChainPolicy = DEFAULT_POLICY,
    *,
    signed_at: datetime | None = None,
) -> ChainResult:
    path = [dsc.subject]
    when = signed_at if policy.dsc_validity == "signing-time" and signed_at is not None else now
    if not dsc.valid_at(when):
        reason = "dsc-expired" if when > dsc.not_after else "dsc-not-yet-valid"
    elif dsc.key_usage and "digital_signature" not in dsc.key_usage:
        reason = "dsc-key-usage"
    else:
        reason = None
    current = dsc
    for _ in range(MAX_DEPTH):
        issuer = _find_issuer(current, source)
        if issuer is None:
            if _candidates(current, source):
                # a trusted CSCA with the named issuer and key id exists, yet the signature fails:
                # a forged or altered certificate, not an unknown issuer
                reason = "dsc-signature-invalid" if current is dsc else "link-signature-invalid"
                return ChainResult("failed", reason, tuple(path), None, "not-checked")
            if current is dsc and _named(current, source) and policy.unknown_key_of_known_issuer_fails:
                return ChainResult("failed", "dsc-issuer-key-unknown", tuple(path), None, "not-checked")
            return ChainResult("no-issuer", "dsc-issuer-unknown", tuple(path), None, "not-checked")
        path.append(issuer.subject)
        if reason is None:
            if not issuer.valid_at(now):
                reason = "csca-expired"
            elif issuer.is_ca is False or (issuer.key_usage and "key_cert_sign" not in issuer.key_usage):
                reason = "csca-key-usage"
        if issuer.self_issued and _signed_by(issuer, issuer):
            revocation = _revocation(dsc, path_issuer(dsc, issuer, source), source, now)
            if reason is None and revocation == "revoked":
                reason = "dsc-revoked"
            if reason is None and policy.require_crl and revocation in ("unknown", "stale"):
                reason = "crl-unavailable"
            status = "chained" if reason is None else "failed"
            return ChainResult(status, reason, tuple(path), issuer.subject, revocation)
        current = issuer  # a link certificate: continue to the CSCA that signed it
    return ChainResult("failed", "chain-too-long", tuple(path), None, "not-checked")


def path_issuer(dsc: Certificate, root: Certificate, source: IssuerSource) -> Certificate:
    """The certificate that directly signed the DSC (its CRL issuer): the first hop of the path."""
    direct = _find_issuer(dsc, source)
    return direct if direct is not None else root
