"""``cccd-kiosk trust``: the CSCA trust store (import master lists, CSCAs and CRLs; list; freshness)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.cli._common import EXIT_INCOMPLETE, EXIT_OK, report_error
from nfc.errors import NfcError


def data_dir(args: argparse.Namespace) -> Path:
    if getattr(args, "data_dir", None):
        return Path(args.data_dir)
    base = os.environ.get("CCCD_KIOSK_DATA_DIR")
    return Path(base) if base else Path.home() / ".local" / "share" / "cccd-kiosk"


def trust_directory(args: argparse.Namespace) -> Path:
    return data_dir(args) / "trust"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "trust",
        help="manage trusted CSCA certificates, master lists and CRLs",
        description="The trust store lives in <data dir>/trust ($CCCD_KIOSK_DATA_DIR or ~/.local/share/cccd-kiosk).",
    )
    parser.add_argument(
        "--data-dir", help="kiosk data directory (default: $CCCD_KIOSK_DATA_DIR or ~/.local/share/cccd-kiosk)"
    )
    actions = parser.add_subparsers(dest="trust_command", metavar="ACTION")
    imp = actions.add_parser("import", help="import CSCA master lists (.ml), CSCA certificates and CRLs")
    imp.add_argument("files", nargs="+", type=Path)
    imp.add_argument(
        "--root",
        action="append",
        type=Path,
        default=[],
        help="root certificate that signs a master list's signer (repeatable), e.g. DE_ROOT_CA_CSCA07.cer",
    )
    imp.add_argument("--json", action="store_true")
    lst = actions.add_parser("list", help="list trusted CSCAs, link certificates and CRLs")
    lst.add_argument("--json", action="store_true")
    fresh = actions.add_parser("freshness", help="overdue CRLs and CSCAs expiring soon (used by selftest)")
    fresh.add_argument("--days", type=int, default=90, help="warn about CSCAs expiring within this many days")
    fresh.add_argument("--json", action="store_true")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from nfc.verify.trust import TrustStore

    command = getattr(args, "trust_command", None)
    if command is None:
        print("usage: cccd-kiosk trust {import,list,freshness} ...")
        return 2
    try:
        store = TrustStore(trust_directory(args))
        if command == "import":
            return _import(store, args)
        if command == "list":
            return _list(store, args)
        return _freshness(store, args)
    except NfcError as exc:
        return report_error(exc)
    except OSError as exc:
        print(f"error [io-error]: {exc}", file=sys.stderr)
        return EXIT_INCOMPLETE


def _import(store: Any, args: argparse.Namespace) -> int:
    report = store.import_files(args.files, master_list_roots=args.root)
    if args.json:
        print(
            json.dumps(
                {
                    "files": report.files,
                    "master_lists": report.master_lists,
                    "cscas_added": report.cscas_added,
                    "links_added": report.links_added,
                    "crls_added": report.crls_added,
                    "already_present": report.already_present,
                    "rejected": report.rejected,
                    "problems": [{"file": f, "reason": r, "message": m} for f, r, m in report.problems],
                    "master_list_counts": [
                        {"file": f, "total": t, "cscas": c, "links": li, "rejected": rj}
                        for f, t, c, li, rj in report.master_list_counts
                    ],
                },
                indent=2,
            )
        )
    else:
        for name, total, cscas, links, rejected in report.master_list_counts:
            print(
                f"{name}: signature OK; {total} certificates: {cscas} CSCAs, {links} link certificates, "
                f"{rejected} not verifiable"
            )
        print(
            f"added: {report.cscas_added} CSCAs, {report.links_added} link certificates, "
            f"{report.crls_added} CRLs "
            f"({report.already_present} already present, {report.rejected} rejected)"
        )
        for name, reason, message in report.problems:
            print(f"  rejected {name} [{reason}]: {message}")
    return EXIT_OK if report.rejected == 0 else EXIT_INCOMPLETE


def _list(store: Any, args: argparse.Namespace) -> int:
    entries = store.list()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "kind": e.kind,
                        "subject": e.subject,
                        "source": e.source,
                        "sha256": e.fingerprint,
                        "until": e.not_after.isoformat() if e.not_after else None,
                    }
                    for e in entries
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    for e in entries:
        until = e.not_after.date().isoformat() if e.not_after else "-"
        print(f"{e.kind:5} {until}  {e.subject}  [{e.source}]")
    print(f"{len(entries)} entries in {store.directory}")
    return EXIT_OK


def _freshness(store: Any, args: argparse.Namespace) -> int:
    report = store.freshness(datetime.now(UTC), expiring_within_days=args.days)
    if args.json:
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "cscas": report.cscas,
                    "crls": report.crls,
                    "expired_cscas": list(report.expired_cscas),
                    "expiring_cscas": [{"subject": s, "not_after": d.isoformat()} for s, d in report.expiring_cscas],
                    "overdue_crls": [{"issuer": s, "next_update": d.isoformat()} for s, d in report.overdue_crls],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        print(
            f"{report.cscas} CSCAs, {report.crls} CRLs; {len(report.expired_cscas)} expired, "
            f"{len(report.expiring_cscas)} expiring within {args.days} days, "
            f"{len(report.overdue_crls)} CRLs overdue"
        )
        for subject, when in report.overdue_crls:
            print(f"  CRL overdue since {when.date().isoformat()}: {subject}")
        for subject, when in report.expiring_cscas:
            print(f"  CSCA expires {when.date().isoformat()}: {subject}")
    return EXIT_OK if report.ok else EXIT_INCOMPLETE
