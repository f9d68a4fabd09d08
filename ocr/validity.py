"""Expected expiry of a CCCD from date of birth and issue date (notes §10), for a BAC fallback when only
the QR code (which has no expiry) was read.

Rules: the card is changed at ages 25, 40 and 60 (cards issued from 1/7/2024: 14, 25, 40, 60); a card issued
within 2 years before a milestone stays valid until the next one; none left → valid for life (MRZ 991231).
Expiry = the birthday at the milestone age. Open points (is day 730 "within 2 years"? 29 February
birthdays?) are covered by returning every plausible date, most likely first.
"""

from __future__ import annotations

import datetime as dt

LIFETIME = "991231"
NEW_LAW = dt.date(2024, 7, 1)


def _birthday(dob: dt.date, age: int) -> list[dt.date]:
    try:
        return [dob.replace(year=dob.year + age)]
    except ValueError:  # 29 February in a non-leap year: either neighbour may be printed
        return [dt.date(dob.year + age, 2, 28), dt.date(dob.year + age, 3, 1)]


def _two_years_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 2)
    except ValueError:
        return dt.date(day.year - 2, 2, 28)


def _expected(dob: dt.date, issued: dt.date, inclusive: bool, feb: int) -> str:
    milestones = (14, 25, 40, 60) if issued >= NEW_LAW else (25, 40, 60)
    for m in milestones:
        options = _birthday(dob, m)
        b = options[min(feb, len(options) - 1)]
        limit = _two_years_before(b)
        if issued < limit or (inclusive and issued == limit):
            return b.strftime("%y%m%d")
    return LIFETIME


def expiry_candidates(dob: dt.date, issued: dt.date) -> tuple[str, ...]:
    """Plausible MRZ expiry dates (YYMMDD), most likely first."""
    out: list[str] = []
    for inclusive in (False, True):
        for feb in (0, 1):
            value = _expected(dob, issued, inclusive, feb)
            if value not in out:
                out.append(value)
    return tuple(out)
