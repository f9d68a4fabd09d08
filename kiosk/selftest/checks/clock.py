"""``clock``: the system clock is plausible (year ≥ 2025) and agrees with the configured servers' HTTP
``Date`` headers (collected by the network checks). Certificate and CRL checks depend on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from kiosk.selftest.engine import Check, Hint, Outcome, SelftestContext, fail, ok, warn

MIN_YEAR = 2025
WARN_DRIFT_S = 60.0
FAIL_DRIFT_S = 600.0
#: fact key: list of (server label, server time) from HTTP Date headers
HTTP_DATES = "http_dates"

CLOCK_HINT = Hint(
    "Đồng hồ hệ thống sai. Bật đồng bộ giờ: `timedatectl set-ntp true` (hoặc đặt giờ đúng), rồi chạy lại.",
    "The system clock is wrong. Turn on time sync: `timedatectl set-ntp true` (or set the time), then rerun.",
)

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731 - replaced in tests


def check_clock(context: SelftestContext) -> Outcome:
    now = context.fact("clock_now") or _now()
    if now.year < MIN_YEAR:
        return fail(f"system year is {now.year}", CLOCK_HINT, now.year, "year")
    dates: list[tuple[str, datetime]] = context.fact(HTTP_DATES, [])
    if not dates:
        return ok("no server reachable to compare with; year plausible", None, "s")
    label, server_now = max(dates, key=lambda item: abs((item[1] - now).total_seconds()))
    drift = (now - server_now).total_seconds()
    detail = f"{drift:+.0f} s against {label}"
    if abs(drift) >= FAIL_DRIFT_S:
        return fail(detail, CLOCK_HINT, round(drift, 1), "s")
    if abs(drift) >= WARN_DRIFT_S:
        return warn(detail, CLOCK_HINT, round(drift, 1), "s")
    return ok(detail, round(drift, 1), "s")


CHECKS = (Check("clock", "Clock sanity", check_clock, timeout_s=5.0),)
