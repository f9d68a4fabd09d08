"""FHIR R4 adapter for the HIS port, over ``requests`` with explicit timeouts.

Models: ``fhir.resources`` 8.x has no R4 package (R5 is the default; R4 stopped at 6.4 with pydantic v1),
so resources are built and checked with ``fhir.resources.R4B``, which equals R4 for Patient, Appointment
and Encounter (notes §5.1). Identifier systems (configurable, defaults documented in ``docs/his.md``):

- CCCD: ``http://fhir.hl7.org.vn/core/sid/cccd`` (VN Core IG draft NamingSystem ``vn-cccd-ns``);
- visit idempotency key: ``urn:cccd-kiosk:checkin-key`` on ``Encounter.identifier``;
- department: ``urn:cccd-kiosk:department`` on ``Encounter.serviceType``.

Idempotency: patients are keyed by their CCCD identifier and encounters by the check-in key; both are
searched first and then created with ``If-None-Exist`` on that identifier, so a replayed operation finds
the resource its first delivery made (even when that delivery's answer was lost). Appointments are moved
to ``arrived`` with ``If-Match``; on 412 the adapter re-reads and retries, and never changes a booking
already arrived or later (staff changes win).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from kiosk.errors import (
    HisAmbiguousPatient,
    HisConfigError,
    HisConflict,
    HisProtocolError,
    HisRejected,
    HisUnavailable,
)
from kiosk.his.models import AppointmentRef, Department, EncounterRef, HisIdentity, PatientRef
from kiosk.logs import install_url_redaction

log = logging.getLogger("kiosk.his")

CCCD_SYSTEM = "http://fhir.hl7.org.vn/core/sid/cccd"
CHECKIN_KEY_SYSTEM = "urn:cccd-kiosk:checkin-key"
DEPARTMENT_SYSTEM = "urn:cccd-kiosk:department"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
VIETNAM_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")
FHIR_JSON = "application/fhir+json"

#: statuses a kiosk may move to ``arrived``; and those it must leave alone as "already done"
ARRIVABLE = ("proposed", "pending", "booked")
ARRIVED_OR_LATER = ("arrived", "checked-in", "fulfilled")
MAX_ANSWER_BYTES = 16 * 1024 * 1024  # a kiosk's searches return a handful of resources
_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_LOCATION = re.compile(r"/(?P<type>[A-Za-z]+)/(?P<id>[A-Za-z0-9.-]{1,64})(?:/_history/(?P<vid>[^/]+))?/?$")


@dataclass(frozen=True)
class FhirSettings:
    base_url: str
    departments: tuple[Department, ...] = ()
    cccd_system: str = CCCD_SYSTEM
    checkin_key_system: str = CHECKIN_KEY_SYSTEM
    department_system: str = DEPARTMENT_SYSTEM
    timeout: tuple[float, float] = (3.0, 8.0)  # (connect, read) seconds per request
    site_timezone: dt.tzinfo = VIETNAM_TZ  # what "today" means for appointments
    conflict_retries: int = 3  # re-reads after a 412 before giving up
    search_before_create: bool = True  # belt and braces for servers that ignore If-None-Exist
    service_provider: str | None = None  # e.g. "Organization/hospital-1"

    def department(self, code: str) -> Department:
        for dept in self.departments:
            if dept.code == code:
                return dept
        raise HisConfigError(detail=f"department code {code[:20]!r} is not in the configured list")


def _validate(kind: str, resource: Mapping[str, Any]) -> dict[str, Any]:
    """Structural check with the R4B model; returns the normalised JSON."""
    try:
        model = get_fhir_model_class(kind).model_validate(dict(resource))
    except ValidationError as exc:
        where = ", ".join(".".join(str(p) for p in err["loc"]) for err in exc.errors()[:5])
        raise HisProtocolError(detail=f"{kind} is not valid FHIR ({where})") from None
    dumped: dict[str, Any] = model.model_dump(mode="json", exclude_none=True, by_alias=True)
    return dumped


def patient_resource(identity: HisIdentity, cccd_system: str = CCCD_SYSTEM) -> dict[str, Any]:
    """Patient from the verified card identity. Vietnamese names are written family name first."""
    words = identity.full_name.split()
    name: dict[str, Any] = {"use": "official", "text": " ".join(words), "family": words[0]}
    if len(words) > 1:
        name["given"] = words[1:]
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{
            "use": "official",
            "type": {"coding": [{"system": V2_0203, "code": "NI"}], "text": "CCCD"},
            "system": cccd_system,
            "value": identity.id_number,
        }],
        "active": True,
        "name": [name],
        "gender": identity.sex,
        "birthDate": identity.date_of_birth,
    }
    if identity.address.strip():
        resource["address"] = [{"use": "home", "text": identity.address.strip(), "country": "VN"}]
    if identity.phone:
        resource["telecom"] = [{"system": "phone", "value": identity.phone, "use": "mobile"}]
    return _validate("Patient", resource)


def _outcome_text(body: object) -> str:
    if not isinstance(body, Mapping) or body.get("resourceType") != "OperationOutcome":
        return ""
    texts = []
    for issue in body.get("issue") or []:
        if isinstance(issue, Mapping):
            details = issue.get("details")
            text = issue.get("diagnostics") or (details.get("text") if isinstance(details, Mapping) else "")
            if text:
                texts.append(str(text))
    return "; ".join(texts)[:300]


def _version_of(resource: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> str:
    meta = resource.get("meta")
    if isinstance(meta, Mapping) and meta.get("versionId"):
        return str(meta["versionId"])
    etag = (headers or {}).get("ETag", "")
    return etag.removeprefix("W/").strip('"')


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: Mapping[str, str]
    body: dict[str, Any] | None


class FhirHisAdapter:
    """:class:`kiosk.his.port.HisPort` over a FHIR R4 server. Thread-safe as far as ``requests`` is."""

    def __init__(self, settings: FhirSettings, *, session: requests.Session | None = None) -> None:
        self.settings = settings
        self._base = settings.base_url.rstrip("/")
        self._session = session or requests.Session()
        self._owns_session = session is None
        install_url_redaction()

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> FhirHisAdapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport ---------------------------------------------------------------------------------
    def _send(self, method: str, path: str, *, params: Sequence[tuple[str, str]] | None = None,
              body: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
              allow: tuple[int, ...] = ()) -> _Reply:
        all_headers = {"Accept": FHIR_JSON, **(headers or {})}
        data = None
        if body is not None:
            all_headers["Content-Type"] = FHIR_JSON
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        what = f"{method} {path.split('/')[0]}"
        try:
            with self._session.request(method, f"{self._base}/{path}", params=params, data=data,
                                       headers=all_headers, timeout=self.settings.timeout,
                                       stream=True) as response:
                status = response.status_code
                content = _read_capped(response, what)
        except requests.exceptions.Timeout:
            raise HisUnavailable(detail=f"{what}: timed out") from None
        except requests.exceptions.RequestException as exc:
            # ``from None``: the cause's text holds the URL, whose query may hold an ID number.
            raise HisUnavailable(detail=f"{what}: {type(exc).__name__}") from None
        parsed: dict[str, Any] | None = None
        if content:
            try:
                loaded = json.loads(content)
            except ValueError:
                loaded = None
            parsed = loaded if isinstance(loaded, dict) else None
        if status >= 500:
            raise HisUnavailable(detail=f"{what}: HTTP {status}")
        if status >= 400 and status not in allow:
            raise HisRejected(status, _outcome_text(parsed))
        if status < 400 and content and parsed is None:
            raise HisProtocolError(detail=f"{what}: answer is not a JSON object")
        return _Reply(status, response.headers, parsed)

    def _search(self, kind: str, params: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        reply = self._send("GET", kind, params=params)
        bundle = reply.body or {}
        if bundle.get("resourceType") != "Bundle":
            raise HisProtocolError(detail=f"{kind} search did not return a Bundle")
        entries = bundle.get("entry") or []
        if not isinstance(entries, list):
            raise HisProtocolError(detail=f"{kind} search Bundle.entry is not a list")
        found = []
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            resource = entry.get("resource")
            search = entry.get("search")
            mode = search.get("mode", "match") if isinstance(search, Mapping) else "match"
            if isinstance(resource, Mapping) and resource.get("resourceType") == kind and mode == "match":
                validated = _validate(kind, resource)
                if not validated.get("id"):
                    raise HisProtocolError(detail=f"{kind} search returned a resource without an id")
                found.append(validated)
        return found

    def _read(self, kind: str, rid: str) -> tuple[dict[str, Any], str]:
        reply = self._send("GET", f"{kind}/{rid}")
        if reply.body is None or reply.body.get("resourceType") != kind:
            raise HisProtocolError(detail=f"read {kind} returned something else")
        resource = _validate(kind, reply.body)
        return resource, _version_of(resource, reply.headers)

    def _created(self, kind: str, reply: _Reply) -> tuple[dict[str, Any], str]:
        """The resource a create answered with; fetched via ``Location`` if the body was minimal."""
        if reply.body is not None and reply.body.get("resourceType") == kind:
            resource = _validate(kind, reply.body)
            return resource, _version_of(resource, reply.headers)
        match = _LOCATION.search(reply.headers.get("Location", "").split("?")[0])
        if match is None or match.group("type") != kind:
            raise HisProtocolError(detail=f"create {kind}: no resource and no usable Location")
        return self._read(kind, match.group("id"))

    def _conditional_create(self, kind: str, resource: Mapping[str, Any], system: str,
                            value: str) -> tuple[dict[str, Any], str, bool]:
        condition = f"identifier={system}|{value}"
        reply = self._send("POST", kind, body=resource, headers={
            "If-None-Exist": condition, "Prefer": "return=representation"})
        created = reply.status == 201
        found, version = self._created(kind, reply)
        return found, version, created

    # --- port operations ---------------------------------------------------------------------------
    def find_patient(self, id_number: str) -> PatientRef | None:
        matches = self._search("Patient", [("identifier", f"{self.settings.cccd_system}|{id_number}")])
        if len(matches) > 1:
            raise HisAmbiguousPatient(detail=f"{len(matches)} patients share one CCCD identifier")
        if not matches:
            return None
        return PatientRef(str(matches[0]["id"]), _version_of(matches[0]))

    def ensure_patient(self, identity: HisIdentity) -> PatientRef:
        if self.settings.search_before_create:
            existing = self.find_patient(identity.id_number)
            if existing is not None:
                return existing
        resource = patient_resource(identity, self.settings.cccd_system)
        found, version, created = self._conditional_create(
            "Patient", resource, self.settings.cccd_system, identity.id_number)
        log.info("his patient %s", "created" if created else "found by conditional create")
        return PatientRef(str(found["id"]), version, created)

    def todays_appointment(
        self, patient: PatientRef, *, today: dt.date | None = None
    ) -> AppointmentRef | None:
        tz = self.settings.site_timezone
        day = today or dt.datetime.now(tz).date()
        start = dt.datetime.combine(day, dt.time(), tz)
        params = [
            ("patient", patient.reference),
            ("date", f"ge{start.isoformat()}"),
            ("date", f"lt{(start + dt.timedelta(days=1)).isoformat()}"),
            ("status", ",".join(ARRIVABLE + ARRIVED_OR_LATER)),
        ]
        found = self._search("Appointment", params)
        if not found:
            return None
        # Prefer a booking still to be arrived, earliest first; else the one already arrived (replay).
        found.sort(key=lambda r: (r.get("status") not in ARRIVABLE, str(r.get("start", ""))))
        return _appointment_ref(found[0])

    def mark_arrived(self, appointment: AppointmentRef, idempotency_key: str) -> AppointmentRef:
        """``idempotency_key`` is not sent: "set status to arrived" is idempotent by itself, and the
        If-Match/412 loop makes concurrent deliveries safe."""
        if appointment.resource_json:
            resource = json.loads(appointment.resource_json)
            version = appointment.version_id
        else:
            resource, version = self._read("Appointment", appointment.id)
        for _attempt in range(self.settings.conflict_retries + 1):
            status = resource.get("status")
            if status in ARRIVED_OR_LATER:
                log.info("his appointment already %s; left unchanged", status)
                return _appointment_ref(resource, version)
            if status not in ARRIVABLE:
                raise HisConflict(409, f"appointment is {str(status)[:20]}; the kiosk does not change it")
            update = {**resource, "status": "arrived"}
            update.pop("meta", None)
            update = _validate("Appointment", update)
            reply = self._send("PUT", f"Appointment/{appointment.id}", body=update,
                               headers={"If-Match": f'W/"{version}"', "Prefer": "return=representation"},
                               allow=(412,))
            if reply.status != 412:
                saved, new_version = self._created("Appointment", reply)
                log.info("his appointment arrived")
                return _appointment_ref(saved, new_version)
            log.info("his appointment changed meanwhile (412); re-reading")
            resource, version = self._read("Appointment", appointment.id)
        raise HisConflict(412, "appointment kept changing; gave up after re-reads")

    def create_encounter(self, patient: PatientRef, department_code: str, idempotency_key: str, *,
                         appointment: AppointmentRef | None = None) -> EncounterRef:
        if not _KEY.fullmatch(idempotency_key or ""):
            raise HisConfigError(detail="idempotency key must be 1-64 of [A-Za-z0-9._:-]")
        dept = self.settings.department(department_code)
        system = self.settings.checkin_key_system
        if self.settings.search_before_create:
            existing = self._search("Encounter", [("identifier", f"{system}|{idempotency_key}")])
            if existing:
                return _encounter_ref(existing[0], _version_of(existing[0]), created=False)
        encounter: dict[str, Any] = {
            "resourceType": "Encounter",
            "identifier": [{"use": "secondary", "system": system, "value": idempotency_key}],
            "status": "arrived",
            "class": {"system": V3_ACT_CODE, "code": "AMB", "display": "ambulatory"},
            "subject": {"reference": patient.reference},
            "serviceType": {"coding": [{"system": self.settings.department_system, "code": dept.code,
                                        "display": dept.display}], "text": dept.display},
            "period": {"start": dt.datetime.now(self.settings.site_timezone).isoformat(timespec="seconds")},
        }
        if appointment is not None:
            encounter["appointment"] = [{"reference": appointment.reference}]
        if dept.location_id:
            encounter["location"] = [{"location": {"reference": f"Location/{dept.location_id}"},
                                      "status": "active"}]
        if self.settings.service_provider:
            encounter["serviceProvider"] = {"reference": self.settings.service_provider}
        found, version, created = self._conditional_create(
            "Encounter", _validate("Encounter", encounter), system, idempotency_key)
        log.info("his encounter %s", "created" if created else "already present")
        return _encounter_ref(found, version, created=created)


def _read_capped(response: requests.Response, what: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(65536):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise HisProtocolError(detail=f"{what}: answer larger than {MAX_ANSWER_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _appointment_ref(resource: Mapping[str, Any], version: str | None = None) -> AppointmentRef:
    return AppointmentRef(
        id=str(resource.get("id", "")),
        version_id=version if version is not None else _version_of(resource),
        status=str(resource.get("status", "")),
        start=str(resource.get("start", "")),
        resource_json=json.dumps(resource, ensure_ascii=False, sort_keys=True),
    )


def _encounter_ref(resource: Mapping[str, Any], version: str, *, created: bool) -> EncounterRef:
    return EncounterRef(str(resource.get("id", "")), version, str(resource.get("status", "")), created)
