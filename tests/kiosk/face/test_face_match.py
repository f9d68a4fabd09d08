from __future__ import annotations

import pytest

from kiosk.face.match import FaceDecision, MatchConfig, Outcome, Reason, decide, refer

CFG = MatchConfig()


@pytest.mark.parametrize(
    ("distance", "outcome", "reason"),
    [
        (0.20, Outcome.MATCH, Reason.MATCH),
        (0.4999, Outcome.MATCH, Reason.MATCH),
        (0.50, Outcome.UNSURE, Reason.DISTANCE_BORDERLINE),
        (0.5999, Outcome.UNSURE, Reason.DISTANCE_BORDERLINE),
        (0.60, Outcome.NO_MATCH, Reason.DISTANCE_HIGH),
        (0.90, Outcome.NO_MATCH, Reason.DISTANCE_HIGH),
    ],
)
def test_thresholds_with_liveness_passed(distance: float, outcome: Outcome, reason: Reason) -> None:
    decision = decide(distance, CFG, liveness=True)
    assert (decision.outcome, decision.reason) == (outcome, reason)
    assert decision.needs_staff is (outcome is not Outcome.MATCH)
    assert decision.liveness == "passed"


def test_failed_liveness_is_never_a_match() -> None:
    decision = decide(0.1, CFG, liveness=False, liveness_detail="no-blink")
    assert decision.outcome is Outcome.UNSURE
    assert decision.reason is Reason.LIVENESS_FAILED
    assert decision.liveness == "failed:no-blink"
    assert decision.needs_staff
    assert decide(0.8, CFG, liveness=False).outcome is Outcome.NO_MATCH


def test_liveness_not_run_is_unsure_unless_config_allows_stills() -> None:
    assert decide(0.1, CFG, liveness=None).reason is Reason.LIVENESS_NOT_RUN
    stills = MatchConfig(require_liveness=False)
    assert decide(0.1, stills, liveness=None).outcome is Outcome.MATCH


def test_config_is_validated() -> None:
    with pytest.raises(ValueError):
        MatchConfig(match_below=0.7, no_match_from=0.6)
    with pytest.raises(ValueError):
        MatchConfig(match_below=0.0)
    custom = MatchConfig(match_below=0.4, no_match_from=0.4)  # a site may remove the unsure band
    assert decide(0.39, custom, liveness=True).outcome is Outcome.MATCH
    assert decide(0.40, custom, liveness=True).outcome is Outcome.NO_MATCH


def test_refer_outcomes_route_to_staff() -> None:
    assert refer(Reason.NO_CONSENT).outcome is Outcome.NOT_CHECKED
    assert refer(Reason.NO_FACE_CHIP).outcome is Outcome.NOT_CHECKED
    assert refer(Reason.NO_FACE_LIVE).outcome is Outcome.UNSURE
    assert refer(Reason.MULTIPLE_FACES_LIVE).outcome is Outcome.UNSURE
    for reason in Reason:
        if reason is not Reason.MATCH:
            assert refer(reason).needs_staff


def test_decision_dict_holds_codes_and_numbers_only() -> None:
    record = decide(0.3333333, CFG, liveness=True, model="m").as_dict()
    assert record == {
        "outcome": "match",
        "reason": "match",
        "needs_staff": False,
        "distance": 0.3333,
        "liveness": "passed",
        "model": "m",
    }
    assert isinstance(FaceDecision(Outcome.UNSURE, Reason.NO_FACE_LIVE).as_dict()["outcome"], str)
