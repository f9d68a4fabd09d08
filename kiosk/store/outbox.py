"""Outbox of HIS and BHYT operations: durable, retried with backoff, delivered at least once.

Each operation has an idempotency key derived from (visit id, operation type); the receiver
deduplicates on it, so at-least-once delivery here gives exactly-once effect there. Claimed items are
leased (``next_attempt_at`` moves past the lease) rather than locked, so a crash mid-delivery only
means the item is offered again once the lease ends.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes

from kiosk.privacy import FieldCipher
from kiosk.store.db import transaction
from kiosk.store.errors import StoreError


class PermanentDeliveryError(Exception):
    """Raised by a ``deliver`` callback when retrying cannot help (the item is dead-lettered at once)."""

    def __init__(self, message: str, *, code: str = "permanent") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class OutboxItem:
    id: int
    idempotency_key: str
    visit_id: str
    op_type: str
    payload: Mapping[str, Any] = field(repr=False)  # personal data: never in reprs
    attempts: int
    created_at: float
    last_error: str | None


@dataclass(frozen=True)
class OutboxDepth:
    pending: int  # not yet delivered, not dead
    due: int  # pending and due now
    dead: int  # gave up; needs staff
    oldest_pending_age_s: float


@dataclass(frozen=True)
class DrainResult:
    delivered: int
    failed: int
    dead: int
    seconds: float


def idempotency_key(visit_id: str, op_type: str) -> str:
    """Stable key for (visit, operation): a UUID-formatted SHA-256 prefix."""
    digest = hashes.Hash(hashes.SHA256())
    digest.update(b"cccd-kiosk/outbox/v1\x00" + visit_id.encode() + b"\x00" + op_type.encode())
    return str(uuid.UUID(bytes=digest.finalize()[:16]))


def backoff_delay(
    attempts: int, *, base_s: float = 2.0, cap_s: float = 900.0, rng: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with jitter: base·2^(n-1), capped, scaled by a random 0.5–1.0."""
    exp: float = min(cap_s, base_s * float(2 ** max(0, min(attempts - 1, 30))))
    return exp * (0.5 + rng() / 2)


_MARK_DELIVERED = (
    "UPDATE outbox SET delivered_at = ?, last_error = NULL WHERE id = ? AND delivered_at IS NULL"
)


def _error_code(exc: BaseException) -> str:
    # codes only: exception messages may quote server replies that carry personal data
    code = getattr(exc, "code", None) or getattr(exc, "reason", None)
    return str(code) if isinstance(code, str | int) else type(exc).__name__


