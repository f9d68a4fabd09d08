"""Kiosk self-test: what works, what does not, and how to fix it.

The technician GUI calls :func:`run_selftest`; the CLI is ``cccd-kiosk selftest``. See docs/selftest.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from kiosk.config import KioskConfig, load_config
from kiosk.errors import KioskError
from kiosk.selftest.engine import (
    Check,
    CheckResult,
    Hint,
    ProgressCallback,
    Result,
    SelftestContext,
    SelftestOptions,
    SelftestReport,
    run_checks,
)


def run_selftest(
    config: KioskConfig | None = None,
    options: SelftestOptions | None = None,
    *,
    only: Iterable[str] | None = None,
    progress: ProgressCallback | None = None,
    env: Mapping[str, str] | None = None,
    checks: Sequence[Check] | None = None,
) -> SelftestReport:
    """Run the self-test and return every check's result.

    ``config``: the kiosk configuration; None loads it (site/device files and ``CCCD_KIOSK_*`` from
    ``env``), and a broken configuration fails the ``config`` check while the other checks run on the
    defaults. ``only``: check ids to run (their prerequisites run too). ``progress(result, done, total)``
    is called after each check, on the calling thread. Raises ``KeyError`` for an unknown id in ``only``.
    """
    from kiosk.selftest.checks import ALL_CHECKS

    options = options or SelftestOptions()
    if config is not None:
        context = SelftestContext(config, options)
    else:
        try:
            context = SelftestContext(load_config(env=env).config, options)
        except KioskError as exc:
            context = SelftestContext(KioskConfig(), options, config_ok=False)
            context.config_error = exc
    return run_checks(checks if checks is not None else ALL_CHECKS, context, only=only, progress=progress)


__all__ = [
    "Check",
    "CheckResult",
    "Hint",
    "Result",
    "SelftestOptions",
    "SelftestReport",
    "run_selftest",
]
