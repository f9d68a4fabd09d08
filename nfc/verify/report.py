"""The verification report: per-step results and the verdict. Immutable, JSON-ready, free of PII
(details name algorithms, data group numbers and certificate subjects of authorities only)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class StepStatus(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not-checked"  # could not be checked (data not read, no trust anchor, ...)
    SKIPPED = "skipped"  # deliberately not run (not supported by the card, disabled by policy)


class Verdict(enum.Enum):
    AUTHENTIC = "authentic"
    ISSUER_UNKNOWN = "issuer-unknown"
    FAILED = "failed"


@dataclass(frozen=True)
class StepResult:
    name: str  # "sod-signature", "dg-hash:DG13", "dsc-chain", "chip-authentication", "crosscheck:dob", ...
    status: StepStatus
    detail: str = ""
    reason: str | None = None  # reason code when failed / not checked
    algorithm: str | None = None
    certificates: tuple[str, ...] = ()
    ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "status": self.status.value}
        if self.detail:
            out["detail"] = self.detail
        if self.reason:
            out["reason"] = self.reason
        if self.algorithm:
            out["algorithm"] = self.algorithm
        if self.certificates:
            out["certificates"] = list(self.certificates)
        out["ms"] = round(self.ms, 3)
        return out


@dataclass(frozen=True)
class VerificationReport:
    verdict: Verdict
    reason: str | None  # precise reason code for FAILED (e.g. "dg-hash-mismatch:DG13"), or why ISSUER_UNKNOWN
    steps: tuple[StepResult, ...]
    checked_at: datetime
    dsc_subject: str | None = None
    dsc_aki: str | None = None  # hex; names the unknown issuer for ISSUER_UNKNOWN
    csca_subject: str | None = None
    ms: float = 0.0
    reasons: tuple[str, ...] = field(default=())  # every failure reason, first = ``reason``

    def step(self, name: str) -> StepResult | None:
        return next((s for s in self.steps if s.name == name), None)

    def status(self, name: str) -> StepStatus | None:
        found = self.step(name)
        return found.status if found else None

    @property
    def authentic(self) -> bool:
        return self.verdict is Verdict.AUTHENTIC

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "reason": self.reason,
            "reasons": list(self.reasons),
            "checked_at": self.checked_at.isoformat(),
            "dsc_subject": self.dsc_subject,
            "dsc_aki": self.dsc_aki,
            "csca_subject": self.csca_subject,
            "ms": round(self.ms, 3),
            "steps": [s.to_json() for s in self.steps],
        }
