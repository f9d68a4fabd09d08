"""``cccd-kiosk bhyt-emulator`` / ``fhir-emulator`` run as real processes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from typing import Any

import requests

from kiosk.insurance.client import BhytClient
from kiosk.insurance.codes import InsuranceOutcome
from kiosk.insurance.emulator import default_people
from kiosk.insurance.models import BhytCredentials


def start(*args: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", *args], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready = json.loads(proc.stdout.readline())
    assert ready["event"] == "ready"
    return proc, ready


def stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=10)


def test_bhyt_emulator_command() -> None:
    proc, ready = start("bhyt-emulator", "--code", "070")
    try:
        creds = BhytCredentials(ready["username"], ready["password"], ready["officer_name"], ready["officer_id"])
        person = default_people()[0]
        with BhytClient(ready["url"], creds) as client:
            result = client.lookup(person.id_number, person.full_name, person.date_of_birth)
        assert result.outcome is InsuranceOutcome.WRONG_DOB
    finally:
        assert stop(proc) == 0


def test_fhir_emulator_command() -> None:
    proc, ready = start("fhir-emulator", "--seed-demo")
    try:
        url = ready["url"]
        appointment = requests.get(f"{url}/Appointment/{ready['seeded']['appointment']}", timeout=5).json()
        assert appointment["status"] == "booked"
        assert appointment["participant"][0]["actor"]["reference"] == f"Patient/{ready['seeded']['patient']}"
    finally:
        assert stop(proc) == 0


def test_bad_code_is_refused() -> None:
    done = subprocess.run([sys.executable, "-m", "kiosk.cli", "bhyt-emulator", "--code", "999"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "bad-code" in done.stderr
