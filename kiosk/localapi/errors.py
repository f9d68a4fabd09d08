"""Typed errors of the local API. Each maps to one HTTP status and becomes the JSON body
``{"error": reason, "message": ..., "hint": ...}``; messages never carry personal data."""

from __future__ import annotations

from kiosk.errors import KioskError


class LocalApiError(KioskError):
    """Base of every local-API error; ``status`` is the HTTP status code it is answered with."""

    reason = "local-api-error"
    hint = "Try again; if it keeps failing, restart the staff desktop."
    status = 500

    def __init__(self, reason: str | None = None, hint: str | None = None, *, detail: str = "",
                 status: int | None = None) -> None:
        super().__init__(reason, hint, detail=detail)
        if status is not None:
            self.status = status

    @property
    def message(self) -> str:
        return self.detail or self.reason


class BindRefused(LocalApiError):
    """The server was asked to listen anywhere but 127.0.0.1."""

    reason = "bind-refused"
    hint = "The local API listens on 127.0.0.1 only; remove the bind address setting."


class HostNotAllowed(LocalApiError):
    """DNS-rebinding defence: the Host header names something other than this loopback server."""

    reason = "host-not-allowed"
    hint = "Call the API as http://127.0.0.1:<port> or http://localhost:<port>."
    status = 403


class OriginNotAllowed(LocalApiError):
    reason = "origin-not-allowed"
    hint = "IT: add the HIS page's origin (scheme://host[:port]) to the local API's allowed origins."
    status = 403


class Unauthorized(LocalApiError):
    reason = "unauthorized"
    hint = "Send the pairing token shown on the staff desktop as 'Authorization: Bearer <token>'."
    status = 401


class TooManyAttempts(LocalApiError):
    reason = "too-many-attempts"
    hint = "Too many wrong pairing tokens; wait a minute, then pair again with the token from the staff desktop."
    status = 429


class ConsentRefused(LocalApiError):
    reason = "consent-refused"
    hint = "Staff refused this page access to the card. Ask the staff to allow it and try again."
    status = 403


class BadRequest(LocalApiError):
    reason = "bad-request"
    hint = "Check the request against /v1/openapi.json."
    status = 400


class NotFound(LocalApiError):
    reason = "not-found"
    hint = "See /v1/openapi.json for the endpoints."
    status = 404


class MethodNotAllowed(LocalApiError):
    reason = "method-not-allowed"
    hint = "See /v1/openapi.json for the methods of each endpoint."
    status = 405


class ReaderBusy(LocalApiError):
    reason = "busy"
    hint = "Another read is running; wait for it to finish and try again."
    status = 409


class NoKey(LocalApiError):
    reason = "no-key"
    hint = "Staff: enter the CAN or MRZ in the staff window, or send a key with POST /v1/card."
    status = 428


class CardWaitTimeout(LocalApiError):
    reason = "no-card"
    hint = "No card was placed on the reader in time. Place the card flat on the reader and try again."
    status = 408


class TooManyListeners(LocalApiError):
    reason = "too-many-listeners"
    hint = "Close other pages listening to /v1/events."
    status = 503
