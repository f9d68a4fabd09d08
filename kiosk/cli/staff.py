"""``cccd-kiosk staff``: the staff desk window (reader status, full card read with verification, copy
buttons, manual key entry, this sitting's reads). ``--demo`` reads the virtual card instead of PC/SC."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli._common import report_error


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("staff", help="the staff desk window (read and verify a card)")
    parser.add_argument("--demo", action="store_true", help="read the built-in virtual CCCD")
    parser.add_argument("--reader", help="PC/SC reader name (default: the first reader holding a card)")
    parser.add_argument("--language", choices=("vi", "en"), default=None, help="start language (default: config)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from kiosk.errors import KioskError
    from nfc.errors import NfcError

    try:
        return _run(args)
    except (NfcError, KioskError) as exc:
        return report_error(exc)


def _run(args: argparse.Namespace) -> int:
    from ui.app import make_app
    from ui.i18n import Translator
    from ui.staff_window import StaffWindow

    app = make_app()
    if args.demo:
        from kiosk.demo import VIRTUAL_READER, DemoEnvironment

        with DemoEnvironment(transport="memory", language=args.language or "vi") as env:
            assert env.wiring is not None
            services = env.wiring.services
            window = StaffWindow(services.open_connection, services.verify, Translator(args.language or "vi"),
                                 reader=VIRTUAL_READER + " (demo)")
            window.can_input.setText(env.citizen.can)
            window.resize(1280, 800)
            window.show()
            code: int = app.exec()
            return code

    from kiosk.config import load_config
    from kiosk.services import make_verifier
    from nfc.transport.pcsc import CardWatcher, PcscConnection, wait_for_card

    config = load_config().config
    reader = args.reader
    staff = StaffWindow(lambda: PcscConnection(wait_for_card(reader, timeout=10.0)), make_verifier(config),
                        Translator(args.language or config.language))
    watcher = CardWatcher(staff.post_card_event).start()
    staff.resize(1280, 800)
    staff.show()
    try:
        result: int = app.exec()
    finally:
        watcher.stop()
    return result
