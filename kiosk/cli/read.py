"""``cccd-kiosk read``: read a card through PC/SC and print what it holds (or JSON)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from kiosk.cardjson import card_read_to_json
from kiosk.cli._common import EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, report_error
from nfc.access.keys import AccessKey, CanKey, MrzKey
from nfc.errors import NfcError


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "read", help="read a chip ID card or passport",
        description="Read every file of the card; the key is the CAN (CCCD: last 6 ID digits) or MRZ data.",
    )
    keys = parser.add_mutually_exclusive_group(required=True)
    keys.add_argument("--can", help="6-digit CAN (CCCD: last 6 digits of the 12-digit ID)")
    keys.add_argument("--mrz", help="the MRZ text (lines joined, or separated by newlines)")
    keys.add_argument("--id", dest="id_number", help="12-digit CCCD ID number (with --dob and --expiry: BAC)")
    parser.add_argument("--dob", help="date of birth YYMMDD (with --id)")
    parser.add_argument("--expiry", help="date of expiry YYMMDD (with --id; 991231 for lifetime cards)")
    parser.add_argument("--reader", help="reader name (default: the first reader with a card)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a card (default 10)")
    parser.add_argument("--json", action="store_true", help="print the JSON document (docs/card-read-json.md)")
    parser.add_argument("--photo", type=Path, help="write the face image to this file")
    parser.add_argument("--no-face", action="store_true", help="skip DG2 (faster; no photo)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="kiosk data folder holding the trust store "
                        "(default: $CCCD_KIOSK_DATA_DIR or ~/.local/share/cccd-kiosk)")
    parser.add_argument("--no-verify", action="store_true", help="skip Passive Authentication and the verdict")
    parser.add_argument("--extended-length", action="store_true",
                        help="the reader supports extended-length APDUs (normally from its hardware profile)")
    parser.set_defaults(handler=run)


def key_from_args(args: argparse.Namespace) -> AccessKey:
    if args.can:
        return CanKey(args.can.strip())
    if args.mrz:
        from nfc.lds.mrz import parse_mrz

        return parse_mrz(args.mrz).access_key()
    if not (args.dob and args.expiry):
        raise SystemExit("--id needs --dob and --expiry (YYMMDD)")
    return MrzKey.for_cccd(args.id_number, args.dob, args.expiry)


def run(args: argparse.Namespace) -> int:
    from nfc.reader import ReadPlan, ReadProgress, read_card
    from nfc.transport.pcsc import PcscConnection, wait_for_card

    try:
        key = key_from_args(args)
    except NfcError as exc:
        return report_error(exc)
    except SystemExit as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    def progress(step: ReadProgress) -> None:
        if not args.json:
            print(f"  {int(step.fraction * 100):3d}%  {step.step} {step.name}", file=sys.stderr)

    try:
        reader = wait_for_card(args.reader, timeout=args.timeout)
        with PcscConnection(reader, extended_length=args.extended_length) as connection:
            result = read_card(connection, key, ReadPlan(read_face=not args.no_face), progress=progress)
    except NfcError as exc:
        return report_error(exc)
    if not args.no_verify:
        result = dataclasses.replace(result, verification=_verify(result, key, args.data_dir))
    document = card_read_to_json(result)
    if args.photo and result.faces:
        args.photo.write_bytes(result.faces[0].data)
    if args.json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print_human(document)
    return EXIT_OK if result.complete else EXIT_INCOMPLETE


def _verify(result: Any, key: AccessKey, data_dir: Path | None) -> Any:
    from nfc.verify.card import verify_card_read
    from nfc.verify.trust import TrustStore, default_directory

    directory = data_dir / "trust" if data_dir is not None else default_directory()
    return verify_card_read(result, TrustStore(directory), key=key)


def print_human(document: dict[str, Any]) -> None:
    access = document["access"]
    print(f"Access: {access['protocol']} with {access['password']} ({access['mechanism']}, {access['cipher']})")
    if access["fallback_reason"]:
        print(f"  (fell back to BAC: {access['fallback_reason']})")
    personal = document.get("personal_data") or {}
    labels = {"id_number": "ID number", "full_name": "Name", "date_of_birth": "Date of birth", "sex": "Sex",
              "nationality": "Nationality", "place_of_origin": "Place of origin",
              "place_of_residence": "Residence", "issue_date": "Issued", "expiry_date": "Expires"}
    for field, label in labels.items():
        if personal.get(field):
            print(f"{label:>16}: {personal[field]}")
    mrz = document.get("mrz")
    if mrz:
        print("MRZ:")
        for line in mrz["lines"]:
            print(f"  {line}")
    print("Files:")
    for name, entry in document["files"].items():
        extra = f" — {entry['error']}" if entry["error"] else ""
        print(f"  {name:<10} {entry['status']:<8} {entry['bytes']:>6} B  {entry['apdus']:>3} APDUs  "
              f"{entry['ms']:8.1f} ms{extra}")
    print(f"Total: {document['apdu_count']} APDUs, {document['bytes_total']} bytes, "
          f"{document['timings_ms'].get('total', 0):.0f} ms; complete: {document['complete']}")
    verification = document.get("verification")
    if verification:
        reason = f" ({verification['reason']})" if verification.get("reason") else ""
        print(f"Verdict: {verification.get('verdict')}{reason}")
