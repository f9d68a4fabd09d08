"""``cccd-kiosk ocr``: read the MRZ or the CCCD QR code from images (or the live camera).

Technician command: it prints the MRZ lines and fields on stdout on purpose, but never logs them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("ocr", help="read the MRZ or CCCD QR code from images or the camera",
                              description=__doc__.splitlines()[0])
    p.add_argument("images", nargs="*", metavar="IMAGE", type=Path)
    p.add_argument("--json", action="store_true", help="one JSON object per line (default: readable text)")
    p.add_argument("--camera", action="store_true", help="read from the live camera instead of files")
    p.add_argument("--device", default="0", help="camera device index or path (with --camera)")
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=960)
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a read (with --camera)")
    p.add_argument("--no-qr", action="store_true", help="MRZ only")
    p.set_defaults(handler=run)


def read_image(path: Path, *, want_qr: bool = True) -> dict[str, Any]:
    """The JSON record for one image file (never raises for bad input)."""
    from ocr.errors import OcrError
    from ocr.image import load_image
    from ocr.mrz.engine import read_mrz
    from ocr.qr import decode_qr

    t0 = time.perf_counter()
    record: dict[str, Any] = {"image": str(path), "found": False, "kind": None, "format": None, "lines": [],
                              "valid": False, "fields": {}}
    try:
        image = load_image(path)
        mrz = read_mrz(image)
        if mrz is not None:
            record.update(found=True, kind="mrz", format=mrz.format, lines=list(mrz.lines), valid=mrz.valid,
                          fields=dict(mrz.fields) if mrz.valid else {},
                          confidence={k: round(v, 3) for k, v in mrz.confidence.items()},
                          # why a read was refused: check digits, CCCD rules, states, the second opinion
                          failed_checks=sorted(name for name, ok in mrz.checks.items() if not ok))
        if (mrz is None or not mrz.valid) and want_qr:
            try:
                qr = decode_qr(image)
            except OcrError as exc:
                record.setdefault("errors", []).append(exc.reason)
                qr = None
            if qr is not None:
                record.update(found=True, kind="qr", format="CCCD-QR", lines=[], valid=True, fields=qr.fields())
                record.pop("confidence", None)
                record.pop("failed_checks", None)
    except OcrError as exc:
        record["error"] = {"reason": exc.reason, "message": str(exc), "hint": exc.hint}
    record["ms"] = round((time.perf_counter() - t0) * 1000, 1)
    return record


def _print(record: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(record, ensure_ascii=False))
        return
    print(f"{record['image']}: ", end="")
    if "error" in record:
        print(f"error {record['error']['reason']}: {record['error']['message']}")
        return
    if not record["found"]:
        print(f"nothing found ({record['ms']} ms)")
        return
    print(f"{record['kind']} {record['format']} {'valid' if record['valid'] else 'NOT valid'} ({record['ms']} ms)")
    if record.get("failed_checks"):
        print(f"  failed: {', '.join(record['failed_checks'])}")
    for line in record["lines"]:
        print(f"  {line}")
    for key, value in record["fields"].items():
        print(f"  {key}: {value}")


def _camera(args: argparse.Namespace) -> int:
    from ocr.camera import CameraSettings, OpenCvCamera, scan
    from ocr.errors import OcrError

    device: int | str = int(args.device) if str(args.device).isdigit() else args.device
    try:
        source = OpenCvCamera(CameraSettings(device=device, width=args.width, height=args.height))
    except OcrError as exc:
        print(f"camera: {exc} — {exc.hint}", file=sys.stderr)
        return 1
    last = None
    for event in scan(source, timeout=args.timeout, want_qr=not args.no_qr):
        if event.quality.guidance != last and not args.json:
            last = event.quality.guidance
            print(f"[{last}] {event.quality.text('en')} / {event.quality.text('vi')}", file=sys.stderr)
        record: dict[str, Any] | None = None
        if event.mrz is not None:
            record = {"image": "camera", "found": True, "kind": "mrz", "format": event.mrz.format,
                      "lines": list(event.mrz.lines), "valid": event.mrz.valid, "fields": dict(event.mrz.fields)}
        elif event.qr is not None:
            record = {"image": "camera", "found": True, "kind": "qr", "format": "CCCD-QR", "lines": [],
                      "valid": True, "fields": event.qr.fields()}
        if record is not None:
            record["ms"] = 0.0
            _print(record, args.json)
            return 0
    print("no MRZ or QR code read before the timeout", file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    if args.camera:
        return _camera(args)
    if not args.images:
        print("give one or more IMAGE files, or --camera", file=sys.stderr)
        return 2
    status = 0
    for path in args.images:
        record = read_image(path, want_qr=not args.no_qr)
        _print(record, args.json)
        if not record["found"] or "error" in record:
            status = 1
    return status
