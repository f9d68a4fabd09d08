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
    parser.add_argument("--api-origin", action="append", default=[], metavar="ORIGIN",
                        help="also serve the local HTTP API to this HIS page origin (repeatable); "
                             "each origin is asked for consent in the window (docs/local-api.md)")
    parser.add_argument("--api-port", type=int, default=47800, help="local API port (default 47800)")
    parser.set_defaults(handler=run)


def _start_local_api(window: Any, source: Any, data_dir: Any, trust_dir: Any, origins: list[str], port: int) -> Any:
    """The staff window's local API: consent prompts appear in the window (from the server's threads)."""
    import sys

    from kiosk.localapi import AccessControl, CardService, LocalApiServer, PairingToken
    from kiosk.privacy import id_hash_key
    from nfc.verify.trust import TrustStore

    token, created = PairingToken.load_or_create(data_dir)
    access = AccessControl(allowed_origins=origins, token=token, consent=window.ask_consent_blocking)
    cards = CardService(source, trust=TrustStore(trust_dir) if trust_dir.exists() else None)
    server = LocalApiServer(cards, access, port=port, audit_key=id_hash_key(data_dir))
    server.start()
    print(f"Local API on {server.url} for {', '.join(origins)}", file=sys.stderr, flush=True)
    if created:
        print(f"Pairing token (shown once, enter it in the HIS page): {token.reveal()}", file=sys.stderr, flush=True)
    return server


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
            server = None
            if args.api_origin:
                from kiosk.localapi import ConnectionFactorySource

                server = _start_local_api(window, ConnectionFactorySource(services.open_connection), env.data_dir,
                                          env.data_dir / "trust", args.api_origin, args.api_port)
            window.resize(1280, 800)
            window.show()
            try:
                code: int = app.exec()
            finally:
                if server is not None:
                    server.stop()
            return code

    from kiosk.config import load_config
    from kiosk.services import make_verifier
    from nfc.transport.pcsc import CardWatcher, PcscConnection, wait_for_card

    config = load_config().config
    reader = args.reader
    staff = StaffWindow(lambda: PcscConnection(wait_for_card(reader, timeout=10.0)), make_verifier(config),
                        Translator(args.language or config.language))
    watcher = CardWatcher(staff.post_card_event).start()
    server = None
    if args.api_origin:
        from kiosk.localapi.cardservice import PcscCardSource

        server = _start_local_api(staff, PcscCardSource(reader), config.data_dir, config.data_dir / "trust",
                                  args.api_origin, args.api_port)
    staff.resize(1280, 800)
    staff.show()
    try:
        result: int = app.exec()
    finally:
        watcher.stop()
        if server is not None:
            server.stop()
    return result
