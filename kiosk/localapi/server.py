"""The staff desktop's local HTTP API (kiosk-practice §8): a ``ThreadingHTTPServer`` on 127.0.0.1 only.

Routes: ``GET /v1/status``, ``GET|POST /v1/card``, ``GET /v1/events`` (SSE), ``GET /v1/openapi.json``,
``OPTIONS`` preflights. Every answer is JSON; errors are ``{"error", "message", "hint"}`` and never a
stack trace. The access log names method, route, status and origin only — never query strings, headers
or card data.
"""

from __future__ import annotations

import contextlib
import http
import json
import logging
import threading
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from kiosk.localapi.cardservice import DEFAULT_TIMEOUT_S, CardService
from kiosk.localapi.errors import (
    BadRequest,
    BindRefused,
    LocalApiError,
    MethodNotAllowed,
    NotFound,
    OriginNotAllowed,
)
from kiosk.localapi.events import KEEPALIVE_S
from kiosk.localapi.openapi import openapi_document
from kiosk.localapi.security import AccessControl
from nfc import errors as nfc_errors
from nfc.access.keys import AccessKey, CanKey

log = logging.getLogger(__name__)

BIND_ADDRESS = "127.0.0.1"
DEFAULT_PORT = 47800
MAX_BODY_BYTES = 4096
#: route → methods (OPTIONS is answered for every route)
ROUTES: dict[str, tuple[str, ...]] = {
    "/v1/status": ("GET",),
    "/v1/card": ("GET", "POST"),
    "/v1/events": ("GET",),
    "/v1/openapi.json": ("GET",),
}


def key_from_body(body: bytes) -> AccessKey:
    """``{"can": "123456"}`` or ``{"mrz": "..."}`` → the access key (typed 400 errors otherwise)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest(detail="the body is not JSON") from None
    if not isinstance(data, dict):
        raise BadRequest(detail="the body must be a JSON object")
    can, mrz = data.get("can"), data.get("mrz")
    if (can is None) == (mrz is None):
        raise BadRequest(detail="send exactly one of 'can' or 'mrz'")
    try:
        if can is not None:
            if not isinstance(can, str):
                raise BadRequest(detail="'can' must be a string")
            return CanKey(can.strip())
        if not isinstance(mrz, str) or len(mrz) > 200:
            raise BadRequest(detail="'mrz' must be a string of at most 200 characters")
        from nfc.lds.mrz import parse_mrz

        key: AccessKey = parse_mrz(mrz).access_key()
        return key
    except nfc_errors.NfcError as exc:  # the message names the field problem, never the value
        raise LocalApiError("bad-key-input", nfc_errors.InvalidKeyInputError.hint, status=400,
                            detail=str(exc) if isinstance(exc, nfc_errors.InvalidKeyInputError)
                            else "the MRZ could not be parsed") from None


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    app: LocalApiServer


class _Handler(BaseHTTPRequestHandler):
    server_version = "cccd-kiosk-local-api/1"
    sys_version = ""
    protocol_version = "HTTP/1.0"
    timeout = 30  # idle or slow clients cannot hold a thread forever
    _route = "-"

    def version_string(self) -> str:
        return self.server_version  # no Python version in the Server header

    @property
    def app(self) -> LocalApiServer:
        return cast(_HttpServer, self.server).app

    # -- logging: no query strings, no headers, no bodies -----------------------------------------
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        origin = self.headers.get("Origin", "-") if getattr(self, "headers", None) else "-"
        log.info("local API %s %s -> %s", getattr(self, "command", "-"), self._route, code,
                 extra={"origin": origin if self.app.access.origin_allowed(origin) else "(other)"})

    def log_error(self, format: str, *args: Any) -> None:
        log.debug("local API: malformed or timed-out request")

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the default prints the raw request line (with its query string) to stderr

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level errors from ``http.server`` (bad request line, unknown method): JSON, no echo."""
        try:
            phrase = http.HTTPStatus(code).phrase
        except ValueError:
            phrase = "error"
        reason = "method-not-allowed" if code == 501 else "bad-request"
        self.request_version = "HTTP/1.0"  # an unparsable request line leaves 0.9, which sends no headers
        self._send_error(LocalApiError(reason, BadRequest.hint, status=code, detail=phrase), {})

    # -- responses -------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, status: int, document: Any, headers: dict[str, str]) -> None:
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", headers)

    def _send_error(self, error: LocalApiError, cors: dict[str, str]) -> None:
        headers = dict(cors)
        if error.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="cccd-kiosk"'
        document = {"error": error.reason, "message": error.message, "hint": error.hint}
        with contextlib.suppress(OSError):  # the client left
            self._send_json(error.status, document, headers)

    # -- methods ---------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_OPTIONS(self) -> None:
        self._guarded(self._preflight)

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def _guarded(self, work: Callable[[dict[str, str]], None]) -> None:
        """Run ``work`` after the Host check; any error becomes a typed JSON answer."""
        cors: dict[str, str] = {}
        try:
            self._route = self._route_of(self.path)
            self.app.access.check_host(self.headers.get("Host"))
            cors = self.app.access.cors_headers(self.headers.get("Origin"))
            work(cors)
        except LocalApiError as error:
            self._send_error(error, cors)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:
            # frames only: an exception's message could quote card data, its code lines cannot
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("local API: internal error %s\n%s", type(exc).__name__, frames)
            self._send_error(LocalApiError("internal-error", status=500, detail="internal error"), cors)

    @staticmethod
    def _route_of(path: str) -> str:
        route = urlsplit(path).path
        return route if route in ROUTES else "(unknown)"

    def _preflight(self, cors: dict[str, str]) -> None:
        if self._route not in ROUTES:
            raise NotFound(detail="no such endpoint")
        headers = self.app.access.preflight(
            self.headers.get("Origin"),
            self.headers.get("Access-Control-Request-Method"),
            self.headers.get("Access-Control-Request-Private-Network"),
        )
        self._send(204, b"", "text/plain", headers)

    def _dispatch(self, method: str) -> None:
        self._guarded(lambda cors: self._handle(method, cors))

    def _handle(self, method: str, cors: dict[str, str]) -> None:
        access = self.app.access
        route = self._route
        if route not in ROUTES:
            raise NotFound(detail="no such endpoint")
        if method not in ROUTES[route]:
            raise MethodNotAllowed(detail=f"{method} is not allowed here")
        try:
            query = parse_qs(urlsplit(self.path).query, max_num_fields=8)
        except ValueError:
            raise BadRequest(detail="too many query parameters") from None
        origin = self.headers.get("Origin")
        if route == "/v1/openapi.json":
            # describes no data, but still nothing for foreign pages
            if origin is not None and not access.origin_allowed(origin):
                raise OriginNotAllowed(detail="the requesting origin is not on the allow-list")
            self._send_json(200, openapi_document(self.app.port), cors)
            return
        origin = access.check_origin(origin)
        query_token = query.get("access_token", [None])[0] if route == "/v1/events" else None
        access.check_token(self.headers.get("Authorization"), query_token)
        if route == "/v1/status":
            status = self.app.cards.status()
            self._send_json(200, status.to_json() | {"staff_key": self.app.cards.has_staff_key()}, cors)
        elif route == "/v1/events":
            self._stream_events(cors)
        else:
            self._read_card(method, query, origin, cors)

    def _read_card(self, method: str, query: dict[str, list[str]], origin: str, cors: dict[str, str]) -> None:
        timeout = DEFAULT_TIMEOUT_S
        if "timeout" in query:
            try:
                timeout = float(query["timeout"][0])
            except ValueError:
                raise LocalApiError("bad-timeout", "Use a timeout in seconds, e.g. ?timeout=30.", status=400,
                                    detail="timeout is not a number") from None
            if timeout != timeout:  # NaN
                raise LocalApiError("bad-timeout", "Use a timeout in seconds, e.g. ?timeout=30.", status=400,
                                    detail="timeout is not a number")
        key: AccessKey | None = None
        if method == "POST":
            key = key_from_body(self._body())
        self.app.access.check_consent(origin)
        document = self.app.cards.read(timeout, key)
        self.app.audit(origin, document)
        self._send_json(200, document, cors)

    def _body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise LocalApiError("length-required", BadRequest.hint, status=411,
                                detail="POST needs a Content-Length") from None
        if not 0 <= length <= MAX_BODY_BYTES:
            raise LocalApiError("body-too-large", BadRequest.hint, status=413,
                                detail=f"the body may have at most {MAX_BODY_BYTES} bytes")
        return self.rfile.read(length)

    def _stream_events(self, cors: dict[str, str]) -> None:
        listener = self.app.cards.events.listen()
        try:
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in cors.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(b"retry: 3000\n: connected\n\n")
            self.wfile.flush()
            for event in listener.events(self.app.keepalive_s):
                self.wfile.write(event.to_sse() if event is not None else b": keepalive\n\n")
                self.wfile.flush()
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            pass  # the page went away
        finally:
            listener.close()


