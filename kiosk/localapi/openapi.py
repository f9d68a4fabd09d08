"""The OpenAPI 3.1 document served at ``GET /v1/openapi.json`` (built here so it cannot drift from the
error codes and event names the code uses)."""

from __future__ import annotations

from typing import Any

from kiosk.localapi.events import EVENT_KINDS

API_VERSION = "1.0.0"

_ERROR = {"$ref": "#/components/schemas/Error"}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


_COMMON_ERRORS = {
    "401": _error_response("missing or wrong pairing token (`unauthorized`)"),
    "403": _error_response("wrong Host (`host-not-allowed`), Origin not allowed (`origin-not-allowed`)"),
    "429": _error_response("too many wrong tokens (`too-many-attempts`)"),
}

_CARD_ERRORS = {
    "400": _error_response("bad timeout (`bad-timeout`), malformed key (`bad-key-input`) or body (`bad-request`)"),
    "403": _error_response("`host-not-allowed`, `origin-not-allowed`, or staff refused consent (`consent-refused`)"),
    "408": _error_response("no card within the timeout (`no-card`)"),
    "409": _error_response("another read is running (`busy`) or the card was taken away (`card-removed`)"),
    "422": _error_response("the card refused the key (`wrong-key`) or cannot be read (`unsupported-card`)"),
    "428": _error_response("no key: none entered by staff and none in the request (`no-key`)"),
    "502": _error_response("the card answered something unreadable (`io-error`, `bad-data`, ...)"),
    "503": _error_response("no reader (`no-reader`) or no PC/SC service (`no-service`)"),
    "504": _error_response("the read did not finish in time (`read-timeout`, `timeout`)"),
}


def openapi_document(port: int) -> dict[str, Any]:
    card_ok = {
        "description": "the card, exactly as `cccd-kiosk read --json` prints it (docs/card-read-json.md), "
                       "with `verification` filled in",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CardRead"}}},
    }
    timeout_param = {
        "name": "timeout", "in": "query", "required": False,
        "description": "seconds to wait for a card (default 30, at most 120)",
        "schema": {"type": "number", "exclusiveMinimum": 0, "maximum": 120, "default": 30},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "cccd-kiosk staff desktop local API",
            "version": API_VERSION,
            "description": (
                "Reads the chip ID card (CCCD) on the staff desk's reader for a browser-based HIS page. "
                "Listens on 127.0.0.1 only. Every call needs an allowed Origin, a Host of "
                "127.0.0.1:<port> or localhost:<port>, and the pairing token; card reads also need staff "
                "consent for the origin (asked once per sitting). See docs/local-api.md."
            ),
        },
        "servers": [{"url": f"http://127.0.0.1:{port}"}, {"url": f"http://localhost:{port}"}],
        "security": [{"pairingToken": []}],
        "paths": {
            "/v1/status": {
                "get": {
                    "summary": "reader and card presence (no personal data)",
                    "operationId": "getStatus",
                    "responses": {
                        "200": {"description": "status",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}},
                        **_COMMON_ERRORS,
                    },
                },
            },
            "/v1/card": {
                "get": {
                    "summary": "wait for a card and read it with the key staff entered",
                    "operationId": "readCard",
                    "parameters": [timeout_param],
                    "responses": {"200": card_ok, **_COMMON_ERRORS, **_CARD_ERRORS},
                },
                "post": {
                    "summary": "wait for a card and read it with the key in the body",
                    "operationId": "readCardWithKey",
                    "parameters": [timeout_param],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/KeyRequest"}}},
                    },
                    "responses": {"200": card_ok, **_COMMON_ERRORS, **_CARD_ERRORS},
                },
            },
            "/v1/events": {
                "get": {
                    "summary": "server-sent events: card inserted/removed, read started/finished (no personal data)",
                    "operationId": "events",
                    "description": (
                        "`text/event-stream`. Event names: " + ", ".join(f"`{k}`" for k in EVENT_KINDS) + ". "
                        "`EventSource` cannot send headers, so this endpoint also accepts the token as the "
                        "`access_token` query parameter."
                    ),
                    "parameters": [{"name": "access_token", "in": "query", "required": False,
                                    "schema": {"type": "string"}}],
                    "responses": {
                        "200": {"description": "event stream",
                                "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                        **_COMMON_ERRORS,
                        "503": _error_response("too many open event streams (`too-many-listeners`)"),
                    },
                },
            },
            "/v1/openapi.json": {
                "get": {
                    "summary": "this document", "operationId": "openapi", "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1 document",
                                          "content": {"application/json": {"schema": {"type": "object"}}}}},
                },
            },
        },
        "components": {
            "securitySchemes": {
                "pairingToken": {"type": "http", "scheme": "bearer",
                                 "description": "the per-install pairing token shown on the staff desktop"},
            },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error", "message", "hint"],
                    "properties": {"error": {"type": "string", "description": "stable reason code"},
                                   "message": {"type": "string"}, "hint": {"type": "string"}},
                },
                "Status": {
                    "type": "object",
                    "required": ["service", "reader_present", "readers", "card_present", "reading"],
                    "properties": {
                        "service": {"enum": ["ok", "no-service"]},
                        "reader_present": {"type": "boolean"},
                        "readers": {"type": "array", "items": {"type": "string"}},
                        "card_present": {"type": "boolean"},
                        "reading": {"type": "boolean"},
                        "staff_key": {"type": "boolean", "description": "staff entered a key"},
                    },
                },
                "KeyRequest": {
                    "type": "object",
                    "description": "exactly one of `can` or `mrz`",
                    "properties": {
                        "can": {"type": "string", "pattern": "^[0-9]{6}$"},
                        "mrz": {"type": "string", "description": "MRZ lines, joined or newline-separated"},
                    },
                },
                "CardRead": {
                    "type": "object",
                    "description": "schema `cccd-kiosk/card-read/1`, see docs/card-read-json.md",
                    "required": ["schema", "complete", "access", "files", "verification"],
                    "properties": {
                        "schema": {"const": "cccd-kiosk/card-read/1"},
                        "complete": {"type": "boolean"},
                        "atr": {"type": "string"},
                        "access": {"type": "object"},
                        "mrz": {"type": ["object", "null"]},
                        "personal_data": {"type": ["object", "null"]},
                        "photo": {"type": ["object", "null"]},
                        "files": {"type": "object"},
                        "apdu_count": {"type": "integer"},
                        "bytes_total": {"type": "integer"},
                        "timings_ms": {"type": "object"},
                        "verification": {"type": ["object", "null"]},
                    },
                },
            },
        },
    }
