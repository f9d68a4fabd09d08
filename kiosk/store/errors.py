"""Store errors, part of the ``kiosk.errors.KioskError`` hierarchy."""

from __future__ import annotations

from kiosk.errors import KioskError


class StoreError(KioskError):
    """The embedded database failed. Messages never contain personal data."""

    reason = "store-error"
    hint = "The kiosk's local database failed; call technical staff (run `cccd-kiosk selftest`)."

    def __init__(self, message: str, *, hint: str | None = None, reason: str | None = None) -> None:
        super().__init__(reason, hint, detail=message)


class StoreCorruptError(StoreError):
    reason = "store-corrupt"
    hint = "The local database failed its integrity check; restore from backup or call technical staff."


class SchemaTooNewError(StoreError):
    reason = "store-schema-too-new"
    hint = "The database was written by a newer kiosk version; update the software."


class UnknownVisitError(StoreError):
    reason = "visit-unknown"
    hint = "No such visit in the local store."
