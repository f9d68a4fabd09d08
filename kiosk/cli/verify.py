"""``cccd-kiosk verify DIR``: verify a folder of LDS files offline (EF_SOD.bin, DatagroupN.bin, ef01XX.bin).

Exit codes: 0 authentic, 9 issuer-unknown (SOD and hashes valid, DSC not chained), 1 failed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from kiosk.cli._common import EXIT_INCOMPLETE, EXIT_OK, report_error
from kiosk.cli.trust import trust_directory
from nfc.errors import NfcError

EXIT_ISSUER_UNKNOWN = 9


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="verify a folder of LDS files (Passive Authentication against the trust store)",
        description="Checks the EF.SOD signature, every data group hash and the DSC chain to a trusted CSCA.",
    )
    parser.add_argument(
        "directory", type=Path, help="folder with EF_SOD.bin / DatagroupN.bin or ef011D.bin / ef01NN.bin"
    )
    parser.add_argument("--json", action="store_true", help="print the verification report as JSON")
    parser.add_argument("--data-dir", help="kiosk data directory holding the trust store")
    parser.add_argument("--no-trust", action="store_true", help="do not use the trust store (chain not checked)")
    parser.add_argument("--require-crl", action="store_true", help="fail when no current CRL covers the DSC")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from nfc.verify.chain import ChainPolicy
    from nfc.verify.folder import verify_folder
    from nfc.verify.report import Verdict
    from nfc.verify.trust import TrustStore

    try:
        trust = None if args.no_trust else TrustStore(trust_directory(args))
        report = verify_folder(args.directory, trust=trust, policy=ChainPolicy(require_crl=args.require_crl))
    except NfcError as exc:
        return report_error(exc)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print(f"verdict: {report.verdict.value}" + (f" ({report.reason})" if report.reason else ""))
        if report.dsc_subject:
            print(f"document signer: {report.dsc_subject}" + (f"  AKI {report.dsc_aki}" if report.dsc_aki else ""))
        if report.csca_subject:
            print(f"CSCA: {report.csca_subject}")
        for step in report.steps:
            extra = f" [{step.algorithm}]" if step.algorithm else ""
            why = f" ({step.reason})" if step.reason and step.status.value != "passed" else ""
            print(f"  {step.status.value:11} {step.name}{extra}{why}")
    if report.verdict is Verdict.AUTHENTIC:
        return EXIT_OK
    if report.verdict is Verdict.ISSUER_UNKNOWN:
        return EXIT_ISSUER_UNKNOWN
    return EXIT_INCOMPLETE
