"""Retention purge: personal data goes after N days, anonymous daily counts stay."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from kiosk.store.db import transaction

_PURGEABLE = """
    queue_day < :cutoff_day AND NOT EXISTS (
        SELECT 1 FROM outbox o
        WHERE o.visit_id = checkins.visit_id AND o.delivered_at IS NULL AND o.dead_at IS NULL)
"""


@dataclass(frozen=True)
class PurgeResult:
    checkins_removed: int
    outbox_removed: int
    #: old visits kept because an operation is still undelivered (the legal duty to report them wins)
    checkins_kept_pending: int


def purge(conn: sqlite3.Connection, *, cutoff_day: str, cutoff_ts: float) -> PurgeResult:
    """Remove check-ins from days before ``cutoff_day`` and finished outbox rows created before ``cutoff_ts``.

    Counts per (day, department, verdict, status) are folded into ``daily_counts`` first, in the same
    transaction, so statistics survive without any personal reference.
    """
    params = {"cutoff_day": cutoff_day, "cutoff_ts": cutoff_ts}
    with transaction(conn):
        conn.execute(
            f"""
            INSERT INTO daily_counts (day, department, verdict, status, count)
            SELECT queue_day, department, verdict, status, COUNT(*) FROM checkins WHERE {_PURGEABLE}
            GROUP BY queue_day, department, verdict, status
            ON CONFLICT (day, department, verdict, status) DO UPDATE SET count = count + excluded.count
            """,
            params,
        )
        removed = conn.execute(f"DELETE FROM checkins WHERE {_PURGEABLE}", params).rowcount
        kept = conn.execute("SELECT COUNT(*) FROM checkins WHERE queue_day < :cutoff_day", params).fetchone()[
            0
        ]
        outbox_removed = conn.execute(
            "DELETE FROM outbox WHERE created_at < :cutoff_ts "
            "AND (delivered_at IS NOT NULL OR dead_at IS NOT NULL)",
            params,
        ).rowcount
        conn.execute("DELETE FROM queue_counters WHERE queue_day < :cutoff_day", params)
    # old page images of deleted rows would otherwise linger in the WAL file
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return PurgeResult(
        checkins_removed=int(removed), outbox_removed=int(outbox_removed), checkins_kept_pending=int(kept)
    )


def daily_counts(conn: sqlite3.Connection, since_day: str = "") -> list[tuple[str, str, str, str, int]]:
    """Anonymous (day, department, verdict, status, count) rows, purged and live days together."""
    rows = conn.execute(
        """
        SELECT day, department, verdict, status, SUM(count) FROM (
            SELECT day, department, verdict, status, count FROM daily_counts WHERE day >= :since
            UNION ALL
            SELECT queue_day, department, verdict, status, 1 FROM checkins WHERE queue_day >= :since)
        GROUP BY day, department, verdict, status ORDER BY day, department, verdict, status
        """,
        {"since": since_day},
    ).fetchall()
    return [(str(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4])) for r in rows]
