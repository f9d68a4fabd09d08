"""The local API's gatekeeping (kiosk-practice §8): Host allow-list against DNS rebinding, Origin
allow-list, the per-install pairing token, per-origin staff consent, CORS and Private Network Access
preflight answers — all only ever for allowed origins.

Order of checks on every request: Host → Origin → token → consent, so a foreign page learns nothing
(not even whether a token would be right) and staff are only asked about pages IT allowed.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import stat
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.localapi.errors import (
    ConsentRefused,
    HostNotAllowed,
    LocalApiError,
    OriginNotAllowed,
    TooManyAttempts,
    Unauthorized,
)

log = logging.getLogger(__name__)

TOKEN_FILE = "local-api-token"
#: what a page may send besides simple headers (EventSource sends Last-Event-ID on reconnect)
ALLOWED_REQUEST_HEADERS = ("authorization", "content-type", "last-event-id")
ALLOWED_METHODS = ("GET", "POST", "OPTIONS")
PREFLIGHT_MAX_AGE_S = 600

#: origin → allowed; the staff window's ``ask_consent``, or the console prompt of ``cccd-kiosk local-api``
ConsentCallback = Callable[[str], bool]


class OriginConfigError(LocalApiError):
    reason = "origin-invalid"
    hint = "Write each allowed origin as scheme://host[:port] (no path), e.g. https://his.benhvien.vn."


def normalize_origin(value: str) -> str:
    """``scheme://host[:port]`` in lower case without a default port; raises ``OriginConfigError``."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise OriginConfigError(detail="not a URL origin") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise OriginConfigError(detail="origin must be http(s)://host[:port]")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise OriginConfigError(detail="an origin has no path, query, fragment or user info")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


class PairingToken:
    """The per-install secret a HIS page sends as ``Authorization: Bearer <token>``.

    256 random bits, stored in ``<data dir>/local-api-token`` with mode 0600. The value never appears
    in a repr, log line or error; :meth:`reveal` is for the one place staff are shown it.
    """

    def __init__(self, value: str) -> None:
        if len(value) < 32:
            raise ValueError("a pairing token has at least 32 characters")
        self._value = value

    @staticmethod
    def generate() -> PairingToken:
        return PairingToken(secrets.token_urlsafe(32))

    @classmethod
    def load_or_create(cls, data_dir: Path) -> tuple[PairingToken, bool]:
        """The stored token, or a new one (then ``created`` is True: show it to staff once).

        A token file readable by group or others is treated as leaked and replaced."""
        path = Path(data_dir) / TOKEN_FILE
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return cls.rotate(data_dir), True
        except (OSError, UnicodeDecodeError):
            log.warning("local API token file unreadable; issuing a new pairing token")
            return cls.rotate(data_dir), True
        if mode & (stat.S_IRWXG | stat.S_IRWXO) or len(text) < 32:
            log.warning("local API token file was not private (0600); issuing a new pairing token")
            return cls.rotate(data_dir), True
        return cls(text), False

    @classmethod
    def rotate(cls, data_dir: Path) -> PairingToken:
        """Write a fresh token (0600, atomically replacing any old one); every paired page must re-pair."""
        token = cls.generate()
        directory = Path(data_dir)
        directory.mkdir(parents=True, exist_ok=True)
        temp = directory / f".{TOKEN_FILE}.{os.getpid()}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # umask cannot widen it, but an existing temp file might have
            os.write(fd, token._value.encode("ascii") + b"\n")
        finally:
            os.close(fd)
        os.replace(temp, directory / TOKEN_FILE)
        return token

    def matches(self, presented: str) -> bool:
        return hmac.compare_digest(self._value.encode("ascii", "replace"), presented.encode("ascii", "replace"))

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "PairingToken('***')"

    __str__ = __repr__


