"""Background upkeep of a running kiosk: the daily retention purge and the outbox metrics refresh.

One small daemon thread, started and stopped by whoever owns the store (``services.wire`` / the UI)::

    upkeep = Maintenance.from_config(config, store, metrics).start()
    ...
    upkeep.stop()

Scheduling: the purge runs once at start (a kiosk switched off every night would otherwise never reach the
purge hour) and then every day at ``purge_hour`` local time; a failed purge is retried after ``retry_s``.
The outbox gauges (pending, due, dead, oldest age) are refreshed every ``metrics_interval_s`` so they stay
current between scrapes. All work is in :meth:`Maintenance.tick`, driven by an injectable clock, so the
schedule is tested without waiting. Logs carry counts and error class names only, never personal data.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.config import KioskConfig
from kiosk.metrics import KioskMetrics
from kiosk.store.checkins import Store
from kiosk.store.retention import PurgeResult

log = logging.getLogger(__name__)

_DAY_S = 86_400.0


@dataclass(frozen=True)
class MaintenanceSchedule:
    retention_days: int
    purge_hour: int = 2  # local hour of the daily purge: the quietest time at a hospital
    utc_offset_hours: int = 7  # the site's offset (Vietnam: +7, no DST)
    metrics_interval_s: float = 15.0
    retry_s: float = 900.0  # after a failed purge (e.g. the database was busy)

    def __post_init__(self) -> None:
        if self.retention_days < 1:
            raise ValueError("retention_days must be at least 1")
        if not 0 <= self.purge_hour <= 23:
            raise ValueError("purge_hour must be 0-23")
        if not -12 <= self.utc_offset_hours <= 14:
            raise ValueError("utc_offset_hours must be between -12 and 14")
        if not (self.metrics_interval_s > 0 and self.retry_s > 0):
            raise ValueError("intervals must be positive")

    def next_purge_after(self, now: float) -> float:
        """The first ``purge_hour``:00 local time strictly after ``now`` (a UTC timestamp)."""
        offset = self.utc_offset_hours * 3600.0
        local = now + offset
        candidate = math.floor(local / _DAY_S) * _DAY_S + self.purge_hour * 3600.0
        if candidate <= local:
            candidate += _DAY_S
        return candidate - offset


@dataclass(frozen=True)
class TickReport:
    """What one :meth:`Maintenance.tick` did (for tests and the service log)."""

    purged: PurgeResult | None = None
    purge_failed: str | None = None  # error class name when the purge failed
    metrics_refreshed: bool = False


class Maintenance:
    def __init__(
        self,
        store: Store,
        schedule: MaintenanceSchedule,
        *,
        metrics: KioskMetrics | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.schedule = schedule
        self.metrics = metrics
        self._clock = clock
        now = clock()
        self.next_purge_at = now  # once at start, then daily
        self.next_metrics_at = now
        self.last_purge: PurgeResult | None = None
        self.last_purge_at: float | None = None
        self._tick_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_config(
        cls,
        config: KioskConfig,
        store: Store,
        metrics: KioskMetrics | None = None,
        *,
        purge_hour: int = 2,
        metrics_interval_s: float = 15.0,
        clock: Callable[[], float] = time.time,
    ) -> Maintenance:
        schedule = MaintenanceSchedule(
            retention_days=config.retention.days, purge_hour=purge_hour,
            utc_offset_hours=config.timezone_offset_hours, metrics_interval_s=metrics_interval_s,
        )
        return cls(store, schedule, metrics=metrics, clock=clock)

    # -- the work ---------------------------------------------------------------------------------------
    def tick(self) -> TickReport:
        """Do whatever is due now. Never raises: failures are logged and retried later."""
        with self._tick_lock:
            now = self._clock()
            purged: PurgeResult | None = None
            failed: str | None = None
            refreshed = False
            if now >= self.next_purge_at:
                purged, failed = self._purge(now)
            if self.metrics is not None and now >= self.next_metrics_at:
                refreshed = self._refresh_metrics()
                self.next_metrics_at = now + self.schedule.metrics_interval_s
            return TickReport(purged, failed, refreshed)

    def _purge(self, now: float) -> tuple[PurgeResult | None, str | None]:
        try:
            result = self.store.purge(self.schedule.retention_days)
        except Exception as exc:  # the thread must survive; the purge is retried
            name = type(exc).__name__
            log.warning("retention purge failed (%s); retrying in %.0f s", name, self.schedule.retry_s)
            self.next_purge_at = min(now + self.schedule.retry_s, self.schedule.next_purge_after(now))
            return None, name
        self.last_purge, self.last_purge_at = result, now
        self.next_purge_at = self.schedule.next_purge_after(now)
        log.info(
            "retention purge (%d days): %d visits and %d outbox rows removed, %d kept (undelivered)",
            self.schedule.retention_days, result.checkins_removed, result.outbox_removed,
            result.checkins_kept_pending,
        )
        return result, None

    def _refresh_metrics(self) -> bool:
        assert self.metrics is not None
        try:
            self.metrics.set_outbox(self.store.outbox.depth())
        except Exception as exc:  # a busy or closed store must not stop the thread
            log.warning("outbox metrics refresh failed (%s)", type(exc).__name__)
            return False
        return True

    def seconds_until_due(self) -> float:
        """How long the thread may sleep before :meth:`tick` has something to do."""
        due = self.next_purge_at
        if self.metrics is not None:
            due = min(due, self.next_metrics_at)
        return max(0.0, due - self._clock())

    # -- the thread -------------------------------------------------------------------------------------
    def start(self) -> Maintenance:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="kiosk-maintenance", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.tick()
            # capped so a wall-clock jump (NTP sync after boot) is noticed within a minute
            self._stop.wait(min(max(self.seconds_until_due(), 0.01), 60.0))

    def __enter__(self) -> Maintenance:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
