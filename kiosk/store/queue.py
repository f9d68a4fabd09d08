"""Per-department daily queue numbers.

The counter row is bumped with one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` inside the caller's
``BEGIN IMMEDIATE`` transaction, so two kiosks (processes) sharing the database can never draw the
same number; ``UNIQUE(queue_day, department, queue_number)`` on check-ins is the second guard.
"""

from __future__ import annotations

import sqlite3


def allocate(conn: sqlite3.Connection, queue_day: str, department: str) -> int:
    """Next number for ``department`` on ``queue_day`` (1, 2, …). Call inside a write transaction."""
    if not conn.in_transaction:
        raise RuntimeError("queue.allocate() must run inside a write transaction")
    row = conn.execute(
        """
        INSERT INTO queue_counters (queue_day, department, last_number) VALUES (?, ?, 1)
        ON CONFLICT (queue_day, department) DO UPDATE SET last_number = last_number + 1
        RETURNING last_number
        """,
        (queue_day, department),
    ).fetchone()
    return int(row[0])


def last_number(conn: sqlite3.Connection, queue_day: str, department: str) -> int:
    """The last number handed out (0 if none yet)."""
    row = conn.execute(
        "SELECT last_number FROM queue_counters WHERE queue_day = ? AND department = ?",
        (queue_day, department),
    ).fetchone()
    return int(row[0]) if row else 0
