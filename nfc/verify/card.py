"""Verify one ``CardRead``: Passive Authentication over the files exactly as read, the Chip/Active
Authentication results the reader obtained in the live session, cross-checks, an optional online
verifier, then the verdict. The caller stores the report: ``dataclasses.replace(read, verification=r)``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from nfc.errors import NfcError
from nfc.lds.sod import parse_sod
from nfc.model import CardRead
from nfc.verify.chain import DEFAULT_POLICY, ChainPolicy, IssuerSource
from nfc.verify.crosscheck import crosscheck, key_values, mrz_values, personal_values, qr_values
from nfc.verify.online import OnlineRequest, OnlineVerifier
from nfc.verify.passive import PassiveResult, verify_sod
from nfc.verify.report import StepResult, StepStatus, VerificationReport
from nfc.verify.verdict import decide


def verify_card_read(
    read: CardRead,
    trust: IssuerSource | None,
    *,
    now: datetime | None = None,
    key: Any = None,
    qr_text: str | None = None,
    online: OnlineVerifier | None = None,
    policy: ChainPolicy = DEFAULT_POLICY,
    require_chip_authentication: bool = True,
    extra_chip_steps: tuple[StepResult, ...] = (),
) -> VerificationReport:
    """``key`` is the ``CanKey``/``MrzKey`` the reader used; ``qr_text`` the scanned QR, if any;
    ``extra_chip_steps`` e.g. the PACE-CAM check (``chip.check_pace_cam``)."""
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    extra: list[StepResult] = []
    passive: PassiveResult | None = None
    sod_bytes = read.file_bytes("SOD")
    if sod_bytes is not None:
        groups = {}
        for n in range(1, 17):
            data = read.file_bytes(f"DG{n}")
            if data is not None:
                groups[n] = data
        try:
            passive = verify_sod(parse_sod(sod_bytes), groups, trust, now, policy=policy)
        except NfcError as exc:
            extra.append(StepResult("sod-parse", StepStatus.FAILED, str(exc), "sod-unparseable"))

    chip: list[StepResult] = list(extra_chip_steps)
    ca, aa = read.chip_authentication, read.active_authentication
    if ca is not None:
        chip.append(ca.to_step())
    elif read.file_bytes("DG14") is not None:
        chip.append(StepResult("chip-authentication", StepStatus.SKIPPED, "not run by the reader", "not-run"))
    if aa is not None:
        chip.append(aa.to_step())
    elif read.file_bytes("DG15") is not None:
        chip.append(StepResult("active-authentication", StepStatus.SKIPPED, "not run by the reader", "not-run"))

    checks = crosscheck(
        mrz_values(read.mrz) if read.mrz is not None else None,
        personal_values(read.personal_data) if read.personal_data is not None else None,
        key=key_values(key) if key is not None else None,
        qr=qr_values(qr_text) if qr_text else None,
    )

    online_step = None
    if online is not None and passive is not None and passive.dsc is not None and not passive.chained:
        online_step = online.verify(OnlineRequest(passive.dsc.der, sod_bytes)).to_step()

    return decide(
        passive,
        chip=chip,
        crosschecks=checks,
        online=online_step,
        extra_steps=extra,
        require_chip_authentication=require_chip_authentication,
        now=now,
        started=started,
    )
