"""Check-ins and the :class:`Store` facade that owns the connection.

A check-in row holds only what the queue needs: visit id, keyed HMAC of the ID number, department,
queue number, status, verification verdict, flags and time. Anything else personal (e.g. the name for
re-printing a masked ticket, the BHYT result) is AES-GCM encrypted with the data-directory key, or not
stored at all.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from kiosk.privacy import FieldCipher
from kiosk.store import db, queue, retention
from kiosk.store.errors import StoreError, UnknownVisitError
from kiosk.store.outbox import Outbox

DB_FILE = "kiosk.sqlite3"

#: visit flags understood across the kiosk (free-form strings are allowed too)
NEEDS_STAFF_CONFIRMATION = "needs_staff_confirmation"
CARD_NOT_VERIFIED = "card_not_verified"  # BHYT gateway unreachable (Decree 188 Art. 38 k2 fallback)
OFFLINE = "offline"


@dataclass(frozen=True)
class Checkin:
    visit_id: str
    department: str
    queue_day: str
    queue_number: int
    status: str
    verdict: str
    flags: frozenset[str]
    created_at: float
    id_hash: str = field(repr=False)  # pseudonymous, but it still links visits: keep it out of logs

    @property
    def needs_staff_confirmation(self) -> bool:
        return NEEDS_STAFF_CONFIRMATION in self.flags


_COLUMNS = "visit_id, department, queue_day, queue_number, status, verdict, flags, created_at, id_hash"


def _row_to_checkin(row: Sequence[Any]) -> Checkin:
    return Checkin(
        visit_id=row[0],
        department=row[1],
        queue_day=row[2],
        queue_number=int(row[3]),
        status=row[4],
        verdict=row[5],
        flags=frozenset(json.loads(row[6])),
        created_at=float(row[7]),
        id_hash=row[8],
    )


class Store:
    """The kiosk's embedded database. Thread-safe; several processes may open the same file."""

    def __init__(
        self,
        path: Path,
        *,
        cipher: FieldCipher,
        utc_offset_hours: int = 7,
        clock: Callable[[], float] = time.time,
        outbox_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.path = path
        self._cipher = cipher
        self._tz = timezone(timedelta(hours=utc_offset_hours))  # Vietnam has no DST
        self._clock = clock
        self._lock = threading.RLock()
        self._conn = db.connect(path)
        self.outbox = Outbox(self._conn, self._lock, cipher, clock=clock, **dict(outbox_options or {}))

    @classmethod
    def open(cls, data_dir: Path, **kwargs: Any) -> Store:
        """Open ``data_dir/kiosk.sqlite3`` with the field key from ``data_dir`` (created on first use)."""
        return cls(data_dir / DB_FILE, cipher=FieldCipher.from_data_dir(data_dir), **kwargs)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # -- time --------------------------------------------------------------------------------------
    def day_of(self, ts: float) -> str:
        return datetime.fromtimestamp(ts, UTC).astimezone(self._tz).date().isoformat()

    def today(self) -> str:
        return self.day_of(self._clock())

    # -- check-ins ---------------------------------------------------------------------------------
    def check_in(
        self,
        *,
        id_hash: str,
        department: str,
        verdict: str,
        status: str = "checked-in",
        flags: Iterable[str] = (),
        personal: Mapping[str, Any] | None = None,
        operations: Sequence[tuple[str, Mapping[str, Any]]] = (),
        visit_id: str | None = None,
    ) -> Checkin:
        """Atomically: draw the next queue number, record the visit, enqueue its HIS/BHYT operations.

        The commit is durable (``synchronous=FULL``) before this returns, so the ticket may be printed.
        ``operations`` are ``(op_type, payload)``; payloads and ``personal`` are stored encrypted.
        """
        if len(id_hash) != 64 or any(c not in "0123456789abcdef" for c in id_hash):
            raise StoreError("id_hash must be the 64-hex-digit keyed hash from kiosk.privacy.id_hash")
        if not department:
            raise StoreError("department is required")
        vid = visit_id or str(uuid.uuid4())
        flag_list = sorted(set(flags))
        now = self._clock()
        day = self.day_of(now)
        blob = self._cipher.encrypt_json(personal, vid.encode()) if personal else None
        try:
            with self._lock, db.transaction(self._conn) as conn:
                number = queue.allocate(conn, day, department)
                conn.execute(
                    """
                    INSERT INTO checkins (visit_id, id_hash, department, queue_day, queue_number, status,
                                          verdict, flags, personal, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    (
                        vid,
                        id_hash,
                        department,
                        day,
                        number,
                        status,
                        verdict,
                        json.dumps(flag_list),
                        blob,
                        now,
                        now,
                    ),
                )
                for op_type, payload in operations:
                    self.outbox.enqueue_in(conn, vid, op_type, payload, now)
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"check-in rejected by the database: {exc}") from exc
        except sqlite3.Error as exc:
            raise StoreError(f"check-in could not be stored: {exc}") from exc
        return Checkin(
            visit_id=vid,
            department=department,
            queue_day=day,
            queue_number=number,
            status=status,
            verdict=verdict,
            flags=frozenset(flag_list),
            created_at=now,
            id_hash=id_hash,
        )

    def get(self, visit_id: str) -> Checkin:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM checkins WHERE visit_id = ?", (visit_id,)
            ).fetchone()
        if row is None:
            raise UnknownVisitError("no check-in with that visit id")
        return _row_to_checkin(row)

    def personal(self, visit_id: str) -> dict[str, Any] | None:
        """Decrypted personal fields of a visit (None if none were kept or they were purged)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT personal FROM checkins WHERE visit_id = ?", (visit_id,)
            ).fetchone()
        if row is None:
            raise UnknownVisitError("no check-in with that visit id")
        return None if row[0] is None else self._cipher.decrypt_json(row[0], visit_id.encode())

    def update(
        self,
        visit_id: str,
        *,
        status: str | None = None,
        add_flags: Iterable[str] = (),
        remove_flags: Iterable[str] = (),
    ) -> Checkin:
        """Change the status and/or flags of a visit (e.g. staff confirmed it, HIS accepted it)."""
        with self._lock, db.transaction(self._conn) as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM checkins WHERE visit_id = ?", (visit_id,)).fetchone()
            if row is None:
                raise UnknownVisitError("no check-in with that visit id")
            current = _row_to_checkin(row)
            flags = (set(current.flags) | set(add_flags)) - set(remove_flags)
            new_status = status or current.status
            conn.execute(
                "UPDATE checkins SET status = ?, flags = ?, updated_at = ? WHERE visit_id = ?",
                (new_status, json.dumps(sorted(flags)), self._clock(), visit_id),
            )
        return Checkin(**{**current.__dict__, "status": new_status, "flags": frozenset(flags)})

    def find_today(self, id_hash: str, department: str | None = None) -> list[Checkin]:
        """Today's visits of one person (to avoid a second number for the same patient)."""
        sql = f"SELECT {_COLUMNS} FROM checkins WHERE id_hash = ? AND queue_day = ?"
        params: list[Any] = [id_hash, self.today()]
        if department is not None:
            sql += " AND department = ?"
            params.append(department)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY created_at", params).fetchall()
        return [_row_to_checkin(r) for r in rows]

    def checkins(self, day: str | None = None) -> list[Checkin]:
        with self._lock:
            if day is None:
                rows = self._conn.execute(f"SELECT {_COLUMNS} FROM checkins ORDER BY created_at").fetchall()
            else:
                rows = self._conn.execute(
                    f"SELECT {_COLUMNS} FROM checkins WHERE queue_day = ? ORDER BY created_at", (day,)
                ).fetchall()
        return [_row_to_checkin(r) for r in rows]

    def last_queue_number(self, department: str, day: str | None = None) -> int:
        with self._lock:
            return queue.last_number(self._conn, day or self.today(), department)

    # -- maintenance -------------------------------------------------------------------------------
    def purge(self, retention_days: int) -> retention.PurgeResult:
        """Drop personal data of visits older than ``retention_days`` days (anonymous counts stay)."""
        if retention_days < 1:
            raise StoreError("retention_days must be at least 1")
        now = self._clock()
        cutoff_day = self.day_of(now - retention_days * 86_400)
        with self._lock:
            return retention.purge(self._conn, cutoff_day=cutoff_day, cutoff_ts=now - retention_days * 86_400)

    def daily_counts(self, since_day: str = "") -> list[tuple[str, str, str, str, int]]:
        with self._lock:
            return retention.daily_counts(self._conn, since_day)

    def integrity_check(self) -> list[str]:
        with self._lock:
            return db.integrity_check(self._conn)

    def schema_version(self) -> int:
        with self._lock:
            return db.schema_version(self._conn)
