from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk.privacy import FieldCipher
from kiosk.store import OutboxItem, PermanentDeliveryError, Store
from kiosk.store.outbox import backoff_delay, idempotency_key

HASH = "ef" * 32


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def make(tmp_path: Path, clock: Clock, **options: float) -> Store:
    return Store(tmp_path / "db.sqlite3", cipher=FieldCipher(b"k" * 32), clock=clock, outbox_options=options)


def test_idempotency_key_is_stable_and_distinct() -> None:
    assert idempotency_key("v1", "his.checkin") == idempotency_key("v1", "his.checkin")
    keys = {idempotency_key(v, op) for v in ("v1", "v2") for op in ("his.checkin", "bhyt.recheck")}
    assert len(keys) == 4
    assert idempotency_key("a:b", "c") != idempotency_key("a", "b:c")  # separator is unambiguous


def test_backoff_grows_with_jitter_and_caps() -> None:
    assert backoff_delay(1, base_s=2, rng=lambda: 0.0) == 1.0
    assert backoff_delay(1, base_s=2, rng=lambda: 1.0) == 2.0
    assert backoff_delay(4, base_s=2, rng=lambda: 1.0) == 16.0
    assert backoff_delay(50, base_s=2, cap_s=900, rng=lambda: 1.0) == 900.0
    assert backoff_delay(50, base_s=2, cap_s=900, rng=lambda: 0.0) == 450.0


def test_enqueue_twice_is_one_operation(tmp_path: Path) -> None:
    clock = Clock()
    with make(tmp_path, clock) as store:
        c = store.check_in(
            id_hash=HASH, department="KKB", verdict="genuine", operations=[("his.checkin", {"a": 1})]
        )
        store.outbox.enqueue(c.visit_id, "his.checkin", {"a": 2})
        assert store.outbox.depth().pending == 1
        [item] = store.outbox.claim_due()
        assert item.payload == {"a": 1}
        assert item.idempotency_key == idempotency_key(c.visit_id, "his.checkin")


def test_claim_leases_items(tmp_path: Path) -> None:
    clock = Clock()
    with make(tmp_path, clock, lease_s=30) as store:
        store.check_in(
            id_hash=HASH,
            department="KKB",
            verdict="genuine",
            operations=[("his.checkin", {}), ("bhyt.recheck", {})],
        )
        assert len(store.outbox.claim_due(10)) == 2
        assert store.outbox.claim_due(10) == []  # leased to the first caller
        clock.now += 31
        assert len(store.outbox.claim_due(10)) == 2  # lease over: offered again (at-least-once)


def test_failures_back_off_then_dead_letter(tmp_path: Path) -> None:
    clock = Clock()
    with make(tmp_path, clock, max_attempts=3, base_delay_s=10, max_delay_s=100) as store:
        store.check_in(id_hash=HASH, department="KKB", verdict="genuine", operations=[("his.checkin", {})])
        [item] = store.outbox.claim_due()
        assert store.outbox.mark_failed(item.id, "his-unavailable") is False
        assert store.outbox.claim_due() == []
        clock.now += 10  # ≥ the maximum first delay (10 s × jitter ≤ 1)
        [item] = store.outbox.claim_due()
        assert item.attempts == 1 and item.last_error == "his-unavailable"
        assert store.outbox.mark_failed(item.id, "his-unavailable", retry_at=clock.now + 1) is False
        clock.now += 1
        [item] = store.outbox.claim_due()
        assert store.outbox.mark_failed(item.id, "his-unavailable") is True
        clock.now += 10_000
        assert store.outbox.claim_due() == []
        depth = store.outbox.depth()
        assert (depth.pending, depth.dead) == (0, 1)
        [(dead_id, _visit, op, err)] = store.outbox.dead_letters()
        assert (op, err) == ("his.checkin", "his-unavailable")
        assert store.outbox.requeue([dead_id]) == 1
        assert len(store.outbox.claim_due()) == 1


