"""Outage-proof embedded store: check-ins, daily queue numbers, the HIS/BHYT outbox, retention.

SQLite in WAL mode with ``synchronous=FULL``: once :meth:`Store.check_in` returns, the visit, its
queue number and its outbox operations survive a crash or power cut, so a printed ticket is never
orphaned. See ``docs/store.md``.
"""

from kiosk.store.checkins import Checkin, Store
from kiosk.store.errors import StoreError
from kiosk.store.outbox import DrainResult, OutboxDepth, OutboxItem, PermanentDeliveryError

__all__ = [
    "Checkin",
    "DrainResult",
    "OutboxDepth",
    "OutboxItem",
    "PermanentDeliveryError",
    "Store",
    "StoreError",
]
