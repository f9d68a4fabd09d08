"""``cccd-kiosk virtual-card``: present the virtual CCCD to pcscd through the vpcd driver."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from kiosk.cli._common import EXIT_OK, report_error
from nfc.errors import NfcError


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "virtual-card", help="run the virtual CCCD in the vpcd virtual reader (test and training only)",
        description="Runs until interrupted. On start prints one JSON line with the reader, CAN and MRZ.",
    )
    parser.add_argument("--lds", type=Path, help="load the card from an LDS folder (docs/virtual-card.md)")
    parser.add_argument("--faults", default="", help="e.g. remove-after=40,bad-mac-at=12,slow-ms=5")
    parser.add_argument("--port", type=int, default=35963, help="vpcd slot port (35963 = 'Virtual PCD 00 00')")
    parser.add_argument("--cloned", action="store_true", help="correct data but no chip private keys")
    parser.add_argument("--extended-length", action="store_true", help="advertise and accept extended length")
    parser.add_argument("--start-pcscd", action="store_true", help="start pcscd first if it is not running")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from nfc.virtual.builder import build_card
    from nfc.virtual.card import CardSettings, VirtualCard
    from nfc.virtual.faults import FaultPlan
    from nfc.virtual.folder import load_card_folder
    from nfc.virtual.stack import PcscdStack
    from nfc.virtual.vpcd import VpcdBridge

    try:
        faults = FaultPlan.parse(args.faults)
        if args.lds:
            content, secrets, settings = load_card_folder(args.lds)
            if args.extended_length:
                settings = CardSettings(extended_length=True, bac=settings.bac)
            card = VirtualCard(content, secrets, settings, faults)
            can = secrets.can
            mrz: list[str] | None = None
        else:
            built = build_card(cloned=args.cloned, settings=CardSettings(extended_length=args.extended_length))
            card = built.card(faults=faults)
            can = built.citizen.can
            mrz = list(built.mrz)
        stack = PcscdStack() if args.start_pcscd else None
        if stack is not None:
            stack.start()
        bridge = VpcdBridge(card, port=args.port)
        bridge.insert()
    except NfcError as exc:
        return report_error(exc)
    except ConnectionError as exc:
        print(f"error [no-vpcd]: {exc}\nwhat to do: start pcscd with the vpcd driver, or pass --start-pcscd",
              file=sys.stderr)
        return 3
    slot = args.port - 35963
    stop = threading.Event()
    # before the ready line: a caller that stops us as soon as it reads it must get a clean exit
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(json.dumps({"event": "ready", "reader": f"Virtual PCD 00 {slot:02d}", "port": args.port,
                      "can": can, "mrz": mrz}, ensure_ascii=False), flush=True)
    try:
        while not stop.wait(0.2):
            if bridge.removed.is_set() and card.gone:
                print(json.dumps({"event": "removed", "after_apdus": card.apdu_count}), flush=True)
                stop.wait(1.0)
                card.reinsert()
                bridge.insert()
                print(json.dumps({"event": "inserted"}), flush=True)
    except KeyboardInterrupt:
        pass
    bridge.remove()
    if stack is not None:
        stack.stop()
    return EXIT_OK
