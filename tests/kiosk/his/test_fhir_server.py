"""The local FHIR server's own contract (what the adapter relies on), over real HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.his.fhir_server import FhirServer

ICT = dt.timezone(dt.timedelta(hours=7))
SYS = "http://fhir.hl7.org.vn/core/sid/cccd"


@pytest.fixture
def srv() -> Iterator[FhirServer]:
    with FhirServer() as server:
        yield server


def patient(value: str, system: str = SYS, **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "identifier": [{"system": system, "value": value}], **extra}


def post(srv: FhirServer, resource: dict[str, Any], **headers: str) -> requests.Response:
    return requests.post(f"{srv.url}/{resource['resourceType']}", json=resource, headers=headers, timeout=5)


def search(srv: FhirServer, kind: str, params: list[tuple[str, str]]) -> list[str]:
    reply = requests.get(f"{srv.url}/{kind}", params=params, timeout=5)
    assert reply.status_code == 200, reply.text
    bundle = reply.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    assert bundle["total"] == len(bundle.get("entry", []))
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def test_metadata(srv: FhirServer) -> None:
    body = requests.get(f"{srv.url}/metadata", timeout=5).json()
    assert body["resourceType"] == "CapabilityStatement" and body["fhirVersion"] == "4.0.1"


def test_create_read_etag_and_location(srv: FhirServer) -> None:
    reply = post(srv, patient("1"))
    assert reply.status_code == 201
    rid = reply.json()["id"]
    assert reply.headers["ETag"] == 'W/"1"'
    assert reply.headers["Location"].endswith(f"/Patient/{rid}/_history/1")
    read = requests.get(f"{srv.url}/Patient/{rid}", timeout=5)
    assert read.status_code == 200 and read.json()["meta"]["versionId"] == "1"
    minimal = post(srv, patient("2"), Prefer="return=minimal")
    assert minimal.status_code == 201 and minimal.content == b"" and "Location" in minimal.headers


@pytest.mark.parametrize(("token", "expected"), [
    (f"{SYS}|1", ["a"]), ("1", ["a", "c", "d"]), ("|1", ["d"]), (f"{SYS}|", ["a", "b"]),
    (f"{SYS}|1,{SYS}|2", ["a", "b"]),
    ("urn:other|1", ["c"]), (f"{SYS}|9", []),
])
def test_identifier_token_forms(srv: FhirServer, token: str, expected: list[str]) -> None:
    srv.seed({**patient("1"), "id": "a"})
    srv.seed({**patient("2"), "id": "b"})
    srv.seed({**patient("1", "urn:other"), "id": "c"})
    srv.seed({"resourceType": "Patient", "id": "d", "identifier": [{"value": "1"}]})
    assert search(srv, "Patient", [("identifier", token)]) == expected


def test_date_status_and_patient_search(srv: FhirServer) -> None:
    day = dt.date(2026, 11, 30)
    at = [dt.datetime.combine(day, dt.time(h), ICT) for h in (0, 9, 23)]
    ids = [srv.seed_appointment("p1", t) for t in at]
    late = srv.seed_appointment("p1", dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), ICT))
    other = srv.seed_appointment("p2", at[1], status="cancelled")
    start, end = at[0].isoformat(), (at[0] + dt.timedelta(days=1)).isoformat()
    window = [("date", f"ge{start}"), ("date", f"lt{end}")]
    assert search(srv, "Appointment", [("patient", "Patient/p1"), *window]) == ids
    assert search(srv, "Appointment", [("patient", "p1"), ("date", "2026-12-01")]) == [late]
    assert search(srv, "Appointment", [*window, ("status", "booked,arrived")]) == ids
    assert search(srv, "Appointment", [*window, ("status", "cancelled")]) == [other]
    assert search(srv, "Appointment", [("date", "gt2026-11-30")]) == [late]


def test_unknown_search_parameter_is_refused(srv: FhirServer) -> None:
    reply = requests.get(f"{srv.url}/Patient", params={"name": "x"}, timeout=5)
    assert reply.status_code == 400 and reply.json()["resourceType"] == "OperationOutcome"


def test_conditional_create(srv: FhirServer) -> None:
    cond = f"identifier={SYS}|1"
    first = post(srv, patient("1"), **{"If-None-Exist": cond})
    second = post(srv, patient("1", active=True), **{"If-None-Exist": cond})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"] and "active" not in second.json()
    srv.seed(patient("1"))
    assert post(srv, patient("1"), **{"If-None-Exist": cond}).status_code == 412
    assert srv.count("Patient", identifier=f"{SYS}|1") == 2


def test_update_with_if_match(srv: FhirServer) -> None:
    rid = srv.seed(patient("1"))
    body = {**patient("1"), "id": rid, "active": True}
    url = f"{srv.url}/Patient/{rid}"
    stale = requests.put(url, json=body, headers={"If-Match": 'W/"7"'}, timeout=5)
    assert stale.status_code == 412
    ok = requests.put(url, json=body, headers={"If-Match": 'W/"1"'}, timeout=5)
    assert ok.status_code == 200 and ok.headers["ETag"] == 'W/"2"' and ok.json()["active"] is True
    again = requests.put(url, json=body, headers={"If-Match": 'W/"1"'}, timeout=5)
    assert again.status_code == 412
    assert requests.put(url, json={**body, "id": "other"}, timeout=5).status_code == 400


def test_if_match_can_be_required() -> None:
    with FhirServer(require_if_match=True) as srv:
        rid = srv.seed(patient("1"))
        reply = requests.put(f"{srv.url}/Patient/{rid}", json={**patient("1"), "id": rid}, timeout=5)
        assert reply.status_code == 428


def test_update_reindexes_identifiers(srv: FhirServer) -> None:
    rid = srv.seed(patient("1"))
    srv.staff_edit("Patient", rid, lambda r: r.update(identifier=[{"system": SYS, "value": "2"}]))
    assert srv.count("Patient", identifier=f"{SYS}|1") == 0
    assert srv.count("Patient", identifier=f"{SYS}|2") == 1


def test_invalid_resource_is_refused_without_echoing_values(srv: FhirServer) -> None:
    reply = post(srv, patient("1", birthDate="31/12/1999"))
    assert reply.status_code == 400
    text = reply.text
    assert "birthDate" in text and "31/12/1999" not in text
    assert post(srv, {"resourceType": "Basic"}).status_code == 404  # type not served
    bad = requests.post(f"{srv.url}/Patient", data=b"{not json", timeout=5)
    assert bad.status_code == 400
    mismatch = requests.post(f"{srv.url}/Encounter", json=patient("1"), timeout=5)
    assert mismatch.status_code == 400


def test_missing_resource_and_path(srv: FhirServer) -> None:
    assert requests.get(f"{srv.url}/Patient/nope", timeout=5).status_code == 404
    assert requests.get(f"{srv.url}/Nothing", timeout=5).status_code == 404
    assert requests.delete(f"{srv.url}/Patient/x", timeout=5).status_code == 405


def test_failure_modes_count_and_clear(srv: FhirServer) -> None:
    srv.set_failure("503", count=2)
    codes = [requests.get(f"{srv.url}/metadata", timeout=5).status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    srv.set_failure("down")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{srv.url}/metadata", timeout=5)
    srv.clear_failure()
    assert requests.get(f"{srv.url}/metadata", timeout=5).status_code == 200
    assert srv.request_count("GET") == 4


def test_sqlite_file_survives_restart(tmp_path: Path) -> None:
    db = tmp_path / "fhir.sqlite"
    with FhirServer(db_path=db) as first:
        rid = first.seed(patient("1"))
        first.staff_edit("Patient", rid, lambda r: r.update(active=False))
    with FhirServer(db_path=db) as second:
        stored = second.read("Patient", rid)
        assert stored is not None and stored["meta"]["versionId"] == "2"
        assert second.count("Patient", identifier=f"{SYS}|1") == 1
        assert post(second, patient("3")).status_code == 201
        assert [r["identifier"][0]["value"] for r in second.resources("Patient")] == ["1", "3"]
