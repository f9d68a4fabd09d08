"""The flow's figures reach the Prometheus registry, and no personal data does."""

from __future__ import annotations

from pathlib import Path

from kiosk.demo import DemoEnvironment, citizen_qr_payload
from kiosk.flow.observe import FlowMetrics
from kiosk.metrics import KioskMetrics
from nfc.access.keys import CanKey


def test_checkins_verdicts_and_latencies_are_counted(tmp_path: Path) -> None:
    metrics = KioskMetrics("kiosk-test")
    observe = FlowMetrics(metrics)
    with DemoEnvironment(data_dir=tmp_path / "d", transport="memory") as env:
        view = env.tap(CanKey(env.citizen.can), qr_text=citizen_qr_payload(env.citizen))
        for seen in env.views:
            observe(seen)
        env.flow.finish()
        env.tap(CanKey("000000" if env.citizen.can != "000000" else "111111"))
        for seen in env.views:
            observe(seen)
        citizen = env.citizen
    text = metrics.render().decode()
    assert view.ticket is not None
    assert 'cccd_checkins_total{result="online"} 1.0' in text
    assert 'cccd_checkins_total{result="refused"} 1.0' in text
    assert 'cccd_verdicts_total{verdict="authentic"} 1.0' in text
    assert 'cccd_card_reads_total{outcome="wrong-key"} 1.0' in text
    assert 'cccd_step_seconds_count{step="read"} 1.0' in text
    for secret in (citizen.id_number, citizen.full_name, citizen.can):
        assert secret not in text
