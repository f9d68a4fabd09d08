"""SQLite connection, durability pragmas and versioned schema migrations."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.store.errors import SchemaTooNewError, StoreCorruptError, StoreError

BUSY_TIMEOUT_MS = 10_000

#: (version, statements). Append only; never edit a released migration.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE checkins (
            visit_id      TEXT PRIMARY KEY,
            id_hash       TEXT NOT NULL,          -- HMAC-SHA256 of the ID number, never the number
            department    TEXT NOT NULL,
            queue_day     TEXT NOT NULL,          -- local date, ISO format
            queue_number  INTEGER NOT NULL,
            status        TEXT NOT NULL,
            verdict       TEXT NOT NULL,
            flags         TEXT NOT NULL DEFAULT '[]',
            personal      BLOB,                   -- AES-GCM JSON, or NULL when nothing personal is kept
            created_at    REAL NOT NULL,
            updated_at    REAL NOT NULL,
            UNIQUE (queue_day, department, queue_number)
        );
        CREATE INDEX checkins_created ON checkins (created_at);
        CREATE INDEX checkins_person_day ON checkins (id_hash, queue_day);

        CREATE TABLE queue_counters (
            queue_day   TEXT NOT NULL,
            department  TEXT NOT NULL,
            last_number INTEGER NOT NULL,
            PRIMARY KEY (queue_day, department)
        ) WITHOUT ROWID;

        CREATE TABLE outbox (
            id               INTEGER PRIMARY KEY,
            idempotency_key  TEXT NOT NULL UNIQUE,
            visit_id         TEXT NOT NULL,
            op_type          TEXT NOT NULL,
            payload          BLOB NOT NULL,       -- AES-GCM JSON, AAD = idempotency key
            attempts         INTEGER NOT NULL DEFAULT 0,
            next_attempt_at  REAL NOT NULL,
            created_at       REAL NOT NULL,
            delivered_at     REAL,
            dead_at          REAL,
            last_error       TEXT
        );
        CREATE INDEX outbox_due ON outbox (next_attempt_at)
            WHERE delivered_at IS NULL AND dead_at IS NULL;
        CREATE INDEX outbox_visit ON outbox (visit_id);

        -- anonymous daily statistics that outlive the retention purge
        CREATE TABLE daily_counts (
            day         TEXT NOT NULL,
            department  TEXT NOT NULL,
            verdict     TEXT NOT NULL,
            status      TEXT NOT NULL,
            count       INTEGER NOT NULL,
            PRIMARY KEY (day, department, verdict, status)
        ) WITHOUT ROWID;
        """,
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1][0]


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the store database with durable settings and the current schema."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves so writers serialise up front
        # instead of failing on lock upgrade (SQLITE_BUSY) half-way through a transaction.
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the store database {path}: {exc}") from exc
    try:
        path.chmod(0o600)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(
                f"the store database cannot use WAL (journal_mode={mode}); is it on a network share?"
            )
        # FULL: a commit is on disk before the call returns, so a printed ticket is never lost.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        # deleted personal data is overwritten, not left in free pages
        conn.execute("PRAGMA secure_delete = ON")
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreCorruptError(f"the store database {path} is unreadable: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back on any exception, SQLite errors become StoreError."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise StoreError(f"the store database is busy or unavailable: {exc}") from exc
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            # if even ROLLBACK fails the connection is broken; the original error is the one to report
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.IntegrityError):
            raise StoreError(f"store write failed: {exc}") from exc
        raise


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations atomically; returns the resulting version."""
    with transaction(conn):
        current = schema_version(conn)
        if current > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"store schema version {current} is newer than this software ({SCHEMA_VERSION})"
            )
        for version, script in MIGRATIONS:
            if version <= current:
                continue
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
    return schema_version(conn)


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT our transaction; split on complete statements instead
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def integrity_check(conn: sqlite3.Connection) -> list[str]:
    """``[]`` when the database is sound, otherwise SQLite's problem list."""
    rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    return [] if rows == ["ok"] else rows
