"""Issue 6 acceptance (local API), in-process virtual card: the gate (Host, Origin, token, consent),
CORS and Private Network Access preflights, the card document, typed errors, and a clean access log."""

from __future__ import annotations

import dataclasses
import json
import logging
import socket
import threading
import time
from typing import Any

import pytest

from kiosk.cardjson import card_read_to_json
from kiosk.localapi import LocalApiServer
from kiosk.localapi.errors import BindRefused
from kiosk.privacy import id_hash
from nfc.access.keys import CanKey
from nfc.reader import read_card
from nfc.transport.memory import MemoryConnection
from nfc.verify.card import verify_card_read
from nfc.verify.trust import TrustStore

ENDPOINTS = ("/v1/status", "/v1/card?timeout=2", "/v1/events")
ERROR_KEYS = {"error", "message", "hint"}


def assert_no_data(answer: Any, pii: list[str]) -> None:
    """A refusal: a typed error, no CORS grant, nothing personal."""
    body = answer.json()
    assert set(body) == ERROR_KEYS
    assert "access-control-allow-origin" not in answer.headers
    assert "access-control-allow-private-network" not in answer.headers
    for value in pii:
        assert value not in answer.text


# --- the right caller ---------------------------------------------------------------------------------
def test_right_token_allowed_origin_and_consent_return_the_read_json(api: Any, stable_json: Any) -> None:
    answer = api.client.get("/v1/card?timeout=5")
    assert answer.status == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == api.origin
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["cache-control"] == "no-store"
    document = answer.json()
    # what `cccd-kiosk read --json` prints for this card (same function over an independent read)
    key = CanKey(api.env.citizen.can)
    with MemoryConnection(api.env.virtual) as connection:
        read = read_card(connection, key)
    report = verify_card_read(read, TrustStore(api.env.data_dir / "trust"), key=key)
    expected = card_read_to_json(dataclasses.replace(read, verification=report))
    assert stable_json(document) == stable_json(expected)
    assert document["personal_data"]["id_number"] == api.env.citizen.id_number
    assert document["verification"]["verdict"] == "authentic"  # the demo trusts its test CSCA
    assert api.consent.asked == [api.origin]


def test_consent_is_remembered_for_the_sitting_and_can_be_revoked(api: Any) -> None:
    assert api.client.get("/v1/card?timeout=5").status == 200
    assert api.client.get("/v1/card?timeout=5").status == 200
    assert api.consent.asked == [api.origin]
    api.access.revoke()
    assert api.client.get("/v1/card?timeout=5").status == 200
    assert api.consent.asked == [api.origin, api.origin]


def test_localhost_host_is_accepted_too(api: Any) -> None:
    answer = api.client.get("/v1/status", host=f"localhost:{api.server.port}")
    assert answer.status == 200
    assert answer.json()["card_present"] is True


def test_status_has_no_personal_data(api: Any, pii: list[str]) -> None:
    assert api.client.get("/v1/card?timeout=5").status == 200  # a card was read this sitting
    answer = api.client.get("/v1/status")
    assert answer.status == 200
    assert answer.json() == {"service": "ok", "reader_present": True, "readers": [api.source.reader],
                             "card_present": True, "reading": False, "staff_key": True}
    for value in pii:
        assert value not in answer.text


# --- refusals -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("origin", ["https://evil.example", "null", "https://his.benhvien.test.evil.example",
                                    "http://his.benhvien.test", "https://his.benhvien.test:444"])
def test_a_foreign_origin_is_refused(api: Any, pii: list[str], path: str, origin: str) -> None:
    answer = api.client.get(path, origin=origin)
    assert answer.status == 403
    assert answer.json()["error"] == "origin-not-allowed"
    assert_no_data(answer, pii)
    assert api.consent.asked == []
    assert api.factory.opened == 0


def test_a_request_without_origin_is_refused(api: Any, pii: list[str]) -> None:
    answer = api.client.get("/v1/card?timeout=2", origin=None)
    assert answer.status == 403 and answer.json()["error"] == "origin-not-allowed"
    assert_no_data(answer, pii)
    assert api.factory.opened == 0


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1", "localhost",
                                  "127.0.0.1", "0.0.0.0:{port}", "[::1]:{port}", None])
