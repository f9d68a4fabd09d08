"""Structured JSON logging that refuses personal data.

:class:`PiiFilter` sits on the handler, so it sees every record that would be written:

* ``extra`` fields with a personal-data name (``id_number``, ``name``, ``dob``, ``address``…) are
  dropped and replaced by a list of the refused field names;
* the formatted message and any traceback are scrubbed of runs of 9+ digits (CMND/CCCD/BHYT), MRZ
  lines and dd/mm/yyyy dates;
* values registered for the current patient with :func:`pii_scope` (name, DOB, address…) are scrubbed
  too, including their unaccented spelling.

Use codes, counts and the keyed ``id_hash`` in logs; never the person.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any

REDACTED = "[redacted]"

#: extra-field names that must never reach a log line (lower case; compared case-insensitively)
PII_FIELDS = frozenset(
    {
        "id_number", "cccd", "cmnd", "document_number", "personal_number", "national_id",
        "name", "full_name", "given_name", "given_names", "family_name", "surname", "patient_name",
        "dob", "date_of_birth", "birth_date", "birthdate",
        "address", "place_of_origin", "place_of_residence", "hometown",
        "photo", "portrait", "face", "dg2", "dg13", "mrz", "can", "mrz_key",
        "bhyt_number", "insurance_number", "card_number", "phone", "email",
        "father_name", "mother_name", "spouse_name",
    }
)  # fmt: skip

# 9 or more digits, loosely separated: CMND (9), CCCD (12), BHYT card (2 letters + 13 digits), phones
_DIGITS = re.compile(r"(?<!\d)\d(?:[ .-]?\d){8,}(?!\d)")
_MRZ = re.compile(r"[A-Z0-9<]{10,}<<[A-Z0-9<]*")
_DMY = re.compile(r"(?<!\d)\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}(?!\d)")

_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}

_scope_lock = threading.Lock()
_scoped_values: dict[int, tuple[str, ...]] = {}
_scope_counter = [0]


def _variants(value: str) -> set[str]:
    nfc = unicodedata.normalize("NFC", value).strip()
    folded = "".join(c for c in unicodedata.normalize("NFD", nfc) if not unicodedata.combining(c))
    folded = folded.replace("Đ", "D").replace("đ", "d")
    out = {nfc, unicodedata.normalize("NFD", nfc), folded}
    out |= {v.upper() for v in list(out)} | {v.lower() for v in list(out)} | {v.title() for v in list(out)}
    return {v for v in out if len(v) >= 3}  # shorter strings would redact ordinary words


@contextmanager
def pii_scope(*values: str) -> Iterator[None]:
    """Scrub these values (the current patient's name, DOB, address…) from log output while active."""
    expanded = tuple(
        sorted({v for value in values if value for v in _variants(value)}, key=len, reverse=True)
    )
    with _scope_lock:
        _scope_counter[0] += 1
        token = _scope_counter[0]
        _scoped_values[token] = expanded
    try:
        yield
    finally:
        with _scope_lock:
            _scoped_values.pop(token, None)


def scrub(text: str) -> str:
    """``text`` with ID-like numbers, MRZ lines, d/m/y dates and scoped personal values removed."""
    with _scope_lock:
        scoped = [v for values in _scoped_values.values() for v in values]
    for value in sorted(scoped, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    text = _MRZ.sub(REDACTED, text)
    text = _DMY.sub(REDACTED, text)
    return _DIGITS.sub(REDACTED, text)


class PiiFilter(logging.Filter):
    """Drops personal-data extra fields and scrubs messages and tracebacks (see module doc)."""

    def filter(self, record: logging.LogRecord) -> bool:
        refused = sorted(k for k in record.__dict__ if k.lower() in PII_FIELDS and k not in _STANDARD_ATTRS)
        for key in refused:
            delattr(record, key)
        if refused:
            record.pii_refused = refused
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not crash logging, nor leak its arguments
            message = str(record.msg)
        record.msg, record.args = scrub(message), ()
        if record.exc_info:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, scrub(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, any extra fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = (
                    value if isinstance(value, str | int | float | bool | type(None) | list) else str(value)
                )
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


_HANDLER_MARK = "_cccd_kiosk_handler"


def configure_logging(
    level: str | int = "INFO", stream: IO[str] | None = None, *, json_format: bool = True
) -> logging.Handler:
    """Install the kiosk's handler on the root logger (replacing a previous one of ours)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(PiiFilter())
    handler.setFormatter(
        JsonFormatter() if json_format else logging.Formatter("%(levelname)s %(name)s: %(message)s")
    )
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def refused_fields(names: Iterable[str]) -> list[str]:
    """Which of ``names`` the filter would refuse (for tests and config checks)."""
    return sorted(n for n in names if n.lower() in PII_FIELDS)


class UrlQueryRedaction(logging.Filter):
    """urllib3 logs every request URL at DEBUG; our clients' query strings carry tokens, password hashes and
    ID numbers. This strips the query from those records wherever logging is configured."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(a.split("?", 1)[0] + "?<redacted>" if isinstance(a, str) and "?" in a else a
                                for a in record.args)
        return True


def install_url_redaction() -> None:
    """Idempotent: called by every HTTP client module at construction."""
    target = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, UrlQueryRedaction) for f in target.filters):
        target.addFilter(UrlQueryRedaction())
