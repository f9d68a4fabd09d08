"""Prometheus metrics for the kiosk (no personal data: labels are codes, never people).

One :class:`KioskMetrics` per process owns its own registry, so tests and several kiosks in one
process do not collide. The HTTP endpoint binds 127.0.0.1 by default and starts only on demand.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server

from kiosk.store.outbox import OutboxDepth

#: step latencies: card reads take seconds, look-ups hundreds of milliseconds
_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0)


class KioskMetrics:
    def __init__(self, kiosk_id: str = "kiosk-1") -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = {"kiosk": kiosk_id}
        self.reads = Counter(
            "cccd_card_reads",
            "Chip reads by outcome (ok or an error reason code)",
            ["outcome"],
            registry=self.registry,
        )
        self.verdicts = Counter(
            "cccd_verdicts",
            "Verification verdicts (authentic, issuer-unknown, failed)",
            ["verdict"],
            registry=self.registry,
        )
        self.checkins = Counter(
            "cccd_checkins",
            "Check-ins by result (online, offline, refused)",
            ["result"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "cccd_step_seconds",
            "Duration of flow steps (read, verify, bhyt, his, ticket, total)",
            ["step"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.outbox = Gauge(
            "cccd_outbox_operations",
            "Outbox operations by state (pending, due, dead)",
            ["state"],
            registry=self.registry,
        )
        self.outbox_oldest = Gauge(
            "cccd_outbox_oldest_pending_seconds",
            "Age of the oldest undelivered operation",
            registry=self.registry,
        )
        self.device_up = Gauge(
            "cccd_device_up",
            "1 when a device or service answers (reader, printer, camera, his, bhyt)",
            ["device"],
            registry=self.registry,
        )
        self.printer_paper = Gauge(
            "cccd_printer_paper", "Paper level: 2 ok, 1 near end, 0 empty, -1 unknown", registry=self.registry
        )
        self.info = Gauge("cccd_kiosk_info", "Kiosk identity", ["kiosk"], registry=self.registry)
        self.info.labels(**labels).set(1)
        self._outbox_source: Callable[[], OutboxDepth] | None = None
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- recording ---------------------------------------------------------------------------------
    def record_read(self, outcome: str) -> None:
        self.reads.labels(outcome=outcome).inc()

    def record_verdict(self, verdict: str) -> None:
        self.verdicts.labels(verdict=verdict).inc()

    def record_checkin(self, result: str) -> None:
        self.checkins.labels(result=result).inc()

    @contextmanager
    def time_step(self, step: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.latency.labels(step=step).observe(time.perf_counter() - start)

    def set_device(self, device: str, up: bool) -> None:
        self.device_up.labels(device=device).set(1 if up else 0)

    def set_paper(self, level: str) -> None:
        self.printer_paper.set({"ok": 2, "near-end": 1, "empty": 0}.get(level, -1))

    def set_outbox(self, depth: OutboxDepth) -> None:
        self.outbox.labels(state="pending").set(depth.pending)
        self.outbox.labels(state="due").set(depth.due)
        self.outbox.labels(state="dead").set(depth.dead)
        self.outbox_oldest.set(depth.oldest_pending_age_s)

    def watch_outbox(self, depth: Callable[[], OutboxDepth]) -> None:
        """Refresh the outbox gauges from ``depth`` (e.g. ``store.outbox.depth``) at every scrape."""
        self._outbox_source = depth

    # -- exposition --------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self._outbox_source is not None:
            self.set_outbox(self._outbox_source())

    def render(self) -> bytes:
        """Prometheus text format of the current values."""
        self.refresh()
        return generate_latest(self.registry)

    def serve(self, port: int = 9464, addr: str = "127.0.0.1") -> int:
        """Start the /metrics endpoint (idempotent); returns the bound port (``port=0`` picks one)."""
        if self._server is not None:
            return int(self._server.server_port)
        self._server, self._thread = start_http_server(port, addr=addr, registry=_Refreshing(self))
        return int(self._server.server_port)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            self._thread = None


class _Refreshing(CollectorRegistry):
    """Registry view that refreshes the callback gauges before each scrape."""

    def __init__(self, metrics: KioskMetrics) -> None:
        super().__init__(auto_describe=False)
        self._metrics = metrics

    def collect(self):  # type: ignore[no-untyped-def]
        self._metrics.refresh()
        return self._metrics.registry.collect()
