"""Fault drills: what happens when the card leaves or pcscd dies at the worst moment.

- :func:`removal_sweep`: for every APDU index of a full PACE read, the card leaves the field instead of
  answering; the read must end in a typed error (or a result marked incomplete) — never a ``CardRead``
  claiming to be complete — and the next tap (a fresh card and connection) must read fully.
- :func:`restart_drill`: pcscd is restarted while idle or during a read; ``CardWatcher`` must report
  ``SERVICE_LOST`` and then the card again, and the next read must work without restarting the process.

Used by ``scripts/faults`` and tests/faults. Nothing personal is reported: indexes, reason codes, counts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nfc.access.keys import CanKey
from nfc.errors import NfcError
from nfc.model import CardRead
from nfc.reader import ReadPlan, read_card
from nfc.transport.base import CardConnection, CardEvent, CardEventKind
from nfc.virtual.builder import VirtualCccd, build_card
from nfc.virtual.faults import FaultPlan

VIRTUAL_READER = "Virtual PCD 00 00"
#: between lifting one card and tapping the next: a person needs longer, and vpcd needs ~1 s to settle
LIFT_PAUSE_S = 1.0


@dataclass(frozen=True)
class RemovalOutcome:
    index: int  # the card left instead of answering APDU index+1 (index 0 = before the first APDU)
    #: "typed-error:<reason>", "incomplete-read", "complete-read" or "untyped-error:<type>"
    outcome: str
    recovered: bool  # the next tap read the whole card
    link: str = "memory"

    @property
    def clean(self) -> bool:
        """A typed error or an honest 'incomplete' result, and the next tap worked."""
        return self.recovered and self.outcome.split(":")[0] in ("typed-error", "incomplete-read")


@dataclass(frozen=True)
class RestartOutcome:
    during_read: bool
    read_error: str | None  # reason code of the interrupted read (during_read only)
    service_lost_reported: bool
    card_seen_again: bool
    next_read_complete: bool
    events: tuple[str, ...] = field(default=())

    @property
    def clean(self) -> bool:
        return (self.service_lost_reported and self.card_seen_again and self.next_read_complete
                and (not self.during_read or self.read_error is not None))


def _reference() -> VirtualCccd:
    return build_card()


def full_read(connection: CardConnection, built: VirtualCccd) -> CardRead:
    return read_card(connection, CanKey(built.citizen.can), ReadPlan())


def _matches(read: CardRead, built: VirtualCccd) -> bool:
    names = ("COM", "DG1", "DG2", "DG13", "DG14", "DG15", "SOD")
    return read.complete and all(read.file_bytes(n) == built.file(n) for n in names)


def count_read_apdus(built: VirtualCccd | None = None) -> int:
    """APDUs of one full PACE read of the virtual card (the sweep covers every one of them)."""
    from nfc.transport.memory import MemoryConnection

    built = built or _reference()
    card = built.card()
    read = full_read(MemoryConnection(card), built)
    if not _matches(read, built):
        raise AssertionError("the reference read of the virtual card is not complete")
    return int(card.apdu_count)


def _classify(attempt: Callable[[], CardRead]) -> str:
    try:
        read = attempt()
    except NfcError as exc:
        return f"typed-error:{exc.reason}"
    except Exception as exc:  # reported, never hidden: this is what the sweep looks for
        return f"untyped-error:{type(exc).__name__}"
    return "complete-read" if read.complete else "incomplete-read"


def removal_sweep(indexes: Sequence[int] | None = None, *, built: VirtualCccd | None = None,
                  progress: Callable[[RemovalOutcome], None] | None = None) -> list[RemovalOutcome]:
    """In-process sweep (virtual card, memory link): removal before each APDU index."""
    from nfc.transport.memory import MemoryConnection

    built = built or _reference()
    if indexes is None:
        indexes = range(count_read_apdus(built))
    results = []
    for index in indexes:
        faulty = MemoryConnection(built.card(faults=FaultPlan(remove_after=index)))
        outcome = _classify(lambda c=faulty: full_read(c, built))  # type: ignore[misc]
        faulty.close()
        fresh = MemoryConnection(built.card())
        try:
            recovered = _matches(full_read(fresh, built), built)
        except NfcError:
            recovered = False
        result = RemovalOutcome(index, outcome, recovered)
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def _tap(built: VirtualCccd, reader: str, faults: FaultPlan | None = None) -> Any:
    """Put a fresh card on the vpcd reader and wait until pcscd sees it; returns the bridge."""
    from nfc.errors import NoCardError
    from nfc.transport.pcsc import wait_for_card
    from nfc.virtual.vpcd import VpcdBridge

    for attempt in range(3):
        bridge = VpcdBridge(built.card(faults=faults) if faults else built.card())
        bridge.insert(timeout=5.0)
        try:
            wait_for_card(reader, timeout=2.0)
            return bridge
        except NoCardError:
            # vpcd can miss a card that connects right after a card vanished mid-APDU (it is still
            # tearing down the old link); a person re-taps, so do we
            bridge.remove()
            time.sleep(0.5 * (attempt + 1))
    raise NoCardError("the virtual card was not seen by pcscd after 3 taps")


def _lift(bridge: Any, reader: str) -> None:
    from nfc.transport.pcsc import wait_for_removal

    bridge.remove()
    wait_for_removal(reader, timeout=5.0)
    time.sleep(LIFT_PAUSE_S)


def _pcsc_read(built: VirtualCccd, reader: str) -> CardRead:
    from nfc.transport.pcsc import PcscConnection

    connection = PcscConnection(reader)
    try:
        return full_read(connection, built)
    finally:
        connection.close()


def pcscd_removal_sample(indexes: Sequence[int], *, built: VirtualCccd | None = None,
                         reader: str = VIRTUAL_READER) -> list[RemovalOutcome]:
    """The same drill through pyscard → pcscd → vpcd (needs a running pcscd with vpcd)."""
    built = built or _reference()
    results = []
    for index in indexes:
        bridge = _tap(built, reader, FaultPlan(remove_after=index))
        outcome = _classify(lambda: _pcsc_read(built, reader))
        _lift(bridge, reader)
        bridge = _tap(built, reader)
        try:
            recovered = _matches(_pcsc_read(built, reader), built)
        except NfcError:
            recovered = False
        finally:
            _lift(bridge, reader)
        results.append(RemovalOutcome(index, outcome, recovered, link="pcscd"))
    return results


def _wait(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def restart_drill(stack: Any, *, during_read: bool, built: VirtualCccd | None = None,
                  reader: str = VIRTUAL_READER, slow_ms: float = 40.0) -> RestartOutcome:
    """Restart pcscd (``stack``: a :class:`nfc.virtual.stack.PcscdStack` that started it) while idle or in
    the middle of a read, with a :class:`CardWatcher` running the whole time like the kiosk's."""
    from nfc.transport.pcsc import CardWatcher

    built = built or _reference()
    events: list[CardEvent] = []
    lock = threading.Lock()

    def record(event: CardEvent) -> None:
        with lock:
            events.append(event)

    def kinds() -> list[CardEventKind]:
        with lock:
            return [e.kind for e in events]

    watcher = CardWatcher(record, poll_ms=100, retry_s=0.2).start()
    bridge = None
    read_error: str | None = None
    try:
        bridge = _tap(built, reader, FaultPlan(slow_ms=slow_ms) if during_read else None)
        _wait(lambda: CardEventKind.INSERTED in kinds(), 5.0)
        mark = len(kinds())
        if during_read:
            box: list[str] = []
            reading = threading.Thread(target=lambda: box.append(_classify(lambda: _pcsc_read(built, reader))))
            reading.start()
            time.sleep(0.4)  # PACE is done, files are being read
            stack.restart()
            reading.join(30.0)
            outcome = box[0] if box else "no-answer"
            read_error = outcome.split(":", 1)[1] if outcome.startswith("typed-error:") else None
        else:
            stack.restart()
        bridge.remove()
        lost = _wait(lambda: CardEventKind.SERVICE_LOST in kinds()[mark:], 5.0)
        bridge = _tap(built, reader)  # the next patient's tap, in the same process
        after_loss = kinds()[mark:]
        seen = _wait(lambda: CardEventKind.INSERTED in kinds()[mark:][after_loss.index(CardEventKind.SERVICE_LOST)
                                                                      if lost else 0:], 5.0)
        try:
            complete = _matches(_pcsc_read(built, reader), built)
        except NfcError:
            complete = False
    finally:
        if bridge is not None:
            bridge.remove()
        watcher.stop()
    return RestartOutcome(during_read, read_error, lost, seen, complete, tuple(k.value for k in kinds()))