class Outbox:
    """Operations waiting for delivery. Thread-safe; several processes may share the database."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        lock: threading.RLock,
        cipher: FieldCipher,
        *,
        clock: Callable[[], float] = time.time,
        max_attempts: int = 20,
        base_delay_s: float = 2.0,
        max_delay_s: float = 900.0,
        lease_s: float = 60.0,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._conn = conn
        self._lock = lock
        self._cipher = cipher
        self._clock = clock
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.lease_s = lease_s
        self._rng = rng

    # -- writing -----------------------------------------------------------------------------------
    def enqueue_in(
        self, conn: sqlite3.Connection, visit_id: str, op_type: str, payload: Mapping[str, Any], now: float
    ) -> str:
        """Add an operation inside the caller's transaction. Re-adding the same (visit, op) is a no-op."""
        key = idempotency_key(visit_id, op_type)
        blob = self._cipher.encrypt_json(payload, key.encode())
        conn.execute(
            """
            INSERT INTO outbox (idempotency_key, visit_id, op_type, payload, next_attempt_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING
            """,
            (key, visit_id, op_type, blob, now, now),
        )
        return key

    def enqueue(self, visit_id: str, op_type: str, payload: Mapping[str, Any]) -> str:
        with self._lock, transaction(self._conn) as conn:
            return self.enqueue_in(conn, visit_id, op_type, payload, self._clock())

    # -- delivery ----------------------------------------------------------------------------------
    def claim_due(self, limit: int = 100) -> list[OutboxItem]:
        """Lease up to ``limit`` due operations (oldest first) to this caller."""
        return self._claim("", (), limit)

    def _claim(self, extra_where: str, extra_params: tuple[Any, ...], limit: int) -> list[OutboxItem]:
        now = self._clock()
        with self._lock, transaction(self._conn) as conn:
            rows = conn.execute(
                f"""
                UPDATE outbox SET next_attempt_at = ?
                WHERE id IN (
                    SELECT id FROM outbox
                    WHERE delivered_at IS NULL AND dead_at IS NULL AND next_attempt_at <= ? {extra_where}
                    ORDER BY next_attempt_at, id LIMIT ?)
                RETURNING id, idempotency_key, visit_id, op_type, payload, attempts, created_at, last_error
                """,
                (now + self.lease_s, now, *extra_params, limit),
            ).fetchall()
        return self._items(rows)

    def _items(self, rows: Sequence[Sequence[Any]]) -> list[OutboxItem]:
        items = [
            OutboxItem(
                id=r[0],
                idempotency_key=r[1],
                visit_id=r[2],
                op_type=r[3],
                payload=self._cipher.decrypt_json(r[4], r[1].encode()),
                attempts=r[5],
                created_at=r[6],
                last_error=r[7],
            )
            for r in rows
        ]
        items.sort(key=lambda item: item.id)  # RETURNING order is unspecified
        return items

    def claim_visit(self, visit_id: str) -> list[OutboxItem]:
        """Lease the due operations of one visit (deliver now while the patient waits, not the backlog)."""
        return self._claim("AND visit_id = ?", (visit_id,), 1_000)

    def mark_delivered(self, item_ids: int | Iterable[int]) -> None:
        ids = [item_ids] if isinstance(item_ids, int) else list(item_ids)
        now = self._clock()
        with self._lock, transaction(self._conn) as conn:
            conn.executemany(
                _MARK_DELIVERED,
                [(now, i) for i in ids],
            )

    def mark_failed(
        self, item_id: int, error_code: str, retry_at: float | None = None, *, permanent: bool = False
    ) -> bool:
        """Record a failed attempt; returns True when the item was dead-lettered."""
        with self._lock, transaction(self._conn) as conn:
            return self._mark_failed_in(conn, item_id, error_code, retry_at, permanent, self._clock())

    def _mark_failed_in(
        self,
        conn: sqlite3.Connection,
        item_id: int,
        error_code: str,
        retry_at: float | None,
        permanent: bool,
        now: float,
    ) -> bool:
        row = conn.execute(
            "SELECT attempts FROM outbox WHERE id = ? AND delivered_at IS NULL AND dead_at IS NULL",
            (item_id,),
        ).fetchone()
        if row is None:
            return False  # already delivered (a duplicate delivery attempt) or dead
        attempts = int(row[0]) + 1
        dead = permanent or attempts >= self.max_attempts
        if retry_at is None:
            delay = backoff_delay(attempts, base_s=self.base_delay_s, cap_s=self.max_delay_s, rng=self._rng)
            retry_at = now + delay
        conn.execute(
            "UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_at = ?, dead_at = ? WHERE id = ?",
            (attempts, error_code[:80], retry_at, now if dead else None, item_id),
        )
        return dead

    def drain(
        self,
        deliver: Callable[[OutboxItem], None],
        *,
        batch: int = 50,
        max_items: int | None = None,
        stop: threading.Event | None = None,
    ) -> DrainResult:
        """Deliver due operations until none is due (or ``max_items``/``stop``).

        ``deliver`` raises on failure (:class:`PermanentDeliveryError` = do not retry). Results of
        one batch are committed together: a crash before that commit re-delivers at most one batch,
        which the receiver's idempotency-key check absorbs.
        """
        start = time.perf_counter()
        delivered = failed = dead = 0
        while stop is None or not stop.is_set():
            limit = batch if max_items is None else min(batch, max_items - delivered - failed - dead)
            if limit <= 0:
                break
            items = self.claim_due(limit)
            if not items:
                break
            ok: list[int] = []
            failures: list[tuple[int, str, bool]] = []
            for item in items:
                if stop is not None and stop.is_set():
                    break  # unprocessed items are re-offered when their lease ends
                try:
                    deliver(item)
                except PermanentDeliveryError as exc:
                    failures.append((item.id, exc.code, True))
                except Exception as exc:
                    failures.append((item.id, _error_code(exc), False))
                else:
                    ok.append(item.id)
            now = self._clock()
            with self._lock, transaction(self._conn) as conn:
                conn.executemany(
                    _MARK_DELIVERED,
                    [(now, i) for i in ok],
                )
                for item_id, code, permanent in failures:
                    if self._mark_failed_in(conn, item_id, code, None, permanent, now):
                        dead += 1
                    else:
                        failed += 1
            delivered += len(ok)
        return DrainResult(delivered=delivered, failed=failed, dead=dead, seconds=time.perf_counter() - start)

    # -- inspection --------------------------------------------------------------------------------
    def depth(self) -> OutboxDepth:
        now = self._clock()
        with self._lock:
            row = self._conn.execute(
                """
                SELECT
                  COALESCE(SUM(delivered_at IS NULL AND dead_at IS NULL), 0),
                  COALESCE(SUM(delivered_at IS NULL AND dead_at IS NULL AND next_attempt_at <= ?), 0),
                  COALESCE(SUM(dead_at IS NOT NULL), 0),
                  MIN(CASE WHEN delivered_at IS NULL AND dead_at IS NULL THEN created_at END)
                FROM outbox
                """,
                (now,),
            ).fetchone()
        oldest = row[3]
        return OutboxDepth(
            pending=int(row[0]),
            due=int(row[1]),
            dead=int(row[2]),
            oldest_pending_age_s=max(0.0, now - oldest) if oldest is not None else 0.0,
        )

    def dead_letters(self, limit: int = 100) -> list[tuple[int, str, str, str | None]]:
        """(id, visit id, operation type, last error code) of dead-lettered operations."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, visit_id, op_type, last_error FROM outbox WHERE dead_at IS NOT NULL "
                "ORDER BY id LIMIT ?",
                (limit,),
            ).fetchall()
        return [(int(r[0]), str(r[1]), str(r[2]), r[3]) for r in rows]

    def requeue(self, item_ids: Sequence[int]) -> int:
        """Give dead-lettered operations a fresh start (staff action after fixing the cause)."""
        now = self._clock()
        with self._lock, transaction(self._conn) as conn:
            cur = conn.executemany(
                "UPDATE outbox SET dead_at = NULL, attempts = 0, next_attempt_at = ? "
                "WHERE id = ? AND dead_at IS NOT NULL",
                [(now, i) for i in item_ids],
            )
            return int(cur.rowcount)

    def status_of(self, visit_id: str) -> dict[str, str]:
        """op type → 'delivered' | 'pending' | 'dead' for one visit."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT op_type, delivered_at IS NOT NULL, dead_at IS NOT NULL FROM outbox "
                "WHERE visit_id = ?",
                (visit_id,),
            ).fetchall()
        return {r[0]: "delivered" if r[1] else "dead" if r[2] else "pending" for r in rows}


__all__ = [
    "DrainResult",
    "Outbox",
    "OutboxDepth",
    "OutboxItem",
    "PermanentDeliveryError",
    "StoreError",
    "backoff_delay",
    "idempotency_key",
]
