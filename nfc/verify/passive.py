"""Passive Authentication (ICAO 9303-11 §5.1): EF.SOD signature, messageDigest, data group hashes,
and the DSC → CSCA path. Every check is over the bytes exactly as read."""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from nfc.errors import NfcError
from nfc.lds.sod import Sod
from nfc.verify.algorithms import digest
from nfc.verify.certs import Certificate, load_certificate, name_key
from nfc.verify.chain import DEFAULT_POLICY, ChainPolicy, ChainResult, IssuerSource, validate_dsc
from nfc.verify.report import StepResult, StepStatus
from nfc.verify.signed_data import check_signer

#: data groups whose content identifies the holder: read but not covered by the SOD → failed
IDENTITY_DGS = frozenset({1, 2, 11, 13})


@dataclass(frozen=True)
class PassiveResult:
    signature_ok: bool
    message_digest_ok: bool
    signature_algorithm: str | None
    dsc: Certificate | None
    #: DG number → "passed" | "failed" | "not-checked" for every DG listed in the SOD
    dg_results: Mapping[int, str] = field(repr=False)
    #: DGs that were read but have no hash in the SOD (a substituted or added file)
    unlisted: tuple[int, ...]
    chain: ChainResult | None  # None: no trust store given
    reason: str | None  # first failure of the SOD itself (not the chain)
    steps: tuple[StepResult, ...] = field(repr=False)
    ms: float = 0.0

    @property
    def hashes_ok(self) -> bool:
        return all(v != "failed" for v in self.dg_results.values()) and not set(self.unlisted) & IDENTITY_DGS

    def covered(self, number: int) -> bool:
        """The DG was read and its hash matched EF.SOD (so keys in DG14/DG15 may be used)."""
        return self.dg_results.get(number) == "passed"

    @property
    def ok(self) -> bool:
        """SOD signature, messageDigest and every hash that could be checked are valid."""
        return self.reason is None

    @property
    def chained(self) -> bool:
        return self.chain is not None and self.chain.ok


def find_signer(sod: Sod) -> Certificate | None:
    """The embedded certificate the SignerInfo names, by SKI or issuer + serial."""
    for der in sod.certificates:
        try:
            cert = load_certificate(der)
        except NfcError:
            continue
        if sod.signer_ski is not None and cert.ski == sod.signer_ski:
            return cert
        if sod.signer_serial is not None and sod.signer_issuer is not None and cert.serial == sod.signer_serial:
            from asn1crypto import x509 as asn1_x509

            if name_key(asn1_x509.Name.load(sod.signer_issuer)) == cert.issuer_key:
                return cert
    return None


