"""``cccd-kiosk local-api``: the staff desktop's local HTTP API, headless, with a console consent prompt.

The staff window runs the same server with its own consent dialog; this command is for desks without
the GUI and for trying a HIS page against the virtual card (``--demo``). See docs/local-api.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from kiosk.cli._common import EXIT_OK, EXIT_USAGE, report_error

YES = frozenset({"y", "yes", "c", "co", "có"})


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "local-api", help="serve the card to browser-based HIS pages on 127.0.0.1 (staff desk)",
        description="Local HTTP API on 127.0.0.1: GET /v1/card, /v1/status, /v1/events, /v1/openapi.json. "
                    "Needs an allowed Origin, the pairing token and staff consent (asked here, per origin).",
    )
    configure(parser)
    parser.set_defaults(handler=run)


def configure(parser: argparse.ArgumentParser) -> None:
    from kiosk.localapi.server import DEFAULT_PORT

    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT}; 0 = any)")
    parser.add_argument("--origin", action="append", default=[], metavar="ORIGIN",
                        help="an allowed HIS page origin, e.g. https://his.benhvien.vn (repeat for more)")
    parser.add_argument("--demo", action="store_true", help="serve the virtual CCCD (pcscd + vpcd when available)")
    parser.add_argument("--transport", choices=("auto", "pcscd", "memory"), default="auto",
                        help="with --demo: pcscd + vpcd when they can run here (auto), or in-process (memory)")
    parser.add_argument("--reader", help="PC/SC reader name (default: any reader)")
    parser.add_argument("--data-dir", type=Path,
                        help="where the pairing token (and trust/) live (default $CCCD_KIOSK_DATA_DIR or "
                             "~/.local/share/cccd-kiosk; --demo: a temporary folder)")
    keys = parser.add_mutually_exclusive_group()
    keys.add_argument("--can", help="staff key: the 6-digit CAN of the card to read")
    keys.add_argument("--mrz", help="staff key: the MRZ text")
    parser.add_argument("--new-token", action="store_true", help="issue a new pairing token (re-pair every page)")


def console_consent(reader: IO[str] | None = None, writer: IO[str] | None = None) -> Callable[[str], bool]:
    """A consent prompt on the console: names the origin, default no."""
    lock = threading.Lock()

    def ask(origin: str) -> bool:
        source = reader or sys.stdin
        out = writer or sys.stderr
        with lock:
            out.write(f"\nThe web page {origin} asks to read the ID card on this desk.\n"
                      f"Allow {origin} for this sitting? [y/N] ")
            out.flush()
            line = source.readline()
        return line.strip().lower() in YES

    return ask


def default_data_dir() -> Path:
    base = os.environ.get("CCCD_KIOSK_DATA_DIR")
    return Path(base) if base else Path.home() / ".local" / "share" / "cccd-kiosk"


def run(args: argparse.Namespace) -> int:
    from kiosk.errors import KioskError
    from kiosk.localapi import AccessControl, CardService, ConnectionFactorySource, LocalApiServer, PairingToken
    from kiosk.localapi.cardservice import CardSource, PcscCardSource
    from kiosk.logs import configure_logging
    from nfc.access.keys import AccessKey, CanKey
    from nfc.errors import NfcError
    from nfc.verify.trust import TrustStore

    if not args.origin:
        print("error: give at least one --origin (the HIS page allowed to call the API)", file=sys.stderr)
        return EXIT_USAGE
    configure_logging("INFO", json_format=False)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    with ExitStack() as stack:
        # handlers first: a stop request during start-up still ends in an orderly shutdown
        for sig in (signal.SIGINT, signal.SIGTERM):
            stack.callback(signal.signal, sig, signal.signal(sig, on_signal))
        try:
            key: AccessKey | None = None
            if args.can:
                key = CanKey(args.can.strip())
            elif args.mrz:
                from nfc.lds.mrz import parse_mrz

                key = parse_mrz(args.mrz).access_key()
            source: CardSource
            if args.demo:
                from kiosk.demo import VIRTUAL_READER, DemoEnvironment

                env = stack.enter_context(DemoEnvironment(transport=args.transport))
                print(f"demo: {env.transport_note}", file=sys.stderr)
                data_dir = args.data_dir or env.data_dir
                trust_dir = env.data_dir / "trust"
                source = (PcscCardSource(VIRTUAL_READER) if env.transport == "pcscd"
                          else ConnectionFactorySource(env._open_connection))
                key = key or CanKey(env.citizen.can)
            else:
                data_dir = args.data_dir or default_data_dir()
                trust_dir = data_dir / "trust"
                source = PcscCardSource(args.reader)
            if args.new_token:
                token, created = PairingToken.rotate(data_dir), True
            else:
                token, created = PairingToken.load_or_create(data_dir)
            access = AccessControl(allowed_origins=args.origin, token=token, consent=console_consent())
            cards = CardService(source, trust=TrustStore(trust_dir) if trust_dir.exists() else None)
            cards.set_staff_key(key)
            from kiosk.privacy import id_hash_key

            server = LocalApiServer(cards, access, port=args.port, audit_key=id_hash_key(data_dir))
            stack.callback(server.stop)
            server.start()
        except (KioskError, NfcError) as exc:
            return report_error(exc)
        print(f"Local API on {server.url} (also http://localhost:{server.port})", flush=True)
        print(f"Allowed origins: {', '.join(sorted(access.allowed_origins))}", flush=True)
        if created:
            # shown once: the staff enter it in the HIS page's settings
            print(f"Pairing token (shown once, enter it in the HIS page): {token.reveal()}", flush=True)
        else:
            print(f"Pairing token: as paired before (stored in {data_dir}); --new-token issues a new one",
                  flush=True)
        if key is None:
            print("No staff key: HIS pages must send one (POST /v1/card), or restart with --can/--mrz.",
                  flush=True)

        while not stop.wait(0.5):
            pass
        print("Local API stopped.", file=sys.stderr)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cccd-kiosk local-api", description=__doc__.splitlines()[0])
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
