"""Flow → metrics: one listener that turns the flow's final views into Prometheus figures.

It sees only what the screens see (states, reason codes, verdict, timings), so no personal data can reach
the metrics. Chain it after the UI's own listener: ``on_view = fan_out(window.post_view, FlowMetrics(m))``.
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk.flow.machine import FlowState, FlowView
from kiosk.metrics import KioskMetrics

#: flow timing names → metric step labels
_STEPS = {"read": "read", "verify": "verify", "insurance": "bhyt", "checkin": "his", "ticket": "ticket"}
#: steps whose time is the patient's (deciding on consent, turning the head), not the kiosk's
_PATIENT_PACED = frozenset({"face"})


class FlowMetrics:
    def __init__(self, metrics: KioskMetrics) -> None:
        self.metrics = metrics
        self._seen: set[tuple[int, FlowState]] = set()

    def __call__(self, view: FlowView) -> None:
        if view.state not in (FlowState.DONE, FlowState.FAILED):
            return
        key = (view.session, view.state)
        if key in self._seen:  # a view is published more than once per state (notices, card presence)
            return
        self._seen.add(key)
        if len(self._seen) > 1024:
            self._seen.clear()
        metrics = self.metrics
        timings = dict(view.timings_ms)
        if "read" in timings:
            metrics.record_read("ok")
        elif view.failure is not None:
            metrics.record_read(view.failure.code)
        if view.verdict:
            metrics.record_verdict(view.verdict)
        elif view.failure is not None and view.failure.code in ("not-genuine", "clone-suspected", "data-mismatch"):
            metrics.record_verdict("failed")
        if view.state is FlowState.DONE and view.ticket is not None:
            offline = any(n.code in ("his-offline", "insurance-offline") for n in view.notices)
            metrics.record_checkin("offline" if offline else "online")
        elif view.state is FlowState.FAILED:
            metrics.record_checkin("refused")
        for name, ms in timings.items():
            metrics.latency.labels(step=_STEPS.get(name, name)).observe(ms / 1000)
        machine_ms = [ms for name, ms in timings.items() if name not in _PATIENT_PACED]
        if machine_ms:
            metrics.latency.labels(step="total").observe(sum(machine_ms) / 1000)


def fan_out(*listeners: Callable[[FlowView], None]) -> Callable[[FlowView], None]:
    def publish(view: FlowView) -> None:
        for listener in listeners:
            listener(view)

    return publish