def test_a_wrong_host_is_refused_dns_rebinding(api: Any, pii: list[str], path: str, host: str | None) -> None:
    # the rebinding page is same-origin with itself, has the right origin/token only if it stole them:
    # the Host header alone must stop it
    answer = api.client.get(path, host=host.format(port=api.server.port) if host else None)
    assert answer.status == 403
    assert answer.json()["error"] == "host-not-allowed"
    assert_no_data(answer, pii)
    assert api.consent.asked == []
    assert api.factory.opened == 0


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("token", [None, "wrong", "x" * 43, ""])
def test_a_missing_or_wrong_token_is_refused(api: Any, pii: list[str], path: str, token: str | None) -> None:
    answer = api.client.get(path, token=token)
    assert answer.status == 401
    assert answer.json()["error"] == "unauthorized"
    assert answer.headers["www-authenticate"].startswith("Bearer")
    # an allowed page may read the error (CORS), but gets no data
    assert answer.headers["access-control-allow-origin"] == api.origin
    for value in pii:
        assert value not in answer.text
    assert api.consent.asked == []
    assert api.factory.opened == 0


def test_the_token_must_be_a_bearer_header_except_for_event_source(api: Any) -> None:
    basic = api.client.get("/v1/status", token=None, headers={"Authorization": f"Basic {api.client.token}"})
    assert basic.status == 401
    in_query = api.client.get(f"/v1/card?timeout=2&access_token={api.client.token}", token=None)
    assert in_query.status == 401
    assert api.factory.opened == 0


def test_repeated_wrong_tokens_are_rate_limited(server_factory: Any) -> None:
    running = server_factory(failure_limit=3, failure_window_s=60)
    for _ in range(3):
        assert running.client.get("/v1/status", token="guess").status == 401
    blocked = running.client.get("/v1/status")  # even the right token, for the rest of the window
    assert blocked.status == 429 and blocked.json()["error"] == "too-many-attempts"


def test_refused_consent_is_403_and_nothing_is_read(api: Any, pii: list[str]) -> None:
    listener = api.cards.events.listen()
    answer = api.client.get("/v1/card?timeout=2", origin=api.other_origin)
    assert answer.status == 403
    assert answer.json()["error"] == "consent-refused"
    assert answer.headers["access-control-allow-origin"] == api.other_origin
    for value in pii:
        assert value not in answer.text
    assert api.consent.asked == [api.other_origin]
    assert api.factory.opened == 0
    listener.close()
    kinds = [event.kind for event in listener.events(0.01) if event is not None]
    assert "read-started" not in kinds
    # refusal is not remembered: staff are asked again next time
    assert api.client.get("/v1/card?timeout=2", origin=api.other_origin).status == 403
    assert api.consent.asked == [api.other_origin, api.other_origin]


def test_a_consent_prompt_that_fails_refuses(api: Any) -> None:
    def broken(origin: str) -> bool:
        raise RuntimeError("dialog crashed")

    api.access._consent = broken
    answer = api.client.get("/v1/card?timeout=2")
    assert answer.status == 403 and answer.json()["error"] == "consent-refused"
    assert api.factory.opened == 0


# --- preflights -----------------------------------------------------------------------------------------
PREFLIGHT = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization",
             "Access-Control-Request-Private-Network": "true"}


def test_preflight_for_an_allowed_origin_answers_cors_and_private_network(api: Any) -> None:
    answer = api.client.request("OPTIONS", "/v1/card?timeout=5", token=None, headers=PREFLIGHT)
    assert answer.status == 204
    assert answer.headers["access-control-allow-origin"] == api.origin
    assert answer.headers["access-control-allow-private-network"] == "true"
    assert "authorization" in answer.headers["access-control-allow-headers"].lower()
    assert "GET" in answer.headers["access-control-allow-methods"]
    assert "origin" in answer.headers["vary"].lower()
    assert api.factory.opened == 0 and api.consent.asked == []


def test_preflight_without_the_private_network_request_gets_no_private_network_grant(api: Any) -> None:
    headers = {k: v for k, v in PREFLIGHT.items() if "Private" not in k}
    answer = api.client.request("OPTIONS", "/v1/status", token=None, headers=headers)
    assert answer.status == 204
    assert answer.headers["access-control-allow-origin"] == api.origin
    assert "access-control-allow-private-network" not in answer.headers


@pytest.mark.parametrize("origin", ["https://evil.example", "null", None])
def test_preflight_for_a_foreign_origin_grants_nothing(api: Any, pii: list[str], origin: str | None) -> None:
    answer = api.client.request("OPTIONS", "/v1/card", origin=origin, token=None, headers=PREFLIGHT)
    assert answer.status == 403
    assert "access-control-allow-methods" not in answer.headers
    assert_no_data(answer, pii)


