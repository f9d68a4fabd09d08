"""``cccd-kiosk selftest``: check every part of the kiosk and say how to fix what fails.

Exit code = the worst result: 0 ok (skips count as ok), 1 warn, 2 fail. ``--json`` prints one document
(schema in docs/selftest.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kiosk.selftest.engine import CheckResult

_MARK = {"ok": " OK ", "warn": "WARN", "fail": "FAIL", "skip": "SKIP"}


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("selftest", help="check reader, card, camera, printer, network, clock, "
                                                    "trust store, disk and configuration")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--gui", action="store_true", help="the technician window over the same checks")
    parser.add_argument("--only", nargs="+", metavar="ID", help="run only these checks (and what they need)")
    parser.add_argument("--virtual-card", action="store_true",
                        help="use the built-in virtual CCCD in the vpcd reader as the test card")
    parser.add_argument("--can", help="CAN of a real technician test card (else $CCCD_SELFTEST_CAN)")
    parser.add_argument("--reader", help="PC/SC reader name to test")
    parser.add_argument("--test-print", action="store_true", help="print a short test ticket")
    parser.add_argument("--camera", help="camera device index or path (overrides the profile)")
    parser.add_argument("--test-image", type=Path, help="image with an MRZ for the OCR check")
    parser.add_argument("--trust-dir", type=Path, help="trust store directory (default <data_dir>/trust)")
    parser.add_argument("--card-timeout", type=float, default=5.0, help="seconds to wait for the test card")
    parser.add_argument("--lang", choices=("vi", "en"), default=None, help="language of the hints")
    parser.set_defaults(handler=run)


def _camera(value: str | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def run(args: argparse.Namespace) -> int:
    from kiosk.selftest import run_selftest
    from kiosk.selftest.checks import ALL_CHECKS
    from kiosk.selftest.engine import SelftestOptions

    known = {c.id for c in ALL_CHECKS}
    unknown = [name for name in args.only or () if name not in known]
    if unknown:
        print(f"unknown check id(s): {', '.join(unknown)}; known: {', '.join(c.id for c in ALL_CHECKS)}",
              file=sys.stderr)
        return 2
    options = SelftestOptions(
        virtual_card=args.virtual_card, can=args.can, reader=args.reader, test_print=args.test_print,
        camera_device=_camera(args.camera), test_image=args.test_image, trust_dir=args.trust_dir,
        card_timeout_s=args.card_timeout,
    )
    lang = args.lang
    if args.gui:
        from ui.technician_window import run_technician  # Qt only when asked for

        return run_technician(options=options, language=lang or "vi")

    def show(result: CheckResult, done: int, total: int) -> None:
        if args.json:
            return
        value = "" if result.value is None else f" = {result.value}{(' ' + result.unit) if result.unit else ''}"
        print(f"[{_MARK[result.result.value]}] {result.id:<19} {result.detail}{value}", flush=True)
        if result.hint is not None and result.result.value in ("warn", "fail"):
            print(f"       → {result.hint.text(lang or 'vi')}", flush=True)
            if lang is None:
                print(f"       → {result.hint.en}", flush=True)

    report = run_selftest(options=options, only=args.only, progress=show)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        counts = report.counts()
        print(f"selftest: {counts['ok']} ok, {counts['warn']} warn, {counts['fail']} fail, {counts['skip']} skipped "
              f"→ {report.worst.value} (exit {report.exit_code})")
    return report.exit_code
