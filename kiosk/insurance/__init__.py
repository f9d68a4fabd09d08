"""BHYT (Vietnamese social health insurance) eligibility: gateway client, result codes, local emulator."""

from kiosk.insurance.client import BhytClient
from kiosk.insurance.codes import CODE_TABLE, InsuranceAction, InsuranceOutcome, outcome_for_code
from kiosk.insurance.models import BhytCredentials, CheckRecord, InsuranceResult, VisitRecord

__all__ = [
    "CODE_TABLE",
    "BhytClient",
    "BhytCredentials",
    "CheckRecord",
    "InsuranceAction",
    "InsuranceOutcome",
    "InsuranceResult",
    "VisitRecord",
    "outcome_for_code",
]
