"""A minimal local FHIR R4 server for tests, the demo and offline sites: exactly what the adapter uses.

Interactions (base ``http://127.0.0.1:<port>/fhir``):

- ``GET /metadata`` — a small CapabilityStatement;
- ``GET /{type}/{id}`` — read, with ``ETag: W/"<versionId>"``;
- ``GET /{type}?...`` — search: ``_id``, ``identifier`` (token: ``system|value``, ``|value``, ``value``,
  ``system|``), ``patient``/``subject``/``actor`` (reference), ``date`` (``eq ne gt lt ge le`` prefixes;
  Appointment.start, Encounter.period.start), ``status``, ``appointment``, ``_count``. Commas are OR,
  repeated parameters are AND. Unknown parameters are refused with 400 (strict), so adapter bugs surface;
- ``POST /{type}`` — create, structurally validated with ``fhir.resources.R4B``; ``If-None-Exist`` makes
  it conditional (0 matches → 201, 1 → 200 with the existing resource, more → 412);
- ``PUT /{type}/{id}`` — update; ``If-Match`` must name the current version, else 412.

Storage is SQLite: ``:memory:`` by default, or a file (``db_path``) to keep data across restarts. One lock
serialises writes, so conditional creates are atomic (two deliveries racing still create one resource).

Test controls (Python API): :meth:`set_failure` (``down`` = port closed, ``503``, ``slow``, ``drop`` =
commit then close the connection without answering, the lost-response case idempotency exists for),
:meth:`seed`, :meth:`seed_patient`, :meth:`seed_appointment`, :meth:`staff_edit`, :meth:`count`,
:meth:`resources`, :meth:`request_count`. Nothing is logged.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import secrets
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from kiosk.his.models import HisIdentity
from kiosk.loopback import LoopbackServer, tracked_handler

FHIR_JSON = "application/fhir+json; charset=utf-8"
SUPPORTED_TYPES = ("Patient", "Appointment", "Encounter", "Location", "Organization", "Coverage")
_MAX_BODY = 1024 * 1024
_COMMON_PARAMS = {"_id", "identifier", "_count"}
_TYPE_PARAMS: dict[str, set[str]] = {
    "Appointment": {"patient", "actor", "date", "status"},
    "Encounter": {"patient", "subject", "date", "status", "appointment"},
    "Coverage": {"beneficiary", "status"},
}
_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le")
_INTERACTIONS = ("read", "search-type", "create", "update")


class _Problem(Exception):
    """Internal: answer with an OperationOutcome."""

    def __init__(self, status: int, text: str, code: str = "processing") -> None:
        super().__init__(text)
        self.status, self.text, self.code = status, text, code


def operation_outcome(text: str, code: str = "processing", severity: str = "error") -> dict[str, Any]:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": text}]}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- search matching --------------------------------------------------------------------------------
def _token_match(identifiers: object, wanted: str) -> bool:
    if not isinstance(identifiers, list):
        return False
    for alternative in wanted.split(","):
        if "|" in alternative:
            system, value = alternative.split("|", 1)
        else:
            system, value = None, alternative
        for ident in identifiers:
            if not isinstance(ident, dict):
                continue
            if system is not None and (ident.get("system") or "") != system:
                continue
            if value and ident.get("value") != value:
                continue
            return True
    return False


def _ref_match(reference: object, wanted: str) -> bool:
    if not isinstance(reference, str):
        return False
    return any(reference == w or reference.endswith("/" + w) for w in wanted.split(","))


def _parse_when(text: str) -> dt.date | dt.datetime:
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _date_match(value: object, wanted: str) -> bool:
    if not isinstance(value, str):
        return False
    prefix = wanted[:2] if wanted[:2] in _PREFIXES else "eq"
    raw = wanted[2:] if wanted[:2] in _PREFIXES else wanted
    try:
        target = _parse_when(raw)
        have = _parse_when(value)
    except ValueError:
        raise _Problem(400, "date search value is not an ISO date or dateTime", "invalid") from None
    # A date-only parameter compares calendar dates (in the resource's own offset); else instants.
    left: Any
    right: Any
    if isinstance(target, dt.datetime):
        left = have if isinstance(have, dt.datetime) else dt.datetime.combine(have, dt.time(), dt.UTC)
        right = target
    else:
        left = have.date() if isinstance(have, dt.datetime) else have
        right = target
    return bool({"eq": left == right, "ne": left != right, "gt": left > right, "lt": left < right,
                 "ge": left >= right, "le": left <= right}[prefix])


def _resource_date(resource: Mapping[str, Any]) -> object:
    if resource.get("resourceType") == "Appointment":
        return resource.get("start")
    period = resource.get("period")
    return period.get("start") if isinstance(period, dict) else None


def _patient_refs(resource: Mapping[str, Any]) -> list[object]:
    kind = resource.get("resourceType")
    if kind == "Appointment":
        return [p.get("actor", {}).get("reference") for p in resource.get("participant", [])
                if isinstance(p, dict) and isinstance(p.get("actor"), dict)]
    if kind == "Encounter":
        subject = resource.get("subject")
        return [subject.get("reference")] if isinstance(subject, dict) else []
    if kind == "Coverage":
        beneficiary = resource.get("beneficiary")
        return [beneficiary.get("reference")] if isinstance(beneficiary, dict) else []
    return []


def _matches(resource: Mapping[str, Any], name: str, value: str) -> bool:
    if name == "_id":
        return resource.get("id") in value.split(",")
    if name == "identifier":
        return _token_match(resource.get("identifier"), value)
    if name in ("patient", "subject", "actor", "beneficiary"):
        return any(_ref_match(ref, value) for ref in _patient_refs(resource))
    if name == "date":
        return _date_match(_resource_date(resource), value)
    if name == "status":
        return resource.get("status") in value.split(",")
    if name == "appointment":
        refs = resource.get("appointment") or []
        return any(isinstance(r, dict) and _ref_match(r.get("reference"), value) for r in refs)
    raise _Problem(400, f"unsupported search parameter {name!r}", "not-supported")  # pragma: no cover


def _check_params(kind: str, params: Iterable[tuple[str, str]]) -> None:
    allowed = _COMMON_PARAMS | _TYPE_PARAMS.get(kind, set())
    for name, _value in params:
        if name not in allowed:
            raise _Problem(400, f"unsupported search parameter {name[:40]!r} for {kind}", "not-supported")


# --- storage ---------------------------------------------------------------------------------------
class _Store:
    """SQLite holds the data (durable when file-backed); a parsed copy with identifier and patient indexes
    lives in memory so searches stay O(matches) rather than a scan (the outbox drain benchmark needs it)."""

    def __init__(self, db_path: str) -> None:
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL" if db_path != ":memory:" else "PRAGMA journal_mode=MEMORY")
        self._db.execute("CREATE TABLE IF NOT EXISTS resources (type TEXT NOT NULL, id TEXT NOT NULL, "
                         "version INTEGER NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, "
                         "PRIMARY KEY (type, id))")
        self.lock = threading.RLock()
        self._cache: dict[str, dict[str, dict[str, Any]]] = {}
        self._seq: dict[tuple[str, str], int] = {}
        self._by_value: dict[tuple[str, str], set[str]] = {}  # (type, identifier value) → ids
        self._by_ref: dict[tuple[str, str], set[str]] = {}  # (type, referenced patient id) → ids
        for seq, body in self._db.execute("SELECT seq, body FROM resources ORDER BY seq"):
            self._remember(json.loads(body), seq)

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @staticmethod
    def _keys(resource: Mapping[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        kind = str(resource["resourceType"])
        values = [(kind, str(i.get("value"))) for i in resource.get("identifier") or []
                  if isinstance(i, dict) and i.get("value")]
        refs = [(kind, ref.rsplit("/", 1)[-1]) for ref in _patient_refs(resource) if isinstance(ref, str)]
        return values, refs

    def _remember(self, resource: dict[str, Any], seq: int) -> None:
        kind, rid = str(resource["resourceType"]), str(resource["id"])
        old = self._cache.setdefault(kind, {}).get(rid)
        if old is not None:
            old_values, old_refs = self._keys(old)
            for key in old_values:
                self._by_value.get(key, set()).discard(rid)
            for key in old_refs:
                self._by_ref.get(key, set()).discard(rid)
        values, refs = self._keys(resource)
        for key in values:
            self._by_value.setdefault(key, set()).add(rid)
        for key in refs:
            self._by_ref.setdefault(key, set()).add(rid)
        self._cache[kind][rid] = resource
        self._seq[(kind, rid)] = seq

    def get(self, kind: str, rid: str) -> dict[str, Any] | None:
        with self.lock:
            found = self._cache.get(kind, {}).get(rid)
            return copy.deepcopy(found) if found is not None else None

    def all(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self._ordered(kind, self._cache.get(kind, {}).keys()))

    def _ordered(self, kind: str, ids: Iterable[str]) -> list[dict[str, Any]]:
        table = self._cache.get(kind, {})
        return [table[i] for i in sorted(ids, key=lambda i: self._seq[(kind, i)]) if i in table]

    def put(self, resource: dict[str, Any]) -> None:
        kind, rid = str(resource["resourceType"]), str(resource["id"])
        version = int(resource["meta"]["versionId"])
        with self.lock:
            seq = self._seq.get((kind, rid), len(self._seq) + 1)
            self._db.execute("INSERT OR REPLACE INTO resources (type, id, version, seq, body) "
                             "VALUES (?, ?, ?, ?, ?)",
                             (kind, rid, version, seq, json.dumps(resource, ensure_ascii=False)))
            self._remember(copy.deepcopy(resource), seq)

    def _candidates(self, kind: str, items: list[tuple[str, str]]) -> Iterable[str]:
        for name, value in items:
            if name == "identifier":
                wanted = [alt.split("|", 1)[-1] for alt in value.split(",")]
                if all(wanted):  # "system|" (any value) cannot use the value index
                    return set().union(*(self._by_value.get((kind, w), set()) for w in wanted))
            if name in ("patient", "subject", "actor", "beneficiary"):
                return set().union(*(self._by_ref.get((kind, w.rsplit("/", 1)[-1]), set())
                                     for w in value.split(",")))
            if name == "_id":
                return set(value.split(","))
        return self._cache.get(kind, {}).keys()

    def search(self, kind: str, params: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        """Matching resources in creation order (shared objects: serialise, do not mutate)."""
        items = list(params)
        _check_params(kind, items)
        count = next((v for n, v in items if n == "_count"), None)
        filters = [(n, v) for n, v in items if n != "_count"]
        with self.lock:
            candidates = self._ordered(kind, self._candidates(kind, filters))
        found = [r for r in candidates if all(_matches(r, n, v) for n, v in filters)]
        if count is not None and count.isdigit():
            found = found[: int(count)]
        return found


@dataclass
class _Failure:
    mode: str
    delay: float
    remaining: int | None
    methods: tuple[str, ...] | None


class FhirServer(LoopbackServer):
    """See the module doc. ``with FhirServer() as fhir: fhir.url`` gives the base URL."""

    def __init__(self, *, db_path: str | Path | None = None, host: str = "127.0.0.1", port: int = 0,
                 require_if_match: bool = False) -> None:
        self._init_loopback(host, port)
        self.require_if_match = require_if_match
        self._store = _Store(str(db_path) if db_path is not None else ":memory:")
        self._failure: _Failure | None = None
        self._requests: Counter[str] = Counter()

    # --- lifecycle ---------------------------------------------------------------------------------
    _thread_name = "fhir-server"

    def _make_handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)


    def close(self) -> None:
        self.stop()
        self._store.close()

    def __enter__(self) -> FhirServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}/fhir"

    # --- test controls -----------------------------------------------------------------------------
    def set_failure(self, mode: str, *, delay: float = 1.0, count: int | None = None,
                    methods: Iterable[str] | None = None) -> None:
        """``down`` (close the port; other options ignored), ``503``, ``slow`` (wait ``delay`` s, then
        answer) or ``drop`` (process, then close without answering). ``count`` limits it to the next
        ``count`` requests; ``None`` until :meth:`clear_failure`. ``methods`` (e.g. ``["POST"]``)
        restricts which requests are hit."""
        if mode not in ("down", "503", "slow", "drop"):
            raise ValueError("mode must be down, 503, slow or drop")
        if mode == "down":
            self.stop()
            return
        with self._lock:
            self._failure = _Failure(mode, delay, count,
                                     tuple(m.upper() for m in methods) if methods is not None else None)

    def clear_failure(self) -> None:
        with self._lock:
            self._failure = None
        self.start()

    def _take_failure(self, method: str) -> _Failure | None:
        with self._lock:
            failure = self._failure
            if failure is None or (failure.methods is not None and method not in failure.methods):
                return None
            if failure.remaining is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failure = None
            return failure

    def request_count(self, method: str | None = None) -> int:
        with self._lock:
            return sum(self._requests.values()) if method is None else self._requests[method.upper()]

    def seed(self, resource: Mapping[str, Any]) -> str:
        """Store a resource directly (validated, new id unless given); returns its id."""
        return str(self._create(dict(resource), keep_id=True)["id"])

    def seed_patient(self, identity: HisIdentity, *, cccd_system: str) -> str:
        from kiosk.his.fhir_adapter import patient_resource  # local: the adapter owns the mapping

        return self.seed(patient_resource(identity, cccd_system))

    def seed_appointment(self, patient_id: str, start: dt.datetime, *, minutes: int = 15,
                         status: str = "booked", description: str = "Khám bệnh") -> str:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        return self.seed({
            "resourceType": "Appointment", "status": status, "description": description,
            "start": start.isoformat(), "end": (start + dt.timedelta(minutes=minutes)).isoformat(),
            "participant": [{"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"}],
        })

    def staff_edit(self, kind: str, rid: str, change: Callable[[dict[str, Any]], None]) -> str:
        """Change a stored resource as a staff member would (bumps its version); returns the version."""
        with self._store.lock:
            current = self._store.get(kind, rid)
            if current is None:
                raise KeyError(f"{kind}/{rid}")
            change(current)
            current["id"] = rid
            saved = self._save_version(current, int(current["meta"]["versionId"]) + 1)
            return str(saved["meta"]["versionId"])

    def read(self, kind: str, rid: str) -> dict[str, Any] | None:
        return self._store.get(kind, rid)

    def resources(self, kind: str) -> list[dict[str, Any]]:
        return self._store.all(kind)

    def count(self, kind: str, **params: str) -> int:
        """How many ``kind`` resources match the search ``params`` (e.g. ``identifier="sys|key"``)."""
        return len(self._store.search(kind, params.items()))

    # --- interactions ------------------------------------------------------------------------------
    def _validated(self, resource: dict[str, Any]) -> dict[str, Any]:
        kind = resource.get("resourceType")
        if kind not in SUPPORTED_TYPES:
            raise _Problem(400, "unsupported resource type", "not-supported")
        try:
            model = get_fhir_model_class(str(kind)).model_validate(resource)
        except ValidationError as exc:
            # Locations and error kinds only: the rejected values may be personal data.
            where = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['type']}"
                              for err in exc.errors()[:5])
            raise _Problem(400, f"invalid {kind}: {where}", "structure") from None
        dumped: dict[str, Any] = model.model_dump(mode="json", exclude_none=True, by_alias=True)
        return dumped

    def _save_version(self, resource: dict[str, Any], version: int) -> dict[str, Any]:
        stored = self._validated(resource)
        stored["meta"] = {**stored.get("meta", {}), "versionId": str(version), "lastUpdated": _now()}
        self._store.put(stored)
        return stored

    def _create(self, resource: dict[str, Any], *, keep_id: bool = False) -> dict[str, Any]:
        with self._store.lock:
            rid = str(resource.get("id") or "") if keep_id else ""
            resource["id"] = rid or secrets.token_hex(8)
            resource.pop("meta", None)
            return self._save_version(resource, 1)

    def handle(self, method: str, path: str, query: str, headers: Mapping[str, str],
               body: bytes | None) -> tuple[int, dict[str, str], dict[str, Any] | None]:
        """One request → (status, headers, JSON body). Public so tests can drive it without sockets."""
        try:
            return self._route(method, path, query, headers, body)
        except _Problem as problem:
            return problem.status, {}, operation_outcome(problem.text, problem.code)

    def _route(self, method: str, path: str, query: str, headers: Mapping[str, str],
               body: bytes | None) -> tuple[int, dict[str, str], dict[str, Any] | None]:
        parts = [p for p in path.split("/") if p]
        if not parts or parts[0] != "fhir":
            raise _Problem(404, "unknown base path", "not-found")
        parts = parts[1:]
        if method == "GET" and parts == ["metadata"]:
            return 200, {}, self._capability()
        if not parts or parts[0] not in SUPPORTED_TYPES or len(parts) > 2:
            raise _Problem(404, "unknown resource type or path", "not-found")
        kind = parts[0]
        if method == "GET" and len(parts) == 2:
            found = self._store.get(kind, parts[1])
            if found is None:
                raise _Problem(404, f"{kind} not found", "not-found")
            return 200, _version_headers(found), found
        if method == "GET":
            found_all = self._store.search(kind, parse_qsl(query, keep_blank_values=True))
            return 200, {}, self._bundle(kind, found_all)
        if method == "POST" and len(parts) == 1:
            return self._post(kind, _json_body(body), headers)
        if method == "PUT" and len(parts) == 2:
            return self._put(kind, parts[1], _json_body(body), headers)
        raise _Problem(405, "interaction not supported", "not-supported")

    def _post(self, kind: str, resource: dict[str, Any],
              headers: Mapping[str, str]) -> tuple[int, dict[str, str], dict[str, Any] | None]:
        if resource.get("resourceType") != kind:
            raise _Problem(400, "resourceType does not match the URL", "invalid")
        condition = headers.get("if-none-exist")
        with self._store.lock:  # search + create atomically
            if condition:
                existing = self._store.search(kind, parse_qsl(condition.lstrip("?"), keep_blank_values=True))
                if len(existing) > 1:
                    raise _Problem(412, "If-None-Exist matches more than one resource", "duplicate")
                if existing:
                    return 200, _version_headers(existing[0], location=self.url), existing[0]
            created = self._create(resource)
        return 201, _version_headers(created, location=self.url), _representation(created, headers)

    def _put(self, kind: str, rid: str, resource: dict[str, Any],
             headers: Mapping[str, str]) -> tuple[int, dict[str, str], dict[str, Any] | None]:
        if resource.get("resourceType") != kind or resource.get("id") != rid:
            raise _Problem(400, "resourceType/id in the body do not match the URL", "invalid")
        wanted = headers.get("if-match")
        with self._store.lock:
            current = self._store.get(kind, rid)
            if current is None:
                if wanted:
                    raise _Problem(412, "If-Match on a resource that does not exist", "conflict")
                resource.pop("meta", None)
                created = self._save_version(resource, 1)
                return 201, _version_headers(created, location=self.url), _representation(created, headers)
            version = str(current["meta"]["versionId"])
            if wanted is None and self.require_if_match:
                raise _Problem(428, "If-Match is required for updates", "conflict")
            if wanted is not None and _etag_version(wanted) != version:
                raise _Problem(412, "version conflict: the resource changed", "conflict")
            updated = self._save_version(resource, int(version) + 1)
        return 200, _version_headers(updated, location=self.url), _representation(updated, headers)

    def _bundle(self, kind: str, found: list[dict[str, Any]]) -> dict[str, Any]:
        return {"resourceType": "Bundle", "type": "searchset", "total": len(found),
                "entry": [{"fullUrl": f"{self.url}/{kind}/{r['id']}", "resource": r,
                           "search": {"mode": "match"}} for r in found]}

    def _capability(self) -> dict[str, Any]:
        return {"resourceType": "CapabilityStatement", "status": "active", "date": _now()[:10],
                "kind": "instance", "fhirVersion": "4.0.1", "format": ["json"],
                "software": {"name": "cccd-kiosk local FHIR server"},
                "rest": [{"mode": "server", "resource": [
                    {"type": t, "interaction": [{"code": c} for c in _INTERACTIONS],
                     "conditionalCreate": True, "versioning": "versioned-update"} for t in SUPPORTED_TYPES]}]}


def _json_body(body: bytes | None) -> dict[str, Any]:
    if not body:
        raise _Problem(400, "request body missing", "invalid")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _Problem(400, "request body is not JSON", "invalid") from None
    if not isinstance(data, dict):
        raise _Problem(400, "request body is not a JSON object", "invalid")
    return data


def _etag_version(text: str) -> str:
    text = text.strip()
    if text.startswith("W/"):
        text = text[2:]
    return text.strip('"')


def _version_headers(resource: Mapping[str, Any], *, location: str | None = None) -> dict[str, str]:
    meta = resource.get("meta", {})
    version = str(meta.get("versionId", ""))
    headers = {"ETag": f'W/"{version}"', "Last-Modified": str(meta.get("lastUpdated", ""))}
    if location is not None:
        headers["Location"] = f"{location}/{resource['resourceType']}/{resource['id']}/_history/{version}"
    return headers


def _representation(resource: dict[str, Any], headers: Mapping[str, str]) -> dict[str, Any] | None:
    return None if "return=minimal" in headers.get("prefer", "") else resource


def _handler_for(server: FhirServer) -> type[BaseHTTPRequestHandler]:
    class Handler(tracked_handler(server)):  # type: ignore[misc,valid-type]
        server_version = "cccd-kiosk-fhir/1"

        def _serve(self, method: str) -> None:
            with server._lock:
                server._requests[method] += 1
            failure = server._take_failure(method)
            if failure is not None and failure.mode == "slow":
                server._stopping.wait(failure.delay)
            if failure is not None and failure.mode == "503":
                # the unread request body would otherwise be parsed as the next request on this connection
                self.close_connection = True
                self._send(503, {"Connection": "close"},
                           operation_outcome("service unavailable (test failure mode)", "transient"))
                return
            body: bytes | None = None
            if method in ("POST", "PUT"):
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    length = -1
                if not 0 <= length <= _MAX_BODY:
                    self.close_connection = True
                    self._send(413, {}, operation_outcome("body too large or length missing", "too-costly"))
                    return
                body = self.rfile.read(length)
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, payload = server.handle(method, parts.path, parts.query, headers, body)
            if failure is not None and failure.mode == "drop":
                self.close_connection = True  # committed, but the client never hears about it
                return
            self._send(status, extra, payload)

        def _send(self, status: int, extra: Mapping[str, str], payload: dict[str, Any] | None) -> None:
            data = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            for key, value in extra.items():
                self.send_header(key, value)
            if payload is not None:
                self.send_header("Content-Type", FHIR_JSON)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

    return Handler
