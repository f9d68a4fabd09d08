"""Client for the BHXH data gateway's card check (``KQNhanLichSuKCB2024``), over ``requests``.

Wire format (notes §1.1-1.3): ``POST /api/token/take`` with ``username`` + MD5-hex ``password`` returns
``APIKey{access_token, id_token, ...}``; the card check is a ``POST`` whose query string carries ``token``,
``id_token``, ``username``, ``password`` and whose form body carries ``maThe`` (here the 12-digit ID
number), ``hoTen``, ``ngaySinh`` and the registered officer's ``hoTenCb`` / ``cccdCb``.

Failure policy:
- connection errors and HTTP 5xx: bounded retries, exponential backoff with full jitter;
- read timeouts: no retry (a slow gateway at peak hour should not get more load; the flow goes offline);
- 401 (HTTP status or ``maKetQua`` "401"): log in again once, then retry the call once;
- anything still failing: :class:`InsuranceUnavailable`, so the flow can admit the patient unverified.
Logs carry codes, attempt counts and latencies only; exception messages never carry the URL (its query
string holds the token and password hash) nor any personal data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from kiosk.errors import (
    InsuranceAuthError,
    InsuranceInputError,
    InsuranceProtocolError,
    InsuranceUnavailable,
)
from kiosk.insurance.models import BhytCredentials, InsuranceResult
from kiosk.logs import install_url_redaction

log = logging.getLogger("kiosk.insurance")

LOGIN_PATH = "/api/token/take"
LOOKUP_PATH = "/api/egw/KQNhanLichSuKCB2024"
_ID_NUMBER = re.compile(r"\d{12}")
_MAX_BODY = 4 * 1024 * 1024  # a card check answer is a few kB; refuse to parse anything absurd


def md5_hex(secret: str, *, uppercase: bool = False) -> str:
    """The gateway's password form. MD5 is a BHXH protocol requirement here, not a protection: the
    digest is as good as the password to anyone who sees it."""
    digest = hashlib.md5(secret.encode("utf-8"), usedforsecurity=False).hexdigest()
    return digest.upper() if uppercase else digest


def gateway_birth_date(value: dt.date | str) -> str:
    """``ngaySinh`` form: ``dd/mm/yyyy``, or ``yyyy`` when only the year is known. Accepts a date, an ISO
    date string, ``dd/mm/yyyy`` or ``yyyy``."""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    text = value.strip()
    if re.fullmatch(r"\d{4}", text):
        return text
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).strftime("%d/%m/%Y")
        except ValueError:
            continue
    raise InsuranceInputError(detail="date of birth is not dd/mm/yyyy, yyyy-mm-dd or yyyy")


class _Retryable(Exception):
    """Internal: one attempt failed in a way worth another try."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class _Unauthorized(Exception):
    """Internal: the gateway said 401 (status or maKetQua)."""


