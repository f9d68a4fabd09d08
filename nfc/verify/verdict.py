"""From step results to one verdict.

- ``authentic``: SOD signature and every hash valid, DSC chained to a trusted CSCA (or confirmed by
  the online verifier), chip authenticated (CA or AA), no cross-check mismatch.
- ``issuer-unknown``: the same, except the DSC could not be chained (no CSCA for it in the store —
  the normal case for CCCDs today, cccd-chip §11). The report names the DSC subject and AKI.
- ``failed``: anything else, with the first precise reason code.

AA or CA alone proves nothing without PA (emrtd-lessons §1.9): they only count next to a valid SOD.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from nfc.verify.passive import PassiveResult
from nfc.verify.report import StepResult, StepStatus, Verdict, VerificationReport

CHIP_STEPS = frozenset({"chip-authentication", "active-authentication", "pace-cam"})


def decide(
    passive: PassiveResult | None,
    *,
    chip: Sequence[StepResult] = (),
    crosschecks: Sequence[StepResult] = (),
    online: StepResult | None = None,
    extra_steps: Sequence[StepResult] = (),
    require_chip_authentication: bool = True,
    now: datetime | None = None,
    started: float | None = None,
) -> VerificationReport:
    """Combine the results. ``chip`` holds the CA/AA/PACE-CAM steps; ``online`` the step of an
    ``OnlineVerifier`` (PASSED = issuer confirmed, FAILED = rejected)."""
    now = now or datetime.now(UTC)
    steps: list[StepResult] = list(extra_steps)
    reasons: list[str] = []
    if passive is None:
        steps.append(StepResult("sod-signature", StepStatus.FAILED, "EF.SOD missing or unreadable", "sod-missing"))
        reasons.append("sod-missing")
    else:
        steps.extend(passive.steps)
        if passive.reason:
            reasons.append(passive.reason)
        if passive.chain is not None and passive.chain.status == "failed" and passive.chain.reason:
            reasons.append(passive.chain.reason)
    steps.extend(chip)
    for step in chip:
        if step.status is StepStatus.FAILED:
            reasons.append(step.reason or f"{step.name}-failed")
    steps.extend(crosschecks)
    for step in crosschecks:
        if step.status is StepStatus.FAILED:
            reasons.append(step.reason or step.name)
    if online is not None:
        steps.append(online)
        if online.status is StepStatus.FAILED:
            reasons.append(online.reason or "online-rejected")

    chip_ok = any(s.status is StepStatus.PASSED and _key_covered(s.name, passive) for s in chip if s.name in CHIP_STEPS)
    if not reasons and require_chip_authentication and not chip_ok:
        reasons.append("chip-not-authenticated")

    dsc = passive.dsc if passive is not None else None
    chained = passive is not None and passive.chained
    confirmed_online = online is not None and online.status is StepStatus.PASSED
    if reasons:
        verdict, reason = Verdict.FAILED, reasons[0]
    elif chained or confirmed_online:
        verdict, reason = Verdict.AUTHENTIC, None
    else:
        verdict = Verdict.ISSUER_UNKNOWN
        chain = passive.chain if passive is not None else None
        reason = chain.reason if chain is not None and chain.reason else "no-trust-store"
    return VerificationReport(
        verdict=verdict,
        reason=reason,
        steps=tuple(steps),
        checked_at=now,
        dsc_subject=dsc.subject if dsc else None,
        dsc_aki=dsc.aki.hex() if dsc and dsc.aki else None,
        csca_subject=passive.chain.csca_subject if passive is not None and passive.chain is not None else None,
        ms=(time.perf_counter() - started) * 1000 if started is not None else sum(s.ms for s in steps),
        reasons=tuple(dict.fromkeys(reasons)),
    )


#: which DG holds the key a chip step proves possession of
_KEY_DG = {"chip-authentication": 14, "active-authentication": 15}


def _key_covered(step: str, passive: PassiveResult | None) -> bool:
    """CA/AA only prove something if their key came from a DG whose SOD hash matched."""
    number = _KEY_DG.get(step)
    return number is None or (passive is not None and passive.covered(number))
