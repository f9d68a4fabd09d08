"""``cccd-kiosk readers``: PC/SC readers, card presence, ATR and the matching hardware profile."""

from __future__ import annotations

import argparse
import json
from typing import Any

from kiosk.cli._common import EXIT_NO_READER, EXIT_OK, report_error
from nfc.errors import NfcError


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("readers", help="list card readers and whether a card is present")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from smartcard import scard

    from nfc.transport.pcsc import PcscContext

    try:
        context = PcscContext()
        try:
            names = context.readers()
            states = context.states(names, 0) if names else []
        finally:
            context.close()
    except NfcError as exc:
        return report_error(exc)
    rows = []
    for name, state, atr in states:
        present = bool(state & scard.SCARD_STATE_PRESENT)
        rows.append({"reader": name, "card_present": present, "atr": atr.hex().upper() if present else None,
                     "profile": _profile_name(name, atr if present else None)})
    if args.json:
        print(json.dumps({"readers": rows}, ensure_ascii=False))
    elif not rows:
        print("No card reader found. Plug the reader in; check that pcscd is running.")
    else:
        for row in rows:
            card = f"card present, ATR {row['atr']}" if row["card_present"] else "no card"
            print(f"{row['reader']}: {card} (profile: {row['profile']})")
    return EXIT_OK if rows else EXIT_NO_READER


def _profile_name(reader: str, atr: bytes | None) -> str:
    try:
        from kiosk.profiles import match_reader

        return str(match_reader(reader, atr).name)
    except Exception:  # profiles are advisory here; never fail the listing over them
        return "unknown"
