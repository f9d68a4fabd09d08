"""The maKetQua table against the notes (shared/notes/bhyt-and-his.md §1.4)."""

from __future__ import annotations

import pytest

from kiosk.insurance.codes import (
    CODE_TABLE,
    InsuranceAction,
    InsuranceOutcome,
    normalize_code,
    outcome_for_code,
)

Out = InsuranceOutcome
# Written from the notes' table, independently of the module's rows.
EXPECTED = {
    "000": Out.VALID, "001": Out.DEFENCE_MINISTRY_CARD, "002": Out.PUBLIC_SECURITY_CARD,
    "003": Out.NEW_CARD_OLD_EXPIRED, "004": Out.NEW_CARD_OLD_VALID, "010": Out.EXPIRED, "050": Out.NOT_FOUND,
    "051": Out.WRONG_CARD_CODE, "052": Out.WRONG_PROVINCE_CODE, "053": Out.WRONG_BENEFIT_CODE,
    "054": Out.OFFICER_NOT_REGISTERED, "055": Out.OFFICER_NAME_MISMATCH, "060": Out.WRONG_NAME,
    "061": Out.WRONG_NAME_FIRST_LETTER_OK, "070": Out.WRONG_DOB, "100": Out.CARD_DATA_ERROR,
    "101": Out.SERVER_ERROR, "110": Out.REVOKED, "120": Out.REDUCED, "121": Out.MOVED_OUT_OF_PROVINCE,
    "122": Out.MOVED_WITHIN_PROVINCE,
    "123": Out.READDED_SAME_UNIT, "124": Out.STOPPED_PARTICIPATING, "130": Out.CHILD_WITHOUT_CARD,
    "205": Out.BAD_PARAMETER_FORMAT, "401": Out.AUTH_ERROR, "500": Out.SERVER_ERROR,
}


def test_table_has_exactly_the_documented_codes() -> None:
    assert set(CODE_TABLE) == set(EXPECTED)


@pytest.mark.parametrize(("code", "outcome"), sorted(EXPECTED.items()))
def test_code_maps_to_outcome(code: str, outcome: InsuranceOutcome) -> None:
    assert outcome_for_code(code).outcome is outcome


def test_actions_follow_the_notes() -> None:
    assert {c for c, i in CODE_TABLE.items() if i.outcome.covered} == {"000", "003", "004"}
    retry = {c for c, i in CODE_TABLE.items() if i.action is InsuranceAction.RETRY_LATER}
    assert retry == {"100", "101", "500"}
    assert {c for c, i in CODE_TABLE.items() if i.action is InsuranceAction.CONFIG_ERROR} == {"054", "055"}
    assert CODE_TABLE["205"].action is InsuranceAction.BUG
    assert CODE_TABLE["010"].action is InsuranceAction.STAFF


def test_every_outcome_has_a_row() -> None:
    for outcome in InsuranceOutcome:
        assert outcome.info.outcome is outcome


@pytest.mark.parametrize(("raw", "code"), [("0", "000"), (0, "000"), (" 10 ", "010"), ("061", "061")])
def test_code_normalisation(raw: object, code: str) -> None:
    assert normalize_code(raw) == code
    assert outcome_for_code(raw).code == code


def test_unknown_code_is_a_staff_case() -> None:
    info = outcome_for_code("999")
    assert info.outcome is InsuranceOutcome.UNKNOWN
    assert info.action is InsuranceAction.STAFF
    assert info.code == "999"
