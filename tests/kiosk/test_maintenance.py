"""kiosk.maintenance: the daily retention purge and the outbox gauges, on a fake clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import KioskConfig, RetentionConfig
from kiosk.maintenance import Maintenance, MaintenanceSchedule
from kiosk.metrics import KioskMetrics
from kiosk.privacy import id_hash
from kiosk.store import Store

ICT = dt.timezone(dt.timedelta(hours=7))
KEY = b"k" * 32


class FakeClock:
    def __init__(self, when: dt.datetime) -> None:
        self.t = when.timestamp()

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def at(text: str) -> float:
    """A local (ICT) wall time as a UTC timestamp."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ICT).timestamp()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 30, 22, 0, tzinfo=ICT))


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    with Store.open(tmp_path, clock=clock) as opened:
        yield opened


def visit_at(store: Store, clock: FakeClock, when: float, n: int, *, pending: bool = False) -> str:
    now = clock.t
    clock.t = when
    try:
        ops = [("his-checkin", {"n": n})] if pending else []
        return store.check_in(id_hash=id_hash(f"0010950{n:05d}", KEY), department="KKB", verdict="authentic",
                              personal={"masked_name": "N* V* A*"}, operations=ops).visit_id
    finally:
        clock.t = now


def gauge(metrics: KioskMetrics, state: str) -> float | None:
    return metrics.registry.get_sample_value("cccd_outbox_operations", {"state": state})


@pytest.mark.parametrize(("now", "expected"), [
    ("2026-11-30T22:00:00", "2026-12-01T02:00:00"),
    ("2026-12-01T01:59:59", "2026-12-01T02:00:00"),
    ("2026-12-01T02:00:00", "2026-12-02T02:00:00"),  # strictly after: not the same instant again
    ("2026-12-31T03:00:00", "2027-01-01T02:00:00"),
])
def test_next_purge_is_the_next_purge_hour_in_site_time(now: str, expected: str) -> None:
    schedule = MaintenanceSchedule(retention_days=30, purge_hour=2, utc_offset_hours=7)
    assert schedule.next_purge_after(at(now)) == at(expected)


def test_next_purge_follows_the_site_offset() -> None:
    utc = MaintenanceSchedule(retention_days=30, purge_hour=2, utc_offset_hours=0)
    now = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC).timestamp()
    assert utc.next_purge_after(now) == dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC).timestamp()


