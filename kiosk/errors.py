"""One error hierarchy for the check-in job (``kiosk``).

Every error carries a stable ``reason`` code (the flow maps it to patient text in Vietnamese and English)
and a ``hint`` for staff. ``detail`` is free text for logs and must never contain personal data (ID numbers,
names, dates of birth, addresses): callers pass codes, counts and status numbers only.

Add new kinds by subclassing and overriding the class attributes ``reason`` and ``hint``; the constructor
lets a raise site override either for one occurrence.
"""

from __future__ import annotations


class KioskError(Exception):
    """Base of every error raised by ``kiosk``."""

    reason: str = "kiosk-error"
    hint: str = "Try again; if it keeps failing, call staff."

    def __init__(self, reason: str | None = None, hint: str | None = None, *, detail: str = "") -> None:
        if reason is not None:
            self.reason = reason
        if hint is not None:
            self.hint = hint
        self.detail = detail
        super().__init__(f"{self.reason}: {detail}" if detail else self.reason)


# --- insurance (BHYT gateway) ---------------------------------------------------------------------
class InsuranceError(KioskError):
    reason = "insurance-error"
    hint = "The insurance check failed. Admit the patient as 'card not verified' and re-check later."


class InsuranceUnavailable(InsuranceError):
    """Network error, timeout or 5xx after the bounded retries: the flow goes offline for insurance."""

    reason = "insurance-unavailable"
    hint = ("The BHYT gateway cannot be reached. Admit the patient as 'card not verified'; "
            "it is re-checked later.")


class InsuranceAuthError(InsuranceError):
    """The gateway refused the kiosk's account (login rejected, or 401 again right after a fresh login)."""

    reason = "insurance-auth"
    hint = ("The kiosk's BHYT gateway account was refused. "
            "IT: check the username/password in the device config.")


class InsuranceProtocolError(InsuranceError):
    """The gateway answered something that is not its documented wire format."""

    reason = "insurance-protocol"
    hint = "The BHYT gateway sent an unexpected answer. IT: check the gateway URL and API version."


class InsuranceInputError(InsuranceError):
    """The look-up request itself is invalid (caught before anything is sent)."""

    reason = "insurance-bad-input"
    hint = "The card data cannot be used for an insurance look-up. Staff: check the card by hand."


# --- HIS -------------------------------------------------------------------------------------------
class HisError(KioskError):
    reason = "his-error"
    hint = "The hospital system did not accept the check-in. Staff: register the visit at the desk."


class HisUnavailable(HisError):
    """Network error, timeout or 5xx: the operation stays in the outbox and is delivered later."""

    reason = "his-unavailable"
    hint = "The hospital system cannot be reached. The ticket is marked for staff; the visit is sent later."


class HisRejected(HisError):
    """A 4xx answer: ``status`` is the HTTP status, ``outcome`` the OperationOutcome text."""

    reason = "his-rejected"
    hint = "The hospital system refused the check-in. Staff: register the visit at the desk."

    def __init__(self, status: int, outcome: str = "", *, reason: str | None = None,
                 hint: str | None = None) -> None:
        self.status = status
        self.outcome = outcome
        super().__init__(reason, hint, detail=f"HTTP {status}" + (f": {outcome}" if outcome else ""))


class HisConflict(HisRejected):
    """A 412 that did not resolve after re-reading, or a state the kiosk must not change."""

    reason = "his-conflict"
    hint = "The appointment was being changed at the same time. Staff: check it in the hospital system."


class HisAmbiguousPatient(HisError):
    """More than one Patient carries the same ID-number identifier: the kiosk must not guess."""

    reason = "his-duplicate-patient"
    hint = "The hospital system holds duplicate records for this person. Staff: merge them, then check in."


class HisProtocolError(HisError):
    """The server answered something that is not valid FHIR for the request."""

    reason = "his-protocol"
    hint = "The hospital system sent an unexpected answer. IT: check the FHIR base URL and version."


class HisIdentityError(HisError, ValueError):
    """A ``HisIdentity`` field is malformed (the message names the field, never its value). Also a
    ``ValueError``, so generic input checks catch it."""

    reason = "his-bad-identity"
    hint = "The identity read from the card cannot be sent to the hospital system. Staff: register by hand."


class HisConfigError(HisError):
    """Kiosk configuration does not fit the request (e.g. an unknown department code)."""

    reason = "his-config"
    hint = "The kiosk configuration is incomplete. IT: check the department list in the device config."