def test_preflight_with_a_rebound_host_grants_nothing(api: Any, pii: list[str]) -> None:
    answer = api.client.request("OPTIONS", "/v1/card", host="evil.example", token=None, headers=PREFLIGHT)
    assert answer.status == 403 and answer.json()["error"] == "host-not-allowed"
    assert_no_data(answer, pii)


# --- reads and typed errors ----------------------------------------------------------------------------
def test_no_card_within_the_timeout_is_408(api: Any) -> None:
    api.source.remove()
    started = time.monotonic()
    answer = api.client.get("/v1/card?timeout=0.3")
    assert answer.status == 408
    assert answer.json()["error"] == "no-card" and set(answer.json()) == ERROR_KEYS
    assert time.monotonic() - started < 5
    assert api.factory.opened == 0


def test_a_card_placed_while_waiting_is_read(api: Any) -> None:
    api.source.remove()
    threading.Timer(0.3, api.source.insert).start()
    answer = api.client.get("/v1/card?timeout=5")
    assert answer.status == 200 and answer.json()["complete"] is True


@pytest.mark.parametrize("query", ["timeout=abc", "timeout=0", "timeout=-1", "timeout=1000", "timeout=nan"])
def test_a_bad_timeout_is_400(api: Any, query: str) -> None:
    answer = api.client.get(f"/v1/card?{query}")
    assert answer.status == 400 and answer.json()["error"] == "bad-timeout"
    assert api.factory.opened == 0


def test_without_a_staff_key_a_key_in_the_request_is_used(api: Any, pii: list[str]) -> None:
    api.cards.set_staff_key(None)
    missing = api.client.get("/v1/card?timeout=2")
    assert missing.status == 428 and missing.json()["error"] == "no-key"
    body = json.dumps({"can": api.env.citizen.can}).encode()
    answer = api.client.request("POST", "/v1/card?timeout=5", body=body)
    assert answer.status == 200, answer.text
    assert answer.json()["access"]["password"] == "CAN"


def test_a_wrong_key_is_422_and_a_malformed_key_400_without_echo(api: Any) -> None:
    wrong = "999999" if api.env.citizen.can != "999999" else "888888"
    answer = api.client.request("POST", "/v1/card?timeout=5", body=json.dumps({"can": wrong}).encode())
    assert answer.status == 422, answer.text
    assert answer.json()["error"] == "wrong-key" and wrong not in answer.text
    bad = api.client.request("POST", "/v1/card", body=b'{"can": "12a4"}')
    assert bad.status == 400 and bad.json()["error"] == "bad-key-input" and "12a4" not in bad.text
    mrz = api.client.request("POST", "/v1/card", body=b'{"mrz": "IDVNM0790123456<<<<<<"}')
    assert mrz.status == 400 and mrz.json()["error"] == "bad-key-input" and "0790123456" not in mrz.text
    for body in (b"not json", b"[1]", b'{"can": 123456}', b'{"can": "123456", "mrz": "x"}', b"{}"):
        answer = api.client.request("POST", "/v1/card", body=body)
        assert answer.status == 400 and answer.json()["error"] == "bad-request", body


def test_too_many_query_parameters_is_400(api: Any) -> None:
    answer = api.client.get("/v1/status?" + "&".join(f"p{i}=1" for i in range(20)))
    assert answer.status == 400 and answer.json()["error"] == "bad-request"


def test_an_oversized_body_is_413(api: Any) -> None:
    answer = api.client.request("POST", "/v1/card", body=b"{" + b" " * 5000 + b"}")
    assert answer.status == 413


def test_one_read_at_a_time(api: Any) -> None:
    api.factory.gate.clear()  # the first read hangs at "opening the card"
    first: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: first.setdefault("answer", api.client.get("/v1/card?timeout=5")))
    thread.start()
    deadline = time.monotonic() + 5
    while not api.cards.status().reading and time.monotonic() < deadline:
        time.sleep(0.02)
    second = api.client.get("/v1/card?timeout=5")
    assert second.status == 409 and second.json()["error"] == "busy"
    assert api.client.get("/v1/status").json()["reading"] is True
    api.factory.gate.set()
    thread.join(10)
    assert first["answer"].status == 200


