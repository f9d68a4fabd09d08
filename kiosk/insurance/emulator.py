"""A local stand-in for the BHXH gateway: same wire format, scripted scenarios, real HTTP on 127.0.0.1.

Used by tests and ``cccd-kiosk demo`` / ``cccd-kiosk bhyt-emulator``::

    with BhytEmulator() as emu:
        client = BhytClient(emu.url, emu.credentials())
        emu.set_scenario(code="010", person="079090000002")   # that person's card now reads "expired"
        emu.set_scenario(delay=2.0)                            # every answer is 2 s late
        emu.go_down("refuse")                                  # port closed: connection refused
        emu.expire_tokens()                                    # next look-up gets 401
        emu.count("lookup")                                    # requests seen per endpoint

Without a forced code, answers follow the registry: unknown person → 050, officer unknown → 054, officer
name wrong → 055, name wrong → 060/061, birth date wrong → 070, card past its end date → 010, else the
person's own ``code`` (default 000). The emulator never logs request contents.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kiosk.insurance.client import LOGIN_PATH, LOOKUP_PATH, md5_hex
from kiosk.insurance.codes import CODE_TABLE
from kiosk.insurance.models import BhytCredentials
from kiosk.loopback import LoopbackServer, tracked_handler

_MAX_REQUEST = 64 * 1024
_CARD_FOUND_CODES = {"000", "001", "002", "003", "004", "010", "110", "120", "121", "122", "123", "124"}


@dataclass(frozen=True)
class TestPerson:
    """A registry entry. Dates are ``dd/mm/yyyy`` as on the gateway. Synthetic data only."""

    __test__ = False  # not a pytest class

    id_number: str
    full_name: str
    date_of_birth: str
    sex: str  # "Nam" / "Nữ", as the gateway returns it
    address: str
    card_number: str  # 15-character BHYT code
    valid_from: str
    valid_to: str
    registered_facility: str = "79024"
    issuing_office: str = "79"
    code: str = "000"  # the person's natural answer when all checks pass (e.g. 003, 110)

    def __repr__(self) -> str:
        return f"TestPerson(id=***{self.id_number[-3:]}, code={self.code!r})"


def _far_future() -> str:
    return f"31/12/{dt.date.today().year + 1}"


def demo_person() -> TestPerson:
    """The virtual CCCD's holder (``nfc.virtual.builder.DEFAULT_CITIZEN``) with a valid card, so the demo's
    look-up answers 000. A test keeps the two in step."""
    return TestPerson("001090012345", "NGUYỄN VĂN THỬ", "01/01/1990", "Nam",
                      "Số 1 Phố Thử, Phường Mẫu, Quận Ba Đình, Hà Nội", "DN4010190012345", "01/01/2024",
                      _far_future(), registered_facility="01001", issuing_office="01")


def default_people() -> tuple[TestPerson, ...]:
    """Synthetic people for tests and the demo (made-up numbers, no real person); the demo person last."""
    return (
        TestPerson("079090000001", "NGUYỄN VĂN AN", "01/02/1990", "Nam", "Phường Bến Nghé, TP Hồ Chí Minh",
                   "DN4797900000001", "01/01/2024", _far_future()),
        TestPerson("079085000002", "TRẦN THỊ BÌNH", "15/07/1985", "Nữ", "Phường 1, Quận 3, TP Hồ Chí Minh",
                   "HC4797900000002", "01/01/2020", "31/12/2021"),
        TestPerson("001070000003", "LÊ VĂN CƯỜNG", "1970", "Nam", "Phường Hàng Bạc, Hà Nội",
                   "GD4010100000003", "01/01/2023", _far_future(), code="004"),
        TestPerson("048099000004", "PHẠM THỊ DUNG", "30/12/1999", "Nữ", "Phường Hải Châu, Đà Nẵng",
                   "SV4484800000004", "01/01/2022", _far_future(), code="110"),
        demo_person(),
    )


@dataclass(frozen=True)
class Scenario:
    code: str | None = None  # force this maKetQua
    delay: float = 0.0  # seconds before answering


@dataclass
class _State:
    people: dict[str, TestPerson] = field(default_factory=dict)
    scenarios: dict[str | None, Scenario] = field(default_factory=dict)  # None = global
    tokens: dict[str, float | None] = field(default_factory=dict)  # access_token → expiry (monotonic)
    id_tokens: dict[str, str] = field(default_factory=dict)
    checks: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    down_503: bool = False


def _norm_name(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


class BhytEmulator(LoopbackServer):
    """See the module doc. ``port=0`` picks an ephemeral port; ``auth_error`` chooses how a stale token is
    reported: ``"http"`` (HTTP 401 + ``maKetQua`` 401) or ``"body"`` (HTTP 200 + ``maKetQua`` 401)."""

    def __init__(
        self,
        people: Iterable[TestPerson] | None = None,
        *,
        username: str = "kiosk-test",
        password: str = "kiosk-test-password",
        officers: Mapping[str, str] | None = None,
        token_ttl: float | None = None,
        auth_error: str = "http",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if auth_error not in ("http", "body"):
            raise ValueError("auth_error must be 'http' or 'body'")
        self.username = username
        self.password = password
        self.officers = dict(officers or {"079080000999": "NGUYỄN THỊ CÁN BỘ"})
        self.token_ttl = token_ttl
        self.auth_error = auth_error
        self._init_loopback(host, port)
        self._state = _State()
        for person in default_people() if people is None else people:
            self.add_person(person)

    # --- lifecycle ---------------------------------------------------------------------------------
    _thread_name = "bhyt-emulator"

    def _make_handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    def __enter__(self) -> BhytEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}"

    def credentials(self, *, uppercase_md5: bool = False) -> BhytCredentials:
        """Credentials this emulator accepts, with its first registered officer."""
        officer_id, officer_name = next(iter(self.officers.items()))
        return BhytCredentials(self.username, self.password, officer_name, officer_id, uppercase_md5)

    # --- registry and scenarios -------------------------------------------------------------------
    def add_person(self, person: TestPerson) -> None:
        with self._lock:
            self._state.people[person.id_number] = person

    def person(self, id_number: str) -> TestPerson:
        with self._lock:
            return self._state.people[id_number]

    def set_scenario(self, code: str | None = None, delay: float = 0.0, *, person: str | None = None) -> None:
        """Force ``code`` and/or a ``delay`` for one person (by ID number); ``person=None``: for all."""
        if code is not None and code not in CODE_TABLE:
            raise ValueError("unknown maKetQua code")
        with self._lock:
            self._state.scenarios[person] = Scenario(code, delay)

    def clear_scenarios(self) -> None:
        with self._lock:
            self._state.scenarios.clear()
            self._state.down_503 = False

    def go_down(self, mode: str = "refuse") -> None:
        """``"refuse"``: close the port (connection refused); ``"503"``: answer everything with HTTP 503."""
        if mode == "503":
            with self._lock:
                self._state.down_503 = True
        elif mode == "refuse":
            self.stop()
        else:
            raise ValueError("mode must be 'refuse' or '503'")

    def come_up(self) -> None:
        with self._lock:
            self._state.down_503 = False
        self.start()

    def expire_tokens(self) -> None:
        """Invalidate every issued token: the next look-up gets 401 (token expiry)."""
        with self._lock:
            self._state.tokens.clear()
            self._state.id_tokens.clear()

    def count(self, endpoint: str | None = None) -> int:
        """Requests received: ``"login"``, ``"lookup"``, ``"other"``, or all with ``None``."""
        with self._lock:
            counts = self._state.counts
            return sum(counts.values()) if endpoint is None else counts[endpoint]

    def reset_counts(self) -> None:
        with self._lock:
            self._state.counts.clear()

    # --- request handling (called from handler threads) -------------------------------------------
    def _scenario_for(self, id_number: str | None) -> Scenario:
        with self._lock:
            scenarios = self._state.scenarios
            if id_number is not None and id_number in scenarios:
                return scenarios[id_number]
            return scenarios.get(None, Scenario())

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _login(self, body: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        user = body.get("username", "")
        given = body.get("password", "").lower()
        if user != self.username or not secrets.compare_digest(given, md5_hex(self.password)):
            return 200, {"maKetQua": "401", "APIKey": None}
        token, id_token = secrets.token_hex(16), secrets.token_hex(16)
        ttl = self.token_ttl
        with self._lock:
            self._state.tokens[token] = None if ttl is None else time.monotonic() + ttl
            self._state.id_tokens[token] = id_token
        return 200, {"maKetQua": "200", "APIKey": {
            "access_token": token, "id_token": id_token, "token_type": "bearer", "username": user,
            "expires_in": int(ttl) if ttl is not None else 86400}}

    def _token_ok(self, query: Mapping[str, str]) -> bool:
        token = query.get("token", "")
        with self._lock:
            if token not in self._state.tokens:
                return False
            expiry = self._state.tokens[token]
            id_token = self._state.id_tokens.get(token)
        if expiry is not None and time.monotonic() >= expiry:
            return False
        return (query.get("id_token") == id_token and query.get("username") == self.username
                and query.get("password", "").lower() == md5_hex(self.password))

    def _lookup(self, query: Mapping[str, str], body: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        if not self._token_ok(query):
            return (401 if self.auth_error == "http" else 200), {"maKetQua": "401",
                                                                  "ghiChu": CODE_TABLE["401"].meaning_vi}
        required = ("maThe", "hoTen", "ngaySinh", "hoTenCb", "cccdCb")
        if any(not body.get(key) for key in required):
            return 200, _error("205")
        key = body["maThe"]
        with self._lock:
            person = self._state.people.get(key) or next(
                (p for p in self._state.people.values() if p.card_number == key), None)
        scenario = self._scenario_for(person.id_number if person else None)
        self._pause(scenario.delay)
        code = scenario.code or self._natural_code(person, body)
        if person is None or code not in _CARD_FOUND_CODES:
            return 200, _error(code)
        return 200, self._card_answer(person, code)

    def _natural_code(self, person: TestPerson | None, body: Mapping[str, str]) -> str:
        officer = self.officers.get(body["cccdCb"])
        if officer is None:
            return "054"
        if _norm_name(officer) != _norm_name(body["hoTenCb"]):
            return "055"
        if person is None:
            return "050"
        given, registered = _norm_name(body["hoTen"]), _norm_name(person.full_name)
        if given != registered:
            return "061" if given[:1] == registered[:1] else "060"
        born = body["ngaySinh"].strip()
        if born != person.date_of_birth and born[-4:] != person.date_of_birth:
            return "070"
        end = _date(person.valid_to)
        if end is not None and end < dt.date.today() and person.code == "000":
            return "010"
        return person.code

    def _card_answer(self, person: TestPerson, code: str) -> dict[str, Any]:
        now = dt.datetime.now()
        with self._lock:
            history = self._state.checks.setdefault(person.id_number, [])
            previous = [{"userKT": user, "thoiGianKT": when} for user, when in history]
            history.append((self.username, now.strftime("%Y%m%d%H%M%S")))
        answer: dict[str, Any] = {
            "maKetQua": code, "ghiChu": CODE_TABLE[code].meaning_vi, "maThe": person.card_number,
            "hoTen": person.full_name, "ngaySinh": person.date_of_birth, "gioiTinh": person.sex,
            "diaChi": person.address, "maDKBD": person.registered_facility, "cqBHXH": person.issuing_office,
            "gtTheTu": person.valid_from, "gtTheDen": person.valid_to, "maKV": "", "ngayDu5Nam": "",
            "maSoBHXH": person.card_number[-10:], "maTheCu": "", "maTheMoi": "", "gtTheTuMoi": "",
            "gtTheDenMoi": "", "maDKBDMoi": "", "tenDKBDMoi": "",
            "dsLichSuKCB2018": [], "dsLichSuKT2018": previous,
        }
        if code in ("003", "004"):
            answer.update({
                "maTheCu": person.card_number, "maTheMoi": person.card_number[:-1] + "9",
                "gtTheTuMoi": now.strftime("%d/%m/%Y"), "gtTheDenMoi": _far_future(),
                "maDKBDMoi": person.registered_facility, "tenDKBDMoi": "Bệnh viện thử nghiệm"})
            if code == "003":
                answer["gtTheDen"] = (now.date() - dt.timedelta(days=1)).strftime("%d/%m/%Y")
        return answer

    def _dispatch(self, method: str, path: str, query: Mapping[str, str], body: Mapping[str, str] | None,
                  ) -> tuple[int, dict[str, Any]]:
        endpoint = {LOGIN_PATH: "login", LOOKUP_PATH: "lookup"}.get(path, "other")
        with self._lock:
            self._state.counts[endpoint] += 1
            down = self._state.down_503
        if down:
            return 503, {"maKetQua": "500", "ghiChu": "Service Unavailable"}
        if method != "POST" or endpoint == "other":
            return 404, {"maKetQua": "404", "ghiChu": "Not found"}
        if body is None:
            return 200, _error("205")
        if endpoint == "login":
            self._pause(self._scenario_for(None).delay)
            return self._login(body)
        return self._lookup(query, body)


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        return None


def _error(code: str) -> dict[str, Any]:
    info = CODE_TABLE.get(code)
    return {"maKetQua": code, "ghiChu": info.meaning_vi if info else ""}


def _single(values: Mapping[str, list[str]]) -> dict[str, str]:
    return {key: items[0] for key, items in values.items() if items}


def _parse_body(content_type: str, raw: bytes) -> dict[str, str] | None:
    try:
        text = raw.decode("utf-8")
        if "json" in content_type:
            data = json.loads(text)
            if not isinstance(data, dict):
                return None
            return {str(k): "" if v is None else str(v) for k, v in data.items()}
        return _single(parse_qs(text, keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        return None


def _handler_for(emulator: BhytEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(tracked_handler(emulator)):  # type: ignore[misc,valid-type]
        server_version = "bhyt-emulator/1"

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = _single(parse_qs(parts.query, keep_blank_values=True))
            body: dict[str, str] | None = None
            if method == "POST":
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    length = -1
                if 0 <= length <= _MAX_REQUEST:
                    body = _parse_body(self.headers.get("Content-Type", ""), self.rfile.read(length))
                else:
                    self.close_connection = True
            status, payload = emulator._dispatch(method, parts.path, query, body)
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            self._handle("POST")

        def do_GET(self) -> None:
            self._handle("GET")

    return Handler
