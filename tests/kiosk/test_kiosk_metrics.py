from __future__ import annotations

import urllib.request

from kiosk.metrics import KioskMetrics
from kiosk.store.outbox import OutboxDepth


def test_counters_and_outbox_gauges_render() -> None:
    m = KioskMetrics("k-7")
    m.record_read("ok")
    m.record_read("card-removed")
    m.record_verdict("issuer-unknown")
    with m.time_step("read"):
        pass
    m.set_device("printer", False)
    m.set_paper("near-end")
    depth = [OutboxDepth(pending=5, due=2, dead=1, oldest_pending_age_s=30.0)]
    m.watch_outbox(lambda: depth[0])
    text = m.render().decode()
    assert 'cccd_card_reads_total{outcome="card-removed"} 1.0' in text
    assert 'cccd_verdicts_total{verdict="issuer-unknown"} 1.0' in text
    assert 'cccd_outbox_operations{state="pending"} 5.0' in text
    assert 'cccd_device_up{device="printer"} 0.0' in text
    assert "cccd_printer_paper 1.0" in text
    assert 'cccd_step_seconds_count{step="read"} 1.0' in text
    depth[0] = OutboxDepth(pending=0, due=0, dead=0, oldest_pending_age_s=0.0)
    assert 'cccd_outbox_operations{state="pending"} 0.0' in m.render().decode()


def test_http_endpoint_on_loopback() -> None:
    m = KioskMetrics()
    m.watch_outbox(lambda: OutboxDepth(pending=3, due=3, dead=0, oldest_pending_age_s=1.0))
    port = m.serve(0)
    try:
        assert m.serve(0) == port  # idempotent
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
            body = reply.read().decode()
        assert 'cccd_outbox_operations{state="pending"} 3.0' in body
        assert "cccd_kiosk_info" in body
    finally:
        m.stop()
