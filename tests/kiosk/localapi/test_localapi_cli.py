"""``cccd-kiosk local-api``: headless server with a console consent prompt (run on the in-process card)."""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import localapi
from kiosk.localapi import PairingToken
from nfc.virtual.builder import DEFAULT_CITIZEN

ORIGIN = "https://his.benhvien.test"
REFUSED = "https://other.benhvien.test"


def start(tmp_path: Path, stdin_text: str) -> tuple[subprocess.Popen[str], int, str | None, list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli.localapi", "--demo", "--transport", "memory", "--port", "0",
         "--origin", ORIGIN, "--origin", REFUSED, "--data-dir", str(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(stdin_text)
    process.stdin.flush()
    port, token, lines = 0, None, []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Local API on http://127.0.0.1:"):
            port = int(line.split("127.0.0.1:")[1].split()[0])
        if line.startswith("Pairing token (shown once"):
            token = line.rsplit(": ", 1)[1].strip()
        if line.startswith(("Pairing token", "No staff key")):
            break
    assert port, lines
    return process, port, token, lines


def get(port: int, token: str, origin: str) -> tuple[int, dict[str, object]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/v1/card?timeout=5", headers={"Origin": origin, "Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    return response.status, body


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=15)
    return process.returncode, err


def test_console_consent_names_the_origin_and_gates_the_read(tmp_path: Path) -> None:
    process, port, token, _ = start(tmp_path, "y\nn\n")
    try:
        assert token is not None and (tmp_path / "local-api-token").read_text().strip() == token
        status, body = get(port, token, ORIGIN)
        assert status == 200
        personal = body["personal_data"]
        assert isinstance(personal, dict) and personal["id_number"] == DEFAULT_CITIZEN.id_number
        status, body = get(port, token, REFUSED)
        assert status == 403 and body["error"] == "consent-refused"
    finally:
        code, err = stop(process)
    assert code == 0
    assert f"Allow {ORIGIN} for this sitting?" in err and f"Allow {REFUSED} for this sitting?" in err
    for value in (DEFAULT_CITIZEN.id_number, DEFAULT_CITIZEN.can, DEFAULT_CITIZEN.full_name, token):
        assert value not in err


def test_a_paired_token_is_not_shown_again(tmp_path: Path) -> None:
    paired, created = PairingToken.load_or_create(tmp_path)
    assert created
    process, _, shown, lines = start(tmp_path, "")
    code, err = stop(process)
    assert code == 0 and shown is None
    assert any("as paired before" in line for line in lines)
    assert paired.reveal() not in "".join(lines) + err


def test_without_an_origin_it_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert localapi.main(["--demo", "--transport", "memory"]) == 2
    assert "--origin" in capsys.readouterr().err


def test_registers_as_local_api() -> None:
    parser = argparse.ArgumentParser()
    localapi.add_parser(parser.add_subparsers())
    args = parser.parse_args(["local-api", "--port", "48000", "--origin", ORIGIN, "--can", "123456"])
    assert args.handler is localapi.run and args.port == 48000 and args.origin == [ORIGIN]


def test_console_consent_defaults_to_no() -> None:
    import io

    out = io.StringIO()
    assert localapi.console_consent(io.StringIO("\n"), out)(ORIGIN) is False
    assert ORIGIN in out.getvalue()
    assert localapi.console_consent(io.StringIO(""), out)(ORIGIN) is False  # closed console
    assert localapi.console_consent(io.StringIO("có\n"), out)(ORIGIN) is True
