"""The decision: ``match``, ``no-match`` or ``unsure`` (plus ``not-checked`` when the check did not
run). Anything but ``match`` goes to staff with a reason code; nobody is turned away by this check."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    MATCH = "match"
    NO_MATCH = "no-match"
    UNSURE = "unsure"
    NOT_CHECKED = "not-checked"  # declined, or no usable image: staff confirm by hand


class Reason(StrEnum):
    MATCH = "match"
    DISTANCE_HIGH = "distance-high"
    DISTANCE_BORDERLINE = "distance-borderline"
    LIVENESS_FAILED = "liveness-failed"
    LIVENESS_NOT_RUN = "liveness-not-run"
    NO_CONSENT = "no-consent"
    NO_FACE_LIVE = "no-face-live"
    MULTIPLE_FACES_LIVE = "multiple-faces-live"
    POOR_QUALITY_LIVE = "poor-quality-live"
    NO_FACE_CHIP = "no-face-chip"
    MULTIPLE_FACES_CHIP = "multiple-faces-chip"
    CHIP_PHOTO_UNREADABLE = "chip-photo-unreadable"
    MODEL_UNAVAILABLE = "model-unavailable"


@dataclass(frozen=True)
class MatchConfig:
    """Thresholds on the embedder's distance (dlib ResNet: Euclidean on 128-d).

    Defaults: ``match`` below 0.50, ``no-match`` from 0.60, ``unsure`` between. On public photos the
    same person measured 0.23–0.46 and different people 0.63–0.91 (docs/face.md). NOT calibrated on
    Vietnamese faces nor on chip photos against a kiosk camera: a site calibrates before relying on it.
    """

    match_below: float = 0.50
    no_match_from: float = 0.60
    #: a ``match`` needs a passed liveness challenge; False only for technician still-image checks
    require_liveness: bool = True

    def __post_init__(self) -> None:
        if not 0.0 < self.match_below <= self.no_match_from:
            raise ValueError("need 0 < match_below <= no_match_from")


@dataclass(frozen=True)
class FaceDecision:
    outcome: Outcome
    reason: Reason
    #: embedder distance (a number, not biometric data); None when no comparison ran
    distance: float | None = None
    #: "passed", "failed:<why>" or "not-run"
    liveness: str = "not-run"
    model: str = ""

    @property
    def needs_staff(self) -> bool:
        return self.outcome is not Outcome.MATCH

    def as_dict(self) -> dict[str, object]:
        return {
            "outcome": str(self.outcome),
            "reason": str(self.reason),
            "needs_staff": self.needs_staff,
            "distance": None if self.distance is None else round(self.distance, 4),
            "liveness": self.liveness,
            "model": self.model,
        }


def decide(
    distance: float, config: MatchConfig, *, liveness: bool | None, liveness_detail: str = "", model: str = ""
) -> FaceDecision:
    """``liveness``: True passed, False failed, None not run."""
    live = "not-run" if liveness is None else ("passed" if liveness else f"failed:{liveness_detail or '?'}")
    if distance >= config.no_match_from:
        outcome, reason = Outcome.NO_MATCH, Reason.DISTANCE_HIGH
    elif distance >= config.match_below:
        outcome, reason = Outcome.UNSURE, Reason.DISTANCE_BORDERLINE
    else:
        outcome, reason = Outcome.MATCH, Reason.MATCH
    if liveness is False:
        # a held-up photo: never a match, and staff learn why
        outcome = Outcome.NO_MATCH if outcome is Outcome.NO_MATCH else Outcome.UNSURE
        reason = Reason.LIVENESS_FAILED
    elif liveness is None and config.require_liveness and outcome is Outcome.MATCH:
        outcome, reason = Outcome.UNSURE, Reason.LIVENESS_NOT_RUN
    return FaceDecision(outcome, reason, distance, live, model)


_NOT_RUN = {Reason.NO_CONSENT, Reason.CHIP_PHOTO_UNREADABLE, Reason.NO_FACE_CHIP,
            Reason.MULTIPLE_FACES_CHIP, Reason.MODEL_UNAVAILABLE}


def refer(reason: Reason, *, model: str = "", liveness: str = "not-run") -> FaceDecision:
    """No comparison could be made: ``not-checked`` when the check could not run at all (no consent,
    chip photo or model unusable), ``unsure`` when the live side failed. Both go to staff."""
    outcome = Outcome.NOT_CHECKED if reason in _NOT_RUN else Outcome.UNSURE
    return FaceDecision(outcome, reason, None, liveness, model)