def main(argv: Sequence[str] | None = None) -> int:
    """``scripts/faults``: the whole drill; one summary line (``--json FILE`` for the details)."""
    import argparse
    import json
    from dataclasses import asdict

    parser = argparse.ArgumentParser(prog="scripts/faults", description="card removal and pcscd restart drills")
    parser.add_argument("--pcscd-samples", type=int, default=8, help="removal indexes to replay through pcscd")
    parser.add_argument("--no-pcscd", action="store_true", help="in-process sweep only")
    parser.add_argument("--json", help="write every outcome here")
    args = parser.parse_args(argv)

    built = _reference()
    apdus = count_read_apdus(built)
    memory = removal_sweep(range(apdus), built=built)
    pcscd: list[RemovalOutcome] = []
    restarts: list[RestartOutcome] = []
    note = ""
    if not args.no_pcscd:
        from nfc.virtual.stack import PcscdStack, running_pcscd_pid, stack_available

        ok, why = stack_available()
        if not ok or running_pcscd_pid() is not None:
            note = f" (pcscd drills skipped: {why if not ok else 'a pcscd not started here is running'})"
        else:
            step = max(1, apdus // max(1, args.pcscd_samples))
            with PcscdStack() as stack:
                pcscd = pcscd_removal_sample(list(range(0, apdus, step))[: args.pcscd_samples], built=built)
                restarts = [restart_drill(stack, during_read=False), restart_drill(stack, during_read=True)]
    claimed = sum(1 for r in memory + pcscd if r.outcome == "complete-read")
    untyped = sum(1 for r in memory + pcscd if r.outcome.startswith("untyped"))
    restart_text = ", ".join(f"{'during read' if r.during_read else 'idle'} {'ok' if r.clean else 'FAILED'}"
                             for r in restarts) or "not run"
    print(f"faults: removal at {apdus} APDU indexes: {sum(r.clean for r in memory)}/{len(memory)} clean (in-process), "
          f"{sum(r.clean for r in pcscd)}/{len(pcscd)} clean (pcscd); {claimed} partial reads claimed complete, "
          f"{untyped} untyped errors; pcscd restart: {restart_text}{note}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"apdus": apdus, "memory": [asdict(r) for r in memory], "pcscd": [asdict(r) for r in pcscd],
                       "restarts": [asdict(r) for r in restarts]}, out, indent=1)
    bad = claimed or untyped or not all(r.clean for r in memory + pcscd) or not all(r.clean for r in restarts)
    return 1 if bad else 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