def test_drain_delivers_everything_at_least_once(tmp_path: Path) -> None:
    clock = Clock()
    received: list[str] = []
    calls = {"n": 0}

    def flaky(item: OutboxItem) -> None:
        calls["n"] += 1
        if calls["n"] % 3 == 0:
            raise ConnectionError("down")
        received.append(item.idempotency_key)

    with make(tmp_path, clock, base_delay_s=1, max_delay_s=1) as store:
        visits = [
            store.check_in(
                id_hash=HASH, department="KKB", verdict="genuine", operations=[("his.checkin", {"i": i})]
            )
            for i in range(30)
        ]
        first = store.outbox.drain(flaky, batch=7)
        assert first.delivered + first.failed == 30 and first.failed > 0
        assert store.outbox.depth().pending == first.failed
        clock.now += 5
        while store.outbox.depth().pending:
            store.outbox.drain(flaky)
            clock.now += 5
        assert set(received) == {idempotency_key(v.visit_id, "his.checkin") for v in visits}
        assert all(
            s == {"his.checkin": "delivered"} for s in (store.outbox.status_of(v.visit_id) for v in visits)
        )


def test_permanent_error_dead_letters_at_once(tmp_path: Path) -> None:
    def refuse(item: OutboxItem) -> None:
        raise PermanentDeliveryError("HIS rejected", code="his-rejected")

    with make(tmp_path, Clock()) as store:
        store.check_in(id_hash=HASH, department="KKB", verdict="genuine", operations=[("his.checkin", {})])
        result = store.outbox.drain(refuse)
        assert (result.delivered, result.dead) == (0, 1)
        assert store.outbox.dead_letters()[0][3] == "his-rejected"


def test_error_messages_are_not_stored(tmp_path: Path) -> None:
    def leak(item: OutboxItem) -> None:
        raise ValueError("server said: patient NGUYỄN VĂN AN 001090012345 unknown")

    with make(tmp_path, Clock()) as store:
        c = store.check_in(
            id_hash=HASH, department="KKB", verdict="genuine", operations=[("his.checkin", {})]
        )
        store.outbox.drain(leak)
        assert store.outbox.dead_letters() == []  # not dead yet, just failed
        assert store.outbox.status_of(c.visit_id) == {"his.checkin": "pending"}
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    assert conn.execute("SELECT last_error FROM outbox").fetchone()[0] == "ValueError"


def test_payload_is_bound_to_its_key(tmp_path: Path) -> None:
    with make(tmp_path, Clock()) as store:
        store.check_in(
            id_hash=HASH,
            department="KKB",
            verdict="genuine",
            operations=[("his.checkin", {"a": 1}), ("bhyt.recheck", {"b": 2})],
        )
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    conn.execute("UPDATE outbox SET payload = (SELECT payload FROM outbox WHERE id = 1) WHERE id = 2")
    conn.commit()
    conn.close()
    with make(tmp_path, Clock()) as store, pytest.raises(Exception, match="authentication"):
        store.outbox.claim_due()


def test_depth_counts(tmp_path: Path) -> None:
    clock = Clock()
    with make(tmp_path, clock) as store:
        assert store.outbox.depth().pending == 0
        store.check_in(id_hash=HASH, department="KKB", verdict="genuine", operations=[("a", {}), ("b", {})])
        clock.now += 12
        depth = store.outbox.depth()
        assert (depth.pending, depth.due, depth.dead) == (2, 2, 0)
        assert depth.oldest_pending_age_s == pytest.approx(12)


def test_claim_visit_takes_only_that_visit(tmp_path: Path) -> None:
    clock = Clock()
    with make(tmp_path, clock) as store:
        a = store.check_in(
            id_hash=HASH, department="KKB", verdict="genuine", operations=[("x", {}), ("y", {})]
        )
        b = store.check_in(id_hash=HASH, department="KKB", verdict="genuine", operations=[("x", {})])
        items = store.outbox.claim_visit(a.visit_id)
        assert sorted(i.op_type for i in items) == ["x", "y"] and {i.visit_id for i in items} == {a.visit_id}
        assert store.outbox.claim_visit(a.visit_id) == []  # leased
        [other] = store.outbox.claim_due()
        assert other.visit_id == b.visit_id