class _FailureWindow:
    """Counts failed token checks in a sliding window (rate limit on guessing)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def _trim(self, now: float) -> None:
        while self._times and now - self._times[0] > self.window_s:
            self._times.popleft()

    def blocked(self) -> bool:
        with self._lock:
            self._trim(time.monotonic())
            return len(self._times) >= self.limit

    def record(self) -> None:
        with self._lock:
            now = time.monotonic()
            self._trim(now)
            self._times.append(now)


class AccessControl:
    """Every decision the server makes about who may call it. Thread-safe."""

    def __init__(
        self,
        *,
        allowed_origins: Iterable[str],
        token: PairingToken,
        consent: ConsentCallback,
        port: int = 0,
        failure_limit: int = 10,
        failure_window_s: float = 60.0,
    ) -> None:
        self.allowed_origins = frozenset(normalize_origin(o) for o in allowed_origins)
        self.port = port
        self._token = token
        self._consent = consent
        self._granted: set[str] = set()
        self._granted_lock = threading.Lock()
        self._prompt_lock = threading.Lock()  # one consent prompt at a time
        self._failures = _FailureWindow(failure_limit, failure_window_s)

    # -- Host ------------------------------------------------------------------------------------
    def allowed_hosts(self) -> frozenset[str]:
        return frozenset({f"127.0.0.1:{self.port}", f"localhost:{self.port}"})

    def check_host(self, host: str | None) -> None:
        """DNS rebinding: a page on evil.example resolved to 127.0.0.1 still sends ``Host: evil.example``."""
        if host is None or host.strip().lower() not in self.allowed_hosts():
            raise HostNotAllowed(detail="the Host header does not name this loopback server")

    # -- Origin ----------------------------------------------------------------------------------
    def origin_allowed(self, origin: str | None) -> bool:
        if not origin or origin.strip().lower() == "null":
            return False
        try:
            return normalize_origin(origin) in self.allowed_origins
        except OriginConfigError:
            return False

    def check_origin(self, origin: str | None) -> str:
        """The normalized origin of an allowed page; ``null`` (sandboxed frames, extension pages) and
        a missing Origin are refused: consent must always name who asks."""
        if not origin:
            raise OriginNotAllowed(detail="the request has no Origin header")
        if not self.origin_allowed(origin):
            raise OriginNotAllowed(detail="the requesting origin is not on the allow-list")
        return normalize_origin(origin)

    # -- token -----------------------------------------------------------------------------------
    def check_token(self, authorization: str | None, query_token: str | None = None) -> None:
        """``Authorization: Bearer <token>``; ``query_token`` only for ``EventSource``, which cannot
        set headers (the access log never prints query strings)."""
        if self._failures.blocked():
            raise TooManyAttempts(detail="too many failed pairing-token checks")
        presented: str | None = None
        if authorization:
            scheme, _, value = authorization.strip().partition(" ")
            if scheme.lower() == "bearer" and value.strip():
                presented = value.strip()
        elif query_token:
            presented = query_token
        if presented is None:
            self._failures.record()
            raise Unauthorized(detail="no pairing token")
        if not self._token.matches(presented):
            self._failures.record()
            raise Unauthorized(detail="wrong pairing token")

    # -- consent ---------------------------------------------------------------------------------
    def check_consent(self, origin: str) -> None:
        """Ask staff (once per origin and sitting) whether ``origin`` may read the card."""
        with self._granted_lock:
            if origin in self._granted:
                return
        with self._prompt_lock:
            with self._granted_lock:
                if origin in self._granted:  # granted while we waited for the prompt
                    return
            try:
                allowed = bool(self._consent(origin))
            except Exception:  # a broken prompt must never grant access
                log.exception("consent prompt failed; treating as refused")
                allowed = False
            if not allowed:
                log.info("local API: consent refused", extra={"origin": origin})
                raise ConsentRefused(detail="staff did not allow this origin")
            with self._granted_lock:
                self._granted.add(origin)
            log.info("local API: consent granted", extra={"origin": origin})

    def granted_origins(self) -> frozenset[str]:
        with self._granted_lock:
            return frozenset(self._granted)

    def revoke(self, origin: str | None = None) -> None:
        """Forget consent for one origin, or for all (end of the sitting)."""
        with self._granted_lock:
            if origin is None:
                self._granted.clear()
            else:
                self._granted.discard(normalize_origin(origin))

    # -- CORS ------------------------------------------------------------------------------------
    def cors_headers(self, origin: str | None) -> dict[str, str]:
        """CORS response headers — empty unless ``origin`` is allowed (so browsers hide the answer)."""
        if not self.origin_allowed(origin):
            return {}
        assert origin is not None
        return {"Access-Control-Allow-Origin": origin.strip(), "Vary": "Origin"}

    def preflight(
        self, origin: str | None, request_method: str | None, private_network: str | None
    ) -> dict[str, str]:
        """Headers answering an ``OPTIONS`` preflight; raises ``OriginNotAllowed`` for anyone else.

        ``Access-Control-Allow-Private-Network: true`` (Chrome's Private Network Access) is sent only
        to allowed origins that asked for it."""
        self.check_origin(origin)
        headers = self.cors_headers(origin)
        headers |= {
            "Access-Control-Allow-Methods": ", ".join(ALLOWED_METHODS),
            "Access-Control-Allow-Headers": ", ".join(ALLOWED_REQUEST_HEADERS),
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S),
        }
        if private_network is not None and private_network.strip().lower() == "true":
            headers["Access-Control-Allow-Private-Network"] = "true"
        if request_method is not None and request_method.strip().upper() not in ALLOWED_METHODS:
            headers.pop("Access-Control-Allow-Methods")
        return headers
