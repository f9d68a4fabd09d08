"""``cccd-kiosk bhyt-emulator`` and ``cccd-kiosk fhir-emulator``: run the local BHYT gateway emulator or
the local FHIR server by hand (tests and the demo start them in-process instead).

Each prints one JSON line ``{"event": "ready", "url": ...}`` and serves until Ctrl-C or SIGTERM.
Test and training use only: the data is synthetic and nothing is authenticated beyond the gateway's
own token scheme.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    bhyt = subparsers.add_parser(
        "bhyt-emulator", help="run the local BHYT gateway emulator (test and demo only)",
        description="Same wire format as the BHXH gateway (token login, KQNhanLichSuKCB2024).",
    )
    bhyt.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    bhyt.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    bhyt.add_argument("--code", help="force this maKetQua for every look-up (e.g. 010, 060, 500)")
    bhyt.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    bhyt.add_argument("--auth-error", choices=("http", "body"), default="http",
                      help="how a stale token is reported (HTTP 401, or maKetQua 401 in a 200)")
    bhyt.add_argument("--token-ttl", type=float, help="token lifetime in seconds (default: no expiry)")
    bhyt.add_argument("--people", type=Path,
                      help="JSON list of people (fields of kiosk.insurance.emulator.TestPerson) to add")
    bhyt.set_defaults(handler=run_bhyt)

    fhir = subparsers.add_parser(
        "fhir-emulator", help="run the local FHIR R4 server (test, demo, offline sites)",
        description="Minimal FHIR R4: Patient/Appointment/Encounter read, search, create, update.",
    )
    fhir.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    fhir.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    fhir.add_argument("--db", type=Path, help="SQLite file to keep data across restarts (default: memory)")
    fhir.add_argument("--require-if-match", action="store_true", help="refuse updates without If-Match (428)")
    fhir.add_argument("--seed-demo", action="store_true",
                      help="add the demo person (holder of the virtual card) with a booking today")
    fhir.set_defaults(handler=run_fhir)


def _ready_until_signal(**fields: object) -> None:
    """Print the ready line, then serve until SIGTERM or Ctrl-C. The handler is installed *before* the line:
    a caller that reads it and stops the emulator at once must not kill it mid-start (exit -15, not 0)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(json.dumps({"event": "ready", **fields}, ensure_ascii=False), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass


def run_bhyt(args: argparse.Namespace) -> int:
    from kiosk.insurance.codes import CODE_TABLE
    from kiosk.insurance.emulator import BhytEmulator, TestPerson

    if args.code is not None and args.code not in CODE_TABLE:
        print(f"error [bad-code]: {args.code!r} is not a maKetQua code; known: {', '.join(CODE_TABLE)}",
              file=sys.stderr)
        return 2
    emulator = BhytEmulator(auth_error=args.auth_error, token_ttl=args.token_ttl, host=args.host, port=args.port)
    if args.people:
        try:
            entries = json.loads(args.people.read_text(encoding="utf-8"))
            for entry in entries:
                emulator.add_person(TestPerson(**entry))
        except (OSError, ValueError, TypeError) as exc:
            print(f"error [bad-people-file]: {type(exc).__name__}; expected a JSON list of objects with "
                  "id_number, full_name, date_of_birth, sex, address, card_number, valid_from, valid_to",
                  file=sys.stderr)
            return 2
    if args.code is not None or args.delay:
        emulator.set_scenario(code=args.code, delay=args.delay)
    try:
        emulator.start()
    except OSError as exc:
        print(f"error [bind]: cannot listen on {args.host}:{args.port} ({exc.strerror})", file=sys.stderr)
        return 3
    creds = emulator.credentials()
    _ready_until_signal(url=emulator.url, username=creds.username, password=creds.password,
                        officer_id=creds.officer_id_number, officer_name=creds.officer_name)
    emulator.stop()
    return 0


def run_fhir(args: argparse.Namespace) -> int:
    from kiosk.his.fhir_adapter import CCCD_SYSTEM, VIETNAM_TZ
    from kiosk.his.fhir_server import FhirServer
    from kiosk.his.models import HisIdentity
    from kiosk.insurance.emulator import demo_person

    try:
        server = FhirServer(db_path=args.db, host=args.host, port=args.port,
                            require_if_match=args.require_if_match).start()
    except OSError as exc:
        print(f"error [bind]: cannot listen on {args.host}:{args.port} ({exc.strerror})", file=sys.stderr)
        return 3
    seeded: dict[str, str] = {}
    if args.seed_demo:
        person = demo_person()
        born = dt.datetime.strptime(person.date_of_birth, "%d/%m/%Y").date().isoformat()
        identity = HisIdentity(person.id_number, person.full_name, born, "male", person.address)
        patient_id = server.seed_patient(identity, cccd_system=CCCD_SYSTEM)
        now = dt.datetime.now(VIETNAM_TZ)
        start = min(now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1),
                    now.replace(hour=23, minute=30, second=0, microsecond=0))  # stays "today"
        seeded = {"patient": patient_id, "appointment": server.seed_appointment(patient_id, start)}
    _ready_until_signal(url=server.url, seeded=seeded)
    server.close()
    return 0
