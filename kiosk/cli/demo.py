"""``cccd-kiosk demo``: one full patient check-in on the virtual CCCD with the embedded defaults.

QR on the card → CAN → PACE → Passive + Chip + Active Authentication → BHYT look-up (local gateway
emulator) → HIS check-in (local FHIR server) → durable visit with queue number → ticket (PNG + ESC/POS file).
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.cli._common import EXIT_OK, report_error
from nfc.errors import NfcError

EXIT_NOT_CHECKED_IN = 1


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="run one full check-in on the virtual card (the main job)")
    parser.add_argument("--json", action="store_true", help="machine-readable summary")
    parser.add_argument("--transport", choices=("auto", "pcscd", "memory"), default="auto",
                        help="auto: pcscd + vpcd when they can run here, else in-process (default)")
    parser.add_argument("--out", type=Path, default=Path("demo-output"),
                        help="folder for the ticket PNG/ESC-POS and the demo's data (default ./demo-output)")
    parser.add_argument("--language", choices=("vi", "en"), default="vi")
    parser.set_defaults(handler=run)


def qr_image_png(text: str) -> bytes:
    import qrcode

    image = qrcode.make(text, box_size=6, border=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def run(args: argparse.Namespace) -> int:
    from kiosk.demo import DemoEnvironment, citizen_qr_payload
    from kiosk.errors import KioskError
    from nfc.access.keys import CanKey
    from ocr.image import decode_image
    from ocr.qr import decode_qr

    out: Path = args.out
    if out.exists():
        shutil.rmtree(out / "data", ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    try:
        with DemoEnvironment(data_dir=out / "data", transport=args.transport, language=args.language) as env:
            if not args.json:
                print(f"cccd-kiosk demo — {env.transport_note}")
                print("  local BHYT gateway emulator and local FHIR server started on 127.0.0.1")
            # the patient shows the QR on the card to the camera: decode it like a camera frame
            started = time.perf_counter()
            payload = citizen_qr_payload(env.citizen)
            (out / "card-qr.png").write_bytes(qr_image_png(payload))
            qr = decode_qr(decode_image((out / "card-qr.png").read_bytes()))
            if qr is None:
                print("error: the QR code on the card could not be decoded", file=sys.stderr)
                return 1
            timings["qr"] = (time.perf_counter() - started) * 1000
            view = env.tap(CanKey(qr.can), qr_text=payload)
            timings.update(dict(view.timings_ms))
            summary = _summary(env, view, timings, out)
    except (NfcError, KioskError) as exc:
        return report_error(exc)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        _print(summary)
    return EXIT_OK if summary["state"] == "done" else EXIT_NOT_CHECKED_IN


def _summary(env: Any, view: Any, timings: dict[str, float], out: Path) -> dict[str, Any]:
    ticket = view.ticket
    ticket_png = None
    if ticket is not None and ticket.png:
        ticket_png = out / "ticket.png"
        ticket_png.write_bytes(ticket.png)
    store = env.wiring.store
    visits = store.checkins()
    return {
        "transport": env.transport,
        "transport_note": env.transport_note,
        "state": view.state.value,
        "failure": view.failure.code if view.failure else None,
        "failure_text": view.failure.en if view.failure else None,
        "verdict": view.verdict,
        "insurance": view.insurance,
        "notices": [n.code for n in view.notices],
        "masked_name": view.masked_name,
        "queue_number": ticket.queue_number if ticket else None,
        "department": ticket.department if ticket else None,
        "room": ticket.room if ticket else None,
        "staff_confirmation": ticket.staff_confirmation if ticket else None,
        "ticket_png": str(ticket_png) if ticket_png else None,
        "ticket_escpos": str(out / "data" / "ticket.escpos") if ticket and ticket.printed else None,
        "his_encounters": env.fhir.count("Encounter"),
        "outbox": {k: v for k, v in store.outbox.depth().__dict__.items()},
        "visits_stored": len(visits),
        "apdus": len(env.virtual.log),
        "timings_ms": {k: round(v, 1) for k, v in timings.items()},
        "tap_to_ticket_ms": round(sum(v for k, v in timings.items() if k != "qr"), 1),
    }


def _print(s: dict[str, Any]) -> None:
    print()
    if s["state"] != "done":
        print(f"Check-in did not complete: {s['failure']} — {s['failure_text']}")
        return
    print(f"Patient        : {s['masked_name']}")
    print(f"Card verdict   : {s['verdict']}")
    print(f"Insurance      : {s['insurance']}")
    print(f"Queue number   : {s['queue_number']}  ({s['department']}, {s['room']})")
    if s["staff_confirmation"]:
        print("                 marked for staff confirmation")
    if s["notices"]:
        print(f"Notices        : {', '.join(s['notices'])}")
    print(f"HIS encounters : {s['his_encounters']}   outbox: {s['outbox']}")
    print(f"Ticket         : {s['ticket_png']}")
    print("Step timings   : " + ", ".join(f"{k} {v:.0f} ms" for k, v in s["timings_ms"].items()))
    print(f"Tap → ticket   : {s['tap_to_ticket_ms']:.0f} ms over {s['apdus']} APDUs ({s['transport']})")