class BhytClient:
    """Thread-safe gateway client. ``base_url`` is e.g. ``https://egw.baohiemxahoi.gov.vn`` or an emulator's
    ``url``. ``timeout`` is (connect, read) seconds per request; ``max_attempts`` bounds tries per call."""

    def __init__(
        self,
        base_url: str,
        credentials: BhytCredentials,
        *,
        timeout: tuple[float, float] = (3.0, 8.0),
        max_attempts: int = 3,
        backoff_base: float = 0.25,
        backoff_max: float = 2.0,
        body_format: str = "form",
        lookup_path: str = LOOKUP_PATH,
        login_path: str = LOGIN_PATH,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if body_format not in ("form", "json"):
            raise ValueError("body_format must be 'form' or 'json'")
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        self._base = base_url.rstrip("/")
        self._credentials = credentials
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._body_format = body_format
        self._lookup_path = lookup_path
        self._login_path = login_path
        self._session = session or requests.Session()
        self._owns_session = session is None
        self._sleep = sleep
        self._jitter = jitter
        self._lock = threading.Lock()
        self._token: dict[str, str] | None = None
        self._token_expires: float | None = None  # monotonic seconds, when the gateway tells us
        install_url_redaction()

    # --- lifecycle ---------------------------------------------------------------------------------
    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> BhytClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"BhytClient(base_url={self._base!r}, logged_in={self._token is not None})"

    @property
    def password_hash(self) -> str:
        return md5_hex(self._credentials.password, uppercase=self._credentials.md5_uppercase)

    # --- login -------------------------------------------------------------------------------------
    def login(self) -> None:
        """Take a fresh token. Raises :class:`InsuranceAuthError` if the account is refused."""
        body = {"username": self._credentials.username, "password": self.password_hash}
        try:
            data = self._with_retries("login", lambda: self._post_json(self._login_path, None, body))
        except _Unauthorized:
            raise InsuranceAuthError(detail="login answered HTTP 401") from None
        code = str(data.get("maKetQua", "")).strip()
        if code != "200":
            if code.startswith("5"):
                raise InsuranceUnavailable(detail=f"login answered maKetQua {code[:8]}")
            raise InsuranceAuthError(detail=f"login refused, maKetQua {code[:8]!r}")
        key = data.get("APIKey")
        if not isinstance(key, Mapping) or not key.get("access_token"):
            raise InsuranceProtocolError(detail="login answer without APIKey.access_token")
        with self._lock:
            self._token = {
                "token": str(key.get("access_token", "")),
                "id_token": str(key.get("id_token", "")),
                "username": str(key.get("username") or self._credentials.username),
            }
            self._token_expires = _expiry(key.get("expires_in"))
        log.info("bhyt login ok")

    def _current_token(self) -> dict[str, str]:
        with self._lock:
            token, expires = self._token, self._token_expires
        if token is None or (expires is not None and time.monotonic() >= expires):
            self.login()
            with self._lock:
                assert self._token is not None
                token = self._token
        return token

    def _drop_token(self) -> None:
        with self._lock:
            self._token = None
            self._token_expires = None

    # --- card check --------------------------------------------------------------------------------
    def lookup(self, id_number: str, full_name: str, date_of_birth: dt.date | str) -> InsuranceResult:
        """Card check by the 12-digit ID number with the holder's name (with diacritics) and birth date.

        Returns the parsed answer for every documented ``maKetQua`` (the outcome says what to do); raises
        :class:`InsuranceUnavailable` (network, timeouts, 5xx after retries), :class:`InsuranceAuthError`
        (account refused, or 401 again after a fresh login), :class:`InsuranceProtocolError` (not the
        gateway's format) or :class:`InsuranceInputError` (bad input, nothing sent)."""
        if not _ID_NUMBER.fullmatch(id_number or ""):
            raise InsuranceInputError(detail="ID number must be exactly 12 digits")
        name = " ".join((full_name or "").split())
        if not name or len(name) > 200:
            raise InsuranceInputError(detail="full name is empty or too long")
        body = {
            "maThe": id_number,
            "hoTen": name,
            "ngaySinh": gateway_birth_date(date_of_birth),
            "hoTenCb": self._credentials.officer_name,
            "cccdCb": self._credentials.officer_id_number,
        }
        started = time.monotonic()
        for relogin in (False, True):
            token = self._current_token()
            query = {**token, "password": self.password_hash}
            try:
                data = self._with_retries("lookup", lambda q=query: self._post_json(  # type: ignore[misc]
                    self._lookup_path, q, body))
                if str(data.get("maKetQua", "")).strip() == "401":
                    raise _Unauthorized
            except _Unauthorized:
                self._drop_token()
                if relogin:
                    raise InsuranceAuthError(detail="401 again right after a fresh login") from None
                log.info("bhyt token refused, logging in again")
                continue
            result = InsuranceResult.from_gateway(data)
            log.info("bhyt lookup code=%s outcome=%s ms=%d", result.code, result.outcome.value,
                     (time.monotonic() - started) * 1000)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    # --- transport ---------------------------------------------------------------------------------
    def _with_retries(self, what: str, attempt: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        last = ""
        for n in range(1, self._max_attempts + 1):
            try:
                return attempt()
            except _Retryable as exc:
                last = exc.what
                if n == self._max_attempts:
                    break
                delay = self._jitter() * min(self._backoff_max, self._backoff_base * 2 ** (n - 1))
                log.warning("bhyt %s attempt %d failed (%s); retrying in %.2f s", what, n, last, delay)
                self._sleep(delay)
        log.warning("bhyt %s unavailable after %d attempts (%s)", what, self._max_attempts, last)
        raise InsuranceUnavailable(detail=f"{what}: {last} after {self._max_attempts} attempts")

    def _post_json(
        self, path: str, query: Mapping[str, str] | None, body: Mapping[str, str]
    ) -> dict[str, Any]:
        url = self._base + path
        kwargs: dict[str, Any] = {"params": query, "timeout": self._timeout, "stream": True}
        if self._body_format == "json":
            kwargs["json"] = dict(body)
        else:
            kwargs["data"] = dict(body)
        try:
            response = self._session.post(url, **kwargs)
        except requests.exceptions.ConnectionError:  # includes ConnectTimeout
            raise _Retryable("connection error") from None
        except requests.exceptions.Timeout:
            # Read timeout: not retried (see module doc). ``from None``: the cause holds the URL.
            raise InsuranceUnavailable(detail="gateway did not answer in time") from None
        except requests.exceptions.RequestException as exc:
            raise InsuranceUnavailable(detail=f"request failed ({type(exc).__name__})") from None
        with response:
            status = response.status_code
            if status == 401:
                raise _Unauthorized
            if status >= 500:
                raise _Retryable(f"HTTP {status}")
            try:
                raw = _read_capped(response)
            except requests.exceptions.Timeout:
                raise InsuranceUnavailable(detail="gateway did not answer in time") from None
            except requests.exceptions.RequestException:
                raise _Retryable("connection dropped") from None
        if status >= 400:
            raise InsuranceProtocolError(detail=f"gateway answered HTTP {status}")
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise InsuranceProtocolError(detail="gateway answer is not JSON") from None
        if not isinstance(data, dict) or "maKetQua" not in data:
            raise InsuranceProtocolError(detail="gateway answer has no maKetQua")
        return data


def _read_capped(response: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(65536):
        size += len(chunk)
        if size > _MAX_BODY:
            raise InsuranceProtocolError(detail="gateway answer too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _expiry(value: object) -> float | None:
    """``expires_in``: seconds (number or digits) or an ISO timestamp (one client parses it so). Refresh
    30 s early. Unknown forms → None (rely on the 401 re-login)."""
    now = time.monotonic()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return now + max(float(value) - 30.0, 0.0)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return now + max(float(text) - 30.0, 0.0)
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.astimezone()
        remaining = (when - dt.datetime.now(dt.UTC)).total_seconds()
        return now + max(remaining - 30.0, 0.0)
    return None