def test_an_internal_error_is_500_without_a_stack_trace(api: Any, pii: list[str],
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.factory.fail = RuntimeError(f"boom {api.env.citizen.id_number}")
    answer = api.client.get("/v1/card?timeout=2")
    assert answer.status == 500
    assert answer.json()["error"] == "internal-error"
    assert "Traceback" not in answer.text and "boom" not in answer.text
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "RuntimeError" in logged  # the log says what broke, and where
    for value in pii:
        assert value not in answer.text and value not in logged


@pytest.mark.parametrize(("method", "path", "status", "reason"), [
    ("GET", "/v1/nothing", 404, "not-found"),
    ("GET", "/", 404, "not-found"),
    ("PUT", "/v1/card", 405, "method-not-allowed"),
    ("DELETE", "/v1/status", 405, "method-not-allowed"),
    ("POST", "/v1/status", 405, "method-not-allowed"),
    ("HEAD", "/v1/status", 501, "method-not-allowed"),
])
def test_unknown_routes_and_methods_are_typed_errors(api: Any, method: str, path: str, status: int,
                                                      reason: str) -> None:
    answer = api.client.request(method, path)
    assert answer.status == status
    if method != "HEAD":
        assert answer.json()["error"] == reason


def test_a_garbage_request_line_is_a_json_400_without_echo(api: Any) -> None:
    with socket.create_connection(("127.0.0.1", api.server.port), timeout=5) as raw:
        raw.sendall(b"GET /v1/card?can=123456 HTTP/9.9 extra\r\n\r\n")
        reply = b""
        while chunk := raw.recv(4096):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 400")
    assert json.loads(body)["error"] == "bad-request"
    assert b"123456" not in reply


def test_openapi_document_describes_every_route(api: Any) -> None:
    answer = api.client.get("/v1/openapi.json", token=None)
    assert answer.status == 200
    document = answer.json()
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/v1/status", "/v1/card", "/v1/events", "/v1/openapi.json"}
    assert document["servers"][0]["url"] == f"http://127.0.0.1:{api.server.port}"
    assert api.client.get("/v1/openapi.json", origin="https://evil.example").status == 403
    assert api.client.get("/v1/openapi.json", host="evil.example").status == 403


# --- binding and logging -------------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["0.0.0.0", "", "localhost", "::1", "::", "192.168.1.10"])
def test_binding_anywhere_but_127_0_0_1_is_refused(api: Any, host: str) -> None:
    with pytest.raises(BindRefused):
        LocalApiServer(api.cards, api.access, port=0, host=host)


def test_the_server_listens_on_loopback_only(api: Any) -> None:
    assert api.server._httpd.server_address[0] == "127.0.0.1"


def test_the_access_log_has_no_query_strings_tokens_or_card_data(
    api: Any, pii: list[str], caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    assert api.client.get(f"/v1/card?timeout=5&note={api.env.citizen.id_number}").status == 200
    api.client.get("/v1/status", token="wrong-token-value")
    api.client.get(f"/v1/{api.env.citizen.id_number}")
    with socket.create_connection(("127.0.0.1", api.server.port), timeout=5) as raw:
        raw.sendall(f"BAD /v1/card?can={api.env.citizen.can}\r\n\r\n".encode())
        raw.recv(4096)
    time.sleep(0.1)
    lines = [record.getMessage() + " " + json.dumps({k: str(v) for k, v in record.__dict__.items()})
             for record in caplog.records]
    assert any("/v1/card -> 200" in line for line in lines)
    captured = capsys.readouterr()
    for text in [*lines, captured.out, captured.err]:
        assert "timeout=5" not in text and "note=" not in text
        assert api.client.token not in text and "wrong-token-value" not in text
        for value in pii:
            assert value not in text


def test_each_card_handed_out_is_audited_as_origin_and_keyed_hash(
    api: Any, pii: list[str], audit_key: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.localapi")
    assert api.client.get("/v1/card?timeout=5").status == 200
    released = [r for r in caplog.records if r.getMessage() == "local API: card released"]
    assert len(released) == 1
    record = released[0].__dict__
    assert record["origin"] == api.origin and record["verdict"] == "authentic"
    assert record["id_hash"] == id_hash(api.env.citizen.id_number, audit_key)
    everything = " ".join(json.dumps({k: str(v) for k, v in r.__dict__.items()}) for r in caplog.records)
    for value in pii:
        assert value not in everything
