"""`cccd-kiosk staff --api-origin …` serves the local API with consent asked through the staff window."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kiosk.cli.staff import _start_local_api
from kiosk.demo import DemoEnvironment
from kiosk.localapi import ConnectionFactorySource, PairingToken


class FakeStaffWindow:
    def __init__(self, allow: bool) -> None:
        self.allow = allow
        self.asked: list[str] = []

    def ask_consent_blocking(self, origin: str, timeout: float = 60.0) -> bool:
        self.asked.append(origin)
        return self.allow


def test_staff_window_consent_gates_the_api(tmp_path: Path, client_class: Any) -> None:
    origin = "https://his.benhvien.test"
    with DemoEnvironment(data_dir=tmp_path / "d", transport="memory") as env:
        for allow, expected in ((False, 403), (True, 200)):
            window = FakeStaffWindow(allow)
            data_dir = tmp_path / f"staff-{allow}"
            server = _start_local_api(window, ConnectionFactorySource(env._open_connection), data_dir,
                                      env.data_dir / "trust", [origin], 0)
            try:
                token, created = PairingToken.load_or_create(data_dir)
                assert not created
                client = client_class(server.port, token.reveal())
                answer = client.request("POST", "/v1/card", origin=origin,
                                        body=json.dumps({"can": env.citizen.can}).encode())
                assert answer.status == expected
                assert window.asked == [origin]
                if expected == 200:
                    assert json.loads(answer.body)["personal_data"]["id_number"] == env.citizen.id_number
            finally:
                server.stop()