def verify_sod(
    sod: Sod,
    data_groups: Mapping[int, bytes],
    trust: IssuerSource | None,
    now: datetime,
    *,
    policy: ChainPolicy = DEFAULT_POLICY,
) -> PassiveResult:
    started = time.perf_counter()
    steps: list[StepResult] = []
    reasons: list[str] = []

    dsc = find_signer(sod)
    sig_ok = md_ok = False
    algorithm = None
    t0 = time.perf_counter()
    if dsc is None:
        reasons.append("dsc-missing")
        steps.append(StepResult("sod-signature", StepStatus.FAILED, "signer certificate not in EF.SOD", "dsc-missing"))
    else:
        try:
            key = dsc.public_key()
        except NfcError as exc:
            reasons.append(f"dsc-key-unusable:{exc.reason}")
            steps.append(
                StepResult(
                    "sod-signature",
                    StepStatus.FAILED,
                    "DSC public key cannot be loaded",
                    f"dsc-key-unusable:{exc.reason}",
                    certificates=(dsc.subject,),
                )
            )
        else:
            check = check_signer(
                econtent=sod.econtent,
                signed_attrs=sod.signed_attrs,
                message_digest=sod.message_digest,
                digest_algorithm=sod.signer_digest_algorithm,
                signature_algorithm=sod.signature_algorithm,
                signature_params=sod.signature_algorithm_params,
                signature=sod.signature,
                key=key,
            )
            sig_ok, md_ok = check.signature_ok, check.message_digest_ok
            if sod.signed_attrs is not None and sod.content_type_attr != sod.econtent_type:
                md_ok = False  # the signed contentType must name what is encapsulated (RFC 5652 §11.1)
            algorithm = f"{check.scheme.label} / {key.label}" if check.scheme else key.label
            ms = (time.perf_counter() - t0) * 1000
            if not md_ok:
                reasons.append("sod-message-digest-mismatch")
            if not sig_ok:
                reasons.append(
                    "sod-signature-invalid"
                    if check.reason in (None, "signature-invalid", "message-digest-mismatch")
                    else f"sod-signature-invalid:{check.reason}"
                )
            status = StepStatus.PASSED if sig_ok and md_ok else StepStatus.FAILED
            detail = "signature over signed attributes and messageDigest" + (
                "" if status is StepStatus.PASSED else " did not verify"
            )
            if sig_ok and md_ok and sod.signing_time is not None and not dsc.valid_at(sod.signing_time):
                # a DSC signs only within its validity (gmrtd #330); a later date means a stolen or
                # misused key, an earlier one a forged time
                reasons.append("sod-signed-outside-dsc-validity")
                status, detail = StepStatus.FAILED, "signing time outside the DSC validity"
            steps.append(
                StepResult(
                    "sod-signature",
                    status,
                    detail,
                    None if status is StepStatus.PASSED else reasons[0],
                    algorithm,
                    (dsc.subject,),
                    ms,
                )
            )

    dg_results: dict[int, str] = {}
    for number in sorted(sod.dg_hashes):
        t0 = time.perf_counter()
        data = data_groups.get(number)
        name = f"dg-hash:DG{number}"
        if data is None:
            dg_results[number] = "not-checked"
            steps.append(StepResult(name, StepStatus.NOT_CHECKED, "not read", "not-read"))
            continue
        good = hmac.compare_digest(digest(sod.digest_algorithm, data), sod.dg_hashes[number])
        dg_results[number] = "passed" if good else "failed"
        if not good:
            reasons.append(f"dg-hash-mismatch:DG{number}")
        steps.append(
            StepResult(
                name,
                StepStatus.PASSED if good else StepStatus.FAILED,
                "" if good else "hash differs from EF.SOD",
                None if good else f"dg-hash-mismatch:DG{number}",
                sod.digest_algorithm.upper(),
                ms=(time.perf_counter() - t0) * 1000,
            )
        )
    unlisted = tuple(sorted(n for n in data_groups if n not in sod.dg_hashes))
    for number in unlisted:
        # An uncovered file is unauthenticated data. Identity data (DG1/DG2/DG13) without a hash is a
        # failure; other files are only "not checked" and may not be relied on (the verdict ignores
        # CA/AA keyed from an uncovered DG14/DG15).
        if number in IDENTITY_DGS:
            reasons.append(f"dg-not-in-sod:DG{number}")
            steps.append(
                StepResult(
                    f"dg-hash:DG{number}",
                    StepStatus.FAILED,
                    "no hash for this data group in EF.SOD",
                    f"dg-not-in-sod:DG{number}",
                )
            )
        else:
            steps.append(
                StepResult(
                    f"dg-hash:DG{number}",
                    StepStatus.NOT_CHECKED,
                    "no hash for this data group in EF.SOD",
                    "dg-not-in-sod",
                )
            )

    chain: ChainResult | None = None
    t0 = time.perf_counter()
    if dsc is None:
        steps.append(StepResult("dsc-chain", StepStatus.NOT_CHECKED, "no DSC", "dsc-missing"))
    elif trust is None:
        steps.append(
            StepResult(
                "dsc-chain",
                StepStatus.NOT_CHECKED,
                "no trust store configured",
                "no-trust-store",
                certificates=(dsc.subject,),
            )
        )
    else:
        chain = validate_dsc(dsc, trust, now, policy, signed_at=sod.signing_time)
        status = {"chained": StepStatus.PASSED, "failed": StepStatus.FAILED}.get(chain.status, StepStatus.NOT_CHECKED)
        detail = f"revocation: {chain.revocation}"
        steps.append(
            StepResult(
                "dsc-chain",
                status,
                detail,
                chain.reason,
                certificates=chain.path,
                ms=(time.perf_counter() - t0) * 1000,
            )
        )

    return PassiveResult(
        signature_ok=sig_ok,
        message_digest_ok=md_ok,
        signature_algorithm=algorithm,
        dsc=dsc,
        dg_results=dg_results,
        unlisted=unlisted,
        chain=chain,
        reason=reasons[0] if reasons else None,
        steps=tuple(steps),
        ms=(time.perf_counter() - started) * 1000,
    )
