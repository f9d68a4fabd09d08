from __future__ import annotations

from pathlib import Path

from kiosk.privacy import FieldCipher
from kiosk.store import OutboxItem, Store

DAY = 86_400


def test_purge_removes_old_personal_data_and_keeps_counts(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    path = tmp_path / "db.sqlite3"
    with Store(path, cipher=FieldCipher(b"k" * 32), clock=lambda: now[0]) as store:
        old = [
            store.check_in(
                id_hash="1" * 64,
                department="KKB",
                verdict=v,
                personal={"name": "X"},
                operations=[("his.checkin", {})],
            )
            for v in ("genuine", "genuine", "issuer-unknown")
        ]
        pending = store.check_in(
            id_hash="2" * 64, department="NOI", verdict="genuine", operations=[("his.checkin", {})]
        )

        # deliver everything except the last visit's operation
        def deliver(item: OutboxItem) -> None:
            if item.visit_id == pending.visit_id:
                raise ConnectionError

        store.outbox.drain(deliver)
        before = store.daily_counts()
        now[0] += 31 * DAY
        fresh = store.check_in(id_hash="3" * 64, department="KKB", verdict="genuine")

        result = store.purge(30)
        assert result.checkins_removed == 3
        assert result.checkins_kept_pending == 1  # undelivered visit survives until delivered
        assert result.outbox_removed == 3
        remaining = {c.visit_id for c in store.checkins()}
        assert remaining == {pending.visit_id, fresh.visit_id}
        assert all(c.visit_id not in remaining for c in old)
        # anonymous statistics unchanged for the purged day
        after = store.daily_counts()
        assert [r for r in after if r[0] == before[0][0]] == before
        assert store.purge(30).checkins_removed == 0  # idempotent
        assert store.integrity_check() == []
    assert b"1111111111" not in b"".join(p.read_bytes() for p in tmp_path.glob("db.sqlite3*"))