class LocalApiServer:
    """Owns the HTTP server thread and the card service. Context manager; :meth:`start` binds."""

    def __init__(
        self,
        cards: CardService,
        access: AccessControl,
        *,
        port: int = DEFAULT_PORT,
        host: str = BIND_ADDRESS,
        keepalive_s: float = KEEPALIVE_S,
        audit_key: bytes | None = None,
    ) -> None:
        """``audit_key``: the site's ID-hash key (``kiosk.privacy.id_hash_key``); with it, every card
        handed out is logged as origin + keyed hash of the ID number (kiosk-practice §8 item 10)."""
        if host != BIND_ADDRESS:
            raise BindRefused(detail="the local API binds to 127.0.0.1 only")
        if not 0 <= port <= 65535:
            raise LocalApiError("bad-port", "Choose a port between 1024 and 65535.", detail="port out of range")
        self.cards = cards
        self.access = access
        self.keepalive_s = keepalive_s
        self.audit_key = audit_key
        self._requested_port = port
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.access.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def audit(self, origin: str, document: dict[str, Any]) -> None:
        """Which page received which patient's card — as a keyed hash only, never the number itself."""
        personal = document.get("personal_data") or {}
        mrz = document.get("mrz") or {}
        number = personal.get("id_number") or mrz.get("cccd_id_number") or mrz.get("document_number")
        reference = None
        if self.audit_key is not None and isinstance(number, str) and number:
            from kiosk.privacy import id_hash

            reference = id_hash(number, self.audit_key)
        verification = document.get("verification") or {}
        log.info("local API: card released", extra={"origin": origin, "id_hash": reference,
                                                     "verdict": verification.get("verdict")})

    def start(self) -> LocalApiServer:
        try:
            httpd = _HttpServer((BIND_ADDRESS, self._requested_port), _Handler, bind_and_activate=True)
        except OSError as exc:
            raise LocalApiError("port-in-use", "Choose another port with --port, or stop the other program.",
                                status=500, detail=f"cannot listen on 127.0.0.1:{self._requested_port}: "
                                                   f"{exc.strerror}") from None
        httpd.app = self
        self.access.port = httpd.server_address[1]
        self._httpd = httpd
        self.cards.start()
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="localapi-http", daemon=True)
        self._thread.start()
        log.info("local API listening", extra={"port": self.port})
        return self

    def stop(self) -> None:
        self.cards.events.close()  # ends open event streams so their threads return
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self.cards.close()

    def __enter__(self) -> LocalApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
