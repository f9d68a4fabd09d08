"""Full CCCD read with PACE on the virtual card: APDUs, bytes, modeled link time, host CPU.

Compares our plan with a JMRTD-style plan (SELECT + 8-byte header probe + 223-byte blocks) and an
NFCPassportReader-style plan (SELECT + header probe + 160-byte blocks) on the same card, through the same
timing model (nfc/virtual/timing.py). Prints one JSON object.
"""

from __future__ import annotations

import dataclasses
import json
import math
import statistics
import sys
import time
from typing import Any

from nfc.access.keys import CanKey
from nfc.reader import ReadPlan, read_card
from nfc.transport.memory import MemoryConnection
from nfc.virtual.builder import VirtualCccd, build_card
from nfc.virtual.card import CardSettings, VirtualCard
from nfc.virtual.timing import BIT_RATES_KBPS, LinkModel

BASE = ReadPlan(chip_authentication=False, active_authentication=False)
PLANS: dict[str, tuple[ReadPlan, bool]] = {
    "ours (SFI, first block gives length, 223-byte blocks)": (BASE, False),
    "ours + extended length (reader and chip allow it)": (BASE, True),
    "JMRTD-style (SELECT + 8-byte probe + 223-byte blocks)": (
        dataclasses.replace(BASE, use_sfi=False, header_probe=8, block_size=223), False),
    "NFCPassportReader-style (SELECT + probe + 160-byte blocks)": (
        dataclasses.replace(BASE, use_sfi=False, header_probe=4, block_size=160), False),
}


def sm_read_response_len(n: int, block: int = 16) -> int:
    cipher = (n // block + 1) * block
    value = cipher + 1
    header = 2 if value < 0x80 else 3 if value < 0x100 else 4
    return header + value + 4 + 10 + 2


def bound_log(card_log: list[tuple[int, int, int]], built: VirtualCccd, names: list[str], block: int
              ) -> list[tuple[int, int, int]]:
    """The model's bound for a plan: its authentication APDUs as observed, then for every file exactly
    ceil(size / block) protected READ BINARYs carrying nothing but the file's bytes."""
    first_read = next(i for i, (ins, _, _) in enumerate(card_log) if ins == 0xA4 and i > 0)
    ideal = list(card_log[:first_read])
    for name in names:
        size = len(built.file(name))
        for k in range(math.ceil(size / block)):
            chunk = min(block, size - k * block)
            ideal.append((0xB0, 19, sm_read_response_len(chunk)))
    return ideal


def run_plan(built: VirtualCccd, plan: ReadPlan, extended: bool, repeats: int = 5) -> dict[str, Any]:
    settings = CardSettings(extended_length=extended)
    cpu_host: list[float] = []
    result = None
    card: VirtualCard | None = None
    for _ in range(repeats):
        card = VirtualCard(built.content, built.secrets, settings)
        card_cpu = [0.0]
        inner = card.process_apdu

        def timed(apdu: bytes, inner: Any = inner, card_cpu: list[float] = card_cpu) -> bytes:
            started = time.process_time()
            answer: bytes = inner(apdu)
            card_cpu[0] += time.process_time() - started
            return answer

        card.process_apdu = timed  # type: ignore[method-assign]
        started = time.process_time()
        result = read_card(MemoryConnection(card, extended_length=extended), CanKey(built.citizen.can), plan)
        cpu_host.append((time.process_time() - started - card_cpu[0]) * 1000)
    assert result is not None and card is not None and result.complete
    model = LinkModel()
    files = [n for n in result.files if n != "CardAccess"]
    figures: dict[str, Any] = {
        "apdus": result.apdu_count,
        "bytes": result.bytes_total,
        "file_apdus": {n: result.files[n].apdus for n in result.files},
        "host_cpu_ms_median": round(statistics.median(cpu_host), 1),
        "modeled_ms": {str(rate): round(model.at(rate).total_ms(card.log), 1) for rate in BIT_RATES_KBPS},
    }
    if not extended:
        block = plan.block_size or 223
        ideal = bound_log(card.log, built, files, block)
        figures["bound_ms"] = {str(rate): round(model.at(rate).total_ms(ideal), 1) for rate in BIT_RATES_KBPS}
        figures["bound_apdus"] = len(ideal)
    return figures


def main() -> int:
    built = build_card()
    report: dict[str, Any] = {"benchmark": "card", "card": "default virtual CCCD",
                              "file_bytes": {n: len(built.file(n)) for n in
                                             ("COM", "DG1", "DG2", "DG13", "DG14", "DG15", "SOD")},
                              "plans": {}}
    for label, (plan, extended) in PLANS.items():
        report["plans"][label] = run_plan(built, plan, extended)
    ours = report["plans"][next(iter(PLANS))]
    jmrtd = report["plans"][list(PLANS)[2]]
    report["apdu_ratio_to_jmrtd"] = round(ours["apdus"] / jmrtd["apdus"], 3)
    report["apdu_ratio_extended_to_jmrtd"] = round(report["plans"][list(PLANS)[1]]["apdus"] / jmrtd["apdus"], 3)
    report["modeled_over_bound_424"] = round(ours["modeled_ms"]["424"] / ours["bound_ms"]["424"], 3)
    report["targets"] = {"host_cpu_ms_max": 40, "modeled_within_bound_pct": 5}
    json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