@pytest.mark.parametrize("bad", [
    {"retention_days": 0}, {"purge_hour": 24}, {"utc_offset_hours": 15}, {"metrics_interval_s": 0},
])
def test_schedule_rejects_nonsense(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        MaintenanceSchedule(**{"retention_days": 30, **bad})  # type: ignore[arg-type]


def test_purge_runs_at_start_then_daily_at_the_purge_hour(store: Store, clock: FakeClock) -> None:
    old = visit_at(store, clock, clock.t - 40 * 86_400, 1)
    recent = visit_at(store, clock, clock.t - 86_400, 2)
    upkeep = Maintenance(store, MaintenanceSchedule(retention_days=30), clock=clock)

    first = upkeep.tick()  # at start
    assert first.purged is not None and first.purged.checkins_removed == 1
    assert [c.visit_id for c in store.checkins()] == [recent]
    assert old not in {c.visit_id for c in store.checkins()}
    assert upkeep.next_purge_at == at("2026-12-01T02:00:00")

    clock.advance(3600)  # 23:00: nothing due
    assert upkeep.tick().purged is None

    clock.t = at("2026-12-01T02:00:00")
    assert upkeep.tick().purged is not None  # the nightly run
    assert upkeep.next_purge_at == at("2026-12-02T02:00:00")
    assert upkeep.last_purge_at == clock.t

    # 29 days later the "recent" visit is 30 days old: still inside retention
    clock.t = at("2026-12-29T02:00:00")
    assert upkeep.tick().purged is not None and len(store.checkins()) == 1
    # a day later it has gone
    clock.t = at("2026-12-30T02:00:00")
    report = upkeep.tick()
    assert report.purged is not None and report.purged.checkins_removed == 1
    assert store.checkins() == []
    assert sum(row[4] for row in store.daily_counts()) == 2  # the anonymous counts stay


def test_purge_uses_the_configured_retention(tmp_path: Path, store: Store, clock: FakeClock) -> None:
    visit_at(store, clock, clock.t - 8 * 86_400, 1)
    config = dataclasses.replace(KioskConfig(), data_dir=tmp_path, retention=RetentionConfig(days=7))
    upkeep = Maintenance.from_config(config, store, clock=clock)
    assert upkeep.schedule.retention_days == 7
    assert upkeep.schedule.utc_offset_hours == config.timezone_offset_hours
    report = upkeep.tick()
    assert report.purged is not None and report.purged.checkins_removed == 1


def test_undelivered_visits_outlive_retention(store: Store, clock: FakeClock) -> None:
    visit_at(store, clock, clock.t - 40 * 86_400, 1, pending=True)
    report = Maintenance(store, MaintenanceSchedule(retention_days=30), clock=clock).tick()
    assert report.purged is not None and report.purged.checkins_kept_pending == 1
    assert len(store.checkins()) == 1


def test_a_failed_purge_is_retried_and_does_not_raise(tmp_path: Path, clock: FakeClock,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    broken = Store.open(tmp_path / "gone", clock=clock)
    broken.close()  # every query now fails
    metrics = KioskMetrics()
    upkeep = Maintenance(broken, MaintenanceSchedule(retention_days=30, retry_s=600), metrics=metrics, clock=clock)
    with caplog.at_level(logging.WARNING, logger="kiosk.maintenance"):
        report = upkeep.tick()
    assert report.purged is None and report.purge_failed == "StoreError"
    assert not report.metrics_refreshed
    assert upkeep.next_purge_at == clock.t + 600
    assert any("retention purge failed (StoreError)" in r.getMessage() for r in caplog.records)
    # the retry never lands after the regular nightly run
    late = Maintenance(broken, MaintenanceSchedule(retention_days=30, retry_s=86_400), clock=clock)
    late.tick()
    assert late.next_purge_at == at("2026-12-01T02:00:00")


def test_outbox_gauges_are_refreshed_on_their_interval(store: Store, clock: FakeClock) -> None:
    metrics = KioskMetrics()
    upkeep = Maintenance(store, MaintenanceSchedule(retention_days=30, metrics_interval_s=15),
                         metrics=metrics, clock=clock)
    assert upkeep.tick().metrics_refreshed
    assert gauge(metrics, "pending") == 0

    visit_at(store, clock, clock.t, 1, pending=True)
    visit_at(store, clock, clock.t, 2, pending=True)
    clock.advance(5)
    assert not upkeep.tick().metrics_refreshed  # not due yet
    assert gauge(metrics, "pending") == 0
    assert upkeep.seconds_until_due() == 10

    clock.advance(10)
    assert upkeep.tick().metrics_refreshed
    assert gauge(metrics, "pending") == 2 and gauge(metrics, "due") == 2 and gauge(metrics, "dead") == 0
    assert metrics.registry.get_sample_value("cccd_outbox_oldest_pending_seconds") == 15


def test_without_metrics_only_the_purge_is_scheduled(store: Store, clock: FakeClock) -> None:
    upkeep = Maintenance(store, MaintenanceSchedule(retention_days=30), clock=clock)
    upkeep.tick()
    assert upkeep.seconds_until_due() == at("2026-12-01T02:00:00") - clock.t


def test_thread_starts_works_and_stops(tmp_path: Path) -> None:
    metrics = KioskMetrics()
    with Store.open(tmp_path) as store:
        upkeep = Maintenance(store, MaintenanceSchedule(retention_days=30, metrics_interval_s=0.02),
                             metrics=metrics)
        with upkeep:
            assert upkeep.running
            store.check_in(id_hash=id_hash("001095000001", KEY), department="KKB", verdict="authentic",
                           operations=[("his-checkin", {"n": 1})])
            deadline = time.monotonic() + 5
            while gauge(metrics, "pending") != 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert gauge(metrics, "pending") == 1
            assert upkeep.last_purge is not None  # the start-up purge ran
        assert not upkeep.running
        upkeep.stop()  # idempotent
