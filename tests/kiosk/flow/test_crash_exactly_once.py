"""Issue 5 acceptance — crash test: kill -9 at random points during 200 check-ins with the HIS flapping; after
restart and drain every visit is in the HIS exactly once, none lost, no queue number twice.

The FHIR server (file-backed) runs in this process and stays up; a flapper thread switches it between
healthy, 503 and "drop" (the POST is committed but the answer is lost — the case idempotency keys exist
for). A worker subprocess checks the patients in against the shared data folder and is SIGKILLed at
random moments, then restarted, until it has checked everyone in.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from kiosk.flow.checkin import OP_HIS_CHECKIN
from kiosk.his.fhir_adapter import CCCD_SYSTEM, CHECKIN_KEY_SYSTEM, DEPARTMENT_SYSTEM
from kiosk.his.fhir_server import FhirServer
from kiosk.privacy import id_hash, id_hash_key
from kiosk.store.outbox import idempotency_key

WORKER_PATH = Path(__file__).with_name("checkin_crash_worker.py")


def _load_worker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("checkin_crash_worker", WORKER_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


worker = _load_worker()


def _noon_offset() -> int:
    """A site UTC offset that puts "now" near local noon, so no run straddles a queue day boundary."""
    return 12 - dt.datetime.now(dt.UTC).hour  # -11 … +12


class Flapper(threading.Thread):
    """Turns the HIS bad and good again at random, until stopped."""

    def __init__(self, fhir: FhirServer, rng: random.Random) -> None:
        super().__init__(name="his-flapper", daemon=True)
        self.fhir, self.rng = fhir, rng
        self.halt = threading.Event()
        self.outages = 0

    def run(self) -> None:
        while not self.halt.is_set():
            self.halt.wait(self.rng.uniform(0.05, 0.25))  # healthy for a moment
            if self.halt.is_set():
                break
            if self.rng.random() < 0.3:
                self.fhir.set_failure("drop", count=self.rng.randint(1, 3), methods=["POST"])
            else:
                self.fhir.set_failure("503")
            self.outages += 1
            self.halt.wait(self.rng.uniform(0.03, 0.2))
            self.fhir.clear_failure()
        self.fhir.clear_failure()


def _run_until_killed(args: list[str], rng: random.Random, kill_after: int | None
                      ) -> tuple[list[list[str]], bool]:
    """Start the worker; SIGKILL it a random moment after its ``kill_after``-th output line (None: no kill).
    Returns the complete output lines and whether it finished by itself. Counting lines, not seconds,
    lands every kill mid-run however fast the machine replays the check-ins already done (a delay alone
    once outlasted a whole run on a fresh CI machine, so fewer kills landed than the test asks for)."""
    proc = subprocess.Popen([sys.executable, str(WORKER_PATH), *args], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    read: list[str] = []
    if kill_after is not None:
        while len(read) < kill_after:
            line = proc.stdout.readline()
            read.append(line)
            if not line or line.strip() == "DONE":
                break
        else:
            time.sleep(rng.uniform(0.0, 0.05))  # inside the next check-in, or its commit, or just after
            os.kill(proc.pid, signal.SIGKILL)
    rest, _ = proc.communicate(timeout=120)
    if kill_after is not None:
        assert proc.returncode in (0, -signal.SIGKILL)
    else:
        assert proc.returncode == 0, "the worker failed (not killed)"
    # a line cut by the kill is no confirmed check-in; keep whole lines only
    lines = [line.split() for line in ("".join(read) + rest).splitlines()]
    confirmed = [p for p in lines if (len(p) == 7 and p[0] == "C") or p == ["DONE"]]
    return confirmed, bool(confirmed) and confirmed[-1] == ["DONE"]


@pytest.mark.parametrize(("patients", "max_kills"), [
    (200, 10),
    pytest.param(600, 60, marks=pytest.mark.slow),
])
def test_kill_minus_nine_during_checkins_with_his_flapping(tmp_path: Path, patients: int, max_kills: int) -> None:
    seed = int(os.environ.get("CHECKIN_CRASH_SEED", "0")) or random.randrange(1 << 30)
    rng = random.Random(seed)
    data_dir = tmp_path / "kiosk"
    offset = _noon_offset()
    with FhirServer(db_path=tmp_path / "his.sqlite3") as fhir:
        flapper = Flapper(fhir, random.Random(seed + 1))
        flapper.start()
        args = [str(data_dir), fhir.url, str(patients), str(offset)]
        confirmed: dict[int, tuple[str, str, int]] = {}  # patient index → (visit id, department, number)
        kills = offline = 0
        finished = False
        try:
            while not finished:
                # each run replays the check-ins already confirmed, then goes on: kill it within the first
                # quarter of the new ones, so that every kill lands before the run ends
                fresh = patients - len(confirmed)
                kill_after = len(confirmed) + rng.randint(1, max(1, fresh // 4)) if kills < max_kills else None
                lines, finished = _run_until_killed(args, rng, kill_after)
                kills += 0 if finished else 1
                for parts in lines:
                    if parts[0] != "C":
                        continue
                    index, visit_id, dept, number = int(parts[1]), parts[2], parts[3], int(parts[4])
                    # a patient seen again after a restart must get the visit the first run committed
                    assert confirmed.setdefault(index, (visit_id, dept, number)) == (visit_id, dept, number), (
                        f"seed {seed}: patient {index} got a second visit after a restart")
                    offline += parts[5] == "0" and parts[6] == "0"
        finally:
            flapper.halt.set()
            flapper.join(5)
        assert kills >= min(max_kills, 3), f"seed {seed}: the kills did not land mid-run"
        assert flapper.outages > 0 and offline > 0, f"seed {seed}: the HIS never failed a check-in"
        assert sorted(confirmed) == list(range(patients))

        # restart once more and drain until the outbox is empty; the clock is moved past the leases the
        # killed workers held and past every retry backoff
        shift = [0.0]
        store, his, service = worker.open_service(data_dir, fhir.url, offset,
                                                  clock=lambda: time.time() + shift[0])
        try:
            for _ in range(10):
                shift[0] += 3600.0
                service.drain()
                if store.outbox.depth().pending == 0:
                    break
            depth = store.outbox.depth()
            assert (depth.pending, depth.dead) == (0, 0), (
                f"seed {seed}: outbox not empty after drain {depth}; dead: {store.outbox.dead_letters()}")
            assert store.integrity_check() == []

            visits = store.checkins()
            key = id_hash_key(data_dir)
            # every patient exactly once in the store, with the visit the worker confirmed
            assert len(visits) == patients, f"seed {seed}: {len(visits)} visits for {patients} patients"
            by_hash = {v.id_hash: v for v in visits}
            for index, (visit_id, dept, number) in confirmed.items():
                visit = by_hash[id_hash(worker.synthetic_identity(index).id_number, key)]
                assert (visit.visit_id, visit.department, visit.queue_number) == (visit_id, dept, number)
                assert store.outbox.status_of(visit.visit_id) == {OP_HIS_CHECKIN: "delivered"}
            # queue numbers: never twice, and no gaps (a killed transaction gives its number back)
            numbers = Counter((v.department, v.queue_day, v.queue_number) for v in visits)
            assert max(numbers.values()) == 1, f"seed {seed}: duplicate queue number"
            for dept in {v.department for v in visits}:
                drawn = sorted(v.queue_number for v in visits if v.department == dept)
                assert drawn == list(range(1, len(drawn) + 1)), f"seed {seed}: gap in {dept} numbers"
        finally:
            his.close()
            store.close()

        # the HIS: each visit's Encounter exactly once, for the right patient and department
        encounters = fhir.resources("Encounter")
        assert len(encounters) == patients, f"seed {seed}: {len(encounters)} Encounters for {patients} visits"
        patient_ids = {}
        for patient in fhir.resources("Patient"):
            (ident,) = [i for i in patient["identifier"] if i["system"] == CCCD_SYSTEM]
            assert ident["value"] not in patient_ids, f"seed {seed}: a patient was created twice"
            patient_ids[ident["value"]] = patient["id"]
        assert len(patient_ids) == patients
        for index, (visit_id, dept, _number) in confirmed.items():
            checkin_key = idempotency_key(visit_id, OP_HIS_CHECKIN)
            assert re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", checkin_key)  # sent unchanged by the service
            found = [e for e in encounters
                     if any(i.get("system") == CHECKIN_KEY_SYSTEM and i.get("value") == checkin_key
                            for i in e.get("identifier", []))]
            assert len(found) == 1, f"seed {seed}: visit {index} is {len(found)} times in the HIS"
            assert fhir.count("Encounter", identifier=f"{CHECKIN_KEY_SYSTEM}|{checkin_key}") == 1
            encounter = found[0]
            patient_id = patient_ids[worker.synthetic_identity(index).id_number]
            assert encounter["subject"]["reference"] == f"Patient/{patient_id}"
            (coding,) = encounter["serviceType"]["coding"]
            assert (coding["system"], coding["code"]) == (DEPARTMENT_SYSTEM, dept)
