"""Pluggable online verification, for deployments that have a government document-signer or chip
verification service (cccd-chip §11: the CCCD CSCA is not public; genuineness is checked server-side).

``OnlineVerifier`` is the interface; ``HttpOnlineVerifier`` a small JSON-over-HTTPS client; and
``EmulatorServer`` a local stand-in (127.0.0.1, ephemeral port) for tests and demos. By default only
the DSC is sent (no personal data); sending EF.SOD (hashes of personal data) is an explicit opt-in.

Protocol (POST ``<url>``, JSON): request ``{"dsc": b64, "sod": b64?}``; answer
``{"status": "confirmed" | "rejected", "detail": str?}``. Anything else counts as unavailable.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from nfc.verify.algorithms import digest
from nfc.verify.report import StepResult, StepStatus

MAX_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True)
class OnlineRequest:
    dsc: bytes = field(repr=False)  # DER of the Document Signer certificate
    sod: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class OnlineResult:
    status: str  # "confirmed" | "rejected" | "unavailable"
    detail: str = ""
    ms: float = 0.0

    def to_step(self) -> StepResult:
        if self.status == "confirmed":
            return StepResult("online", StepStatus.PASSED, self.detail or "issuer confirmed online", ms=self.ms)
        if self.status == "rejected":
            return StepResult(
                "online", StepStatus.FAILED, self.detail or "rejected online", "online-rejected", ms=self.ms
            )
        return StepResult(
            "online",
            StepStatus.NOT_CHECKED,
            self.detail or "service unavailable",
            "online-unavailable",
            ms=self.ms,
        )


class OnlineVerifier(Protocol):
    def verify(self, request: OnlineRequest) -> OnlineResult: ...


class HttpOnlineVerifier:
    """POSTs the request as JSON with ``requests``. Network trouble → ``unavailable`` (never raises)."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        token: str | None = None,
        send_sod: bool = False,
        session: Any = None,
    ) -> None:
        import requests

        self.url = url
        self.timeout = timeout
        self.send_sod = send_sod
        self._session = session or requests.Session()
        self._headers = {"Content-Type": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"

    def verify(self, request: OnlineRequest) -> OnlineResult:
        import requests

        started = time.perf_counter()
        body: dict[str, str] = {"dsc": base64.b64encode(request.dsc).decode("ascii")}
        if self.send_sod and request.sod is not None:
            body["sod"] = base64.b64encode(request.sod).decode("ascii")
        try:
            response = self._session.post(self.url, json=body, headers=self._headers, timeout=self.timeout)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                return OnlineResult("unavailable", f"HTTP {response.status_code}", elapsed)
            if len(response.content) > MAX_ANSWER_BYTES:
                return OnlineResult("unavailable", "answer too large", elapsed)
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            return OnlineResult("unavailable", type(exc).__name__, (time.perf_counter() - started) * 1000)
        status = answer.get("status") if isinstance(answer, dict) else None
        if status not in ("confirmed", "rejected"):
            return OnlineResult("unavailable", "unexpected answer", elapsed)
        detail = str(answer.get("detail", ""))[:200]
        return OnlineResult(status, detail, elapsed)


# --- local emulator ---------------------------------------------------------------------------------
class EmulatorServer:
    """A stand-in verification service on 127.0.0.1 (ephemeral port). Confirms DSCs whose SHA-256
    fingerprint is in ``trusted``; ``decide`` may override (e.g. to simulate outages)."""

    def __init__(
        self,
        trusted: set[str] | None = None,
        *,
        decide: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]] | None = None,
    ) -> None:
        self.trusted = set(trusted or ())
        self.requests: list[dict[str, Any]] = []
        self._decide = decide
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length", "0") or 0), MAX_ANSWER_BYTES)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {}
                code, answer = emulator.answer(body if isinstance(body, dict) else {})
                payload = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return  # no request logging (requests may carry document data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.requests.append(body)
        if self._decide is not None:
            return self._decide(body)
        try:
            dsc = base64.b64decode(str(body.get("dsc", "")), validate=True)
        except ValueError:
            return 400, {"error": "bad request"}
        if digest("sha256", dsc).hex() in self.trusted:
            return 200, {"status": "confirmed", "detail": "document signer known"}
        return 200, {"status": "rejected", "detail": "document signer unknown"}

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/verify"

    def start(self) -> EmulatorServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
