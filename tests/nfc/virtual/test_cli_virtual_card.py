"""`cccd-kiosk virtual-card` presents the card to pcscd and announces itself with one JSON line that
scripts can use; a read with the announced CAN works; faults are applied."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from nfc.transport.pcsc import wait_for_removal
from nfc.virtual.stack import PcscdStack

pytestmark = pytest.mark.pcscd
READER = "Virtual PCD 00 00"


def start_card(*args: str) -> tuple[subprocess.Popen[str], dict[str, object]]:
    process = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "virtual-card", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, process.stderr.read() if process.stderr else "no output"
    return process, json.loads(line)


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)
    wait_for_removal(READER, timeout=3)


def read(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "read", "--reader", READER, "--json", *args],
                          capture_output=True, text=True, timeout=60)


def test_announces_reader_can_and_mrz_then_reads(pcscd_stack: PcscdStack) -> None:
    process, ready = start_card()
    try:
        assert ready["event"] == "ready" and ready["reader"] == READER
        assert isinstance(ready["can"], str) and len(ready["can"]) == 6
        assert isinstance(ready["mrz"], list) and len(ready["mrz"]) == 3
        result = read("--can", str(ready["can"]))
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["complete"] is True
    finally:
        stop(process)


def test_removal_fault_gives_the_removed_card_exit_code(pcscd_stack: PcscdStack) -> None:
    process, ready = start_card("--faults", "remove-after=30")
    try:
        result = read("--can", str(ready["can"]))
        assert result.returncode == 7, result.stderr  # I/O failure: the card left mid-read
        assert "card-removed" in result.stderr
    finally:
        stop(process)
