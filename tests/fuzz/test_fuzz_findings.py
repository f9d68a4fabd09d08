"""Inputs the long atheris run found (scripts/fuzz, November 2026), kept as regression tests.

The FHIR ones were bugs in ``kiosk/his/fhir_adapter.py`` (``_search``/``find_patient`` indexed and called
``.get`` on server data without checking its shape), fixed: these inputs now give typed errors only."""

from __future__ import annotations

import json

from fuzz.targets import all_targets, check_input


def fhir_answer(bundle: dict[str, object]) -> bytes:
    return b"\x00" + json.dumps(bundle).encode()  # first byte 0 → HTTP 200


def test_fhir_matching_patient_without_id() -> None:
    # the minimised crash input of the 13-million-input campaign
    check_input(all_targets()["fhir"], fhir_answer(
        {"resourceType": "Bundle", "": 2, "entry": [{"resource": {"resourceType": "Patient"}}]}))


def test_fhir_search_field_not_an_object() -> None:
    check_input(all_targets()["fhir"], fhir_answer(
        {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient", "id": "1"}, "search": "x"}]}))


def test_fhir_entry_not_a_list() -> None:
    check_input(all_targets()["fhir"], fhir_answer({"resourceType": "Bundle", "entry": 5}))
