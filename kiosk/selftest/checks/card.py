"""Card checks with the technician test card: ``card-present`` (ATR), ``applet`` (SELECT of the eMRTD
application, round-trip time), ``card-access`` (PACE, or BAC, and a read of the identity files) and
``passive-auth`` (EF.SOD signature, data-group hashes and the chain to a trusted CSCA).

With ``--virtual-card`` the built-in virtual CCCD is plugged into the vpcd reader for the run; its test
CSCA is the trust anchor for ``passive-auth``. Nothing personal is reported: counts, codes and times only.
"""

from __future__ import annotations

import functools
import os
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from kiosk.selftest.checks.pcsc import READER
from kiosk.selftest.checks.trust import trust_directory
from kiosk.selftest.engine import Check, Hint, Outcome, SelftestContext, fail, ok, skip
from nfc.errors import AuthenticationFailedError, NfcError, NoCardError, WrongKeyError

CAN_ENV = "CCCD_SELFTEST_CAN"
SELECT_LDS1 = bytes.fromhex("00A4040C07A0000002471001")
RTT_SAMPLES = 5
CARD_READ = "card_read"
VIRTUAL = "virtual_card"

NO_CARD_HINT = Hint(
    "Không có thẻ trên đầu đọc. Đặt thẻ thử nghiệm của kỹ thuật viên nằm phẳng trên đầu đọc rồi chạy lại.",
    "No card on the reader. Place the technician test card flat on the reader and run again.",
)
APPLET_HINT = Hint(
    "Thẻ không trả lời lệnh chọn ứng dụng eMRTD. Dùng thẻ CCCD gắn chip; nếu vẫn lỗi, đầu đọc có thể hỏng.",
    "The card does not answer the eMRTD application SELECT. Use a chip CCCD; if it still fails, the reader "
    "may be faulty.",
)
CAN_MISSING_HINT = Hint(
    "Chưa có CAN của thẻ thử nghiệm. Chạy với `--can NNNNNN` (6 số cuối số CCCD) hoặc `--virtual-card`.",
    "No CAN for the test card. Run with `--can NNNNNN` (the last 6 digits of the ID number) or "
    "`--virtual-card`.",
)
WRONG_CAN_HINT = Hint(
    "Thẻ từ chối CAN. Kiểm tra lại 6 số cuối số CCCD của thẻ thử nghiệm.",
    "The card refused the CAN. Check the last 6 digits of the test card's ID number.",
)
ACCESS_HINT = Hint(
    "Không mở được kênh bảo mật với thẻ (PACE/BAC) hoặc đọc dữ liệu lỗi. Giữ yên thẻ trên đầu đọc và thử lại; "
    "nếu lặp lại, kiểm tra đầu đọc và hồ sơ đầu đọc.",
    "The secure channel (PACE/BAC) or the file read failed. Hold the card still and retry; if it repeats, "
    "check the reader and its profile.",
)
CHAIN_HINT = Hint(
    "Chữ ký số của thẻ không truy về CSCA tin cậy. Nhập master list/CSCA hiện hành (`cccd-kiosk trust import`).",
    "The card's signer does not chain to a trusted CSCA. Import the current master list/CSCAs "
    "(`cccd-kiosk trust import`).",
)
SOD_HINT = Hint(
    "Xác thực thụ động thất bại: dữ liệu thẻ không khớp chữ ký (thẻ thử hỏng hoặc không chính hãng).",
    "Passive Authentication failed: the card's data does not match its signature (damaged or non-genuine "
    "test card).",
)


@functools.lru_cache(maxsize=1)
def _virtual_card() -> Any:
    from nfc.virtual.builder import build_card

    return build_card()


def _vpcd_port(reader: str) -> int:
    from nfc.virtual.vpcd import VPCD_PORT

    slot = reader.rsplit(" ", 1)[-1]
    return VPCD_PORT + (int(slot) if slot.isdigit() else 0)


def _insert_virtual_card(context: SelftestContext, reader: str) -> None:
    from nfc.virtual.vpcd import VpcdBridge

    built = _virtual_card()
    bridge = VpcdBridge(built.card(), port=_vpcd_port(reader))
    bridge.insert(timeout=3.0)
    context.remember(VIRTUAL, built)

    def remove() -> None:
        from nfc.transport.pcsc import wait_for_removal

        bridge.remove()
        wait_for_removal(reader, timeout=3.0)

    context.cleanups.append(remove)


def check_card_present(context: SelftestContext) -> Outcome:
    from nfc.transport.pcsc import PcscContext, wait_for_card

    reader = context.fact(READER)
    if context.options.virtual_card and context.fact(VIRTUAL) is None:
        try:
            _insert_virtual_card(context, reader)
        except ConnectionError:
            from kiosk.selftest.checks.pcsc import NO_VPCD_HINT

            return fail("the virtual card could not be inserted (vpcd not listening)", NO_VPCD_HINT)
    try:
        found = wait_for_card(reader, timeout=context.options.card_timeout_s)
    except NoCardError:
        return fail(f"no card within {context.options.card_timeout_s:g} s", NO_CARD_HINT)
    pcsc = PcscContext()
    try:
        ((_, _, atr),) = pcsc.states([found], 0)
    finally:
        pcsc.close()
    context.remember(READER, found)
    return ok(f"card in {found!r}, ATR {len(atr)} bytes", atr.hex().upper(), "ATR")


def _connect(context: SelftestContext) -> Any:
    from kiosk.profiles import match_reader
    from nfc.transport.pcsc import PcscConnection

    reader = context.fact(READER)
    return PcscConnection(reader, extended_length=match_reader(reader).extended_length)


def check_applet(context: SelftestContext) -> Outcome:
    samples: list[float] = []
    connection = _connect(context)
    try:
        for _ in range(RTT_SAMPLES):
            started = time.perf_counter()
            answer = connection.transmit(SELECT_LDS1)
            samples.append((time.perf_counter() - started) * 1000)
            if answer[-2:] != b"\x90\x00":
                return fail(f"SELECT eMRTD application answered {answer[-2:].hex().upper()}", APPLET_HINT)
    finally:
        connection.close()
    median = round(statistics.median(samples), 2)
    return ok(f"eMRTD application selected; median of {RTT_SAMPLES} round trips", median, "ms")


def _test_can(context: SelftestContext) -> str | None:
    built = context.fact(VIRTUAL)
    if built is not None:
        return str(built.citizen.can)
    return context.options.can or os.environ.get(CAN_ENV) or None


def check_card_access(context: SelftestContext) -> Outcome:
    from nfc.access.keys import CanKey
    from nfc.reader import ReadPlan, read_card

    can = _test_can(context)
    if not can:
        return skip("no test card CAN given", CAN_MISSING_HINT)
    try:
        key = CanKey(can)
    except NfcError:
        return skip("the test card CAN is not 6 digits", CAN_MISSING_HINT)
    connection = _connect(context)
    started = time.perf_counter()
    try:
        read = read_card(connection, key, ReadPlan(read_face=False))
    except (WrongKeyError, AuthenticationFailedError):
        return fail("the card refused the CAN", WRONG_CAN_HINT)
    except NfcError as exc:
        return fail(f"reading failed ({exc.reason})", ACCESS_HINT)
    finally:
        connection.close()
    total_ms = round((time.perf_counter() - started) * 1000, 1)
    if not read.complete:
        failed = [name for name, f in read.files.items() if f.status.value == "failed"]
        return fail(f"read incomplete ({', '.join(failed) or 'files missing'})", ACCESS_HINT, total_ms, "ms")
    context.remember(CARD_READ, read)
    access = read.access
    return ok(f"{access.protocol} with {access.password} ({access.cipher}), {len(read.files)} files, "
              f"{read.apdu_count} APDUs; access {access.ms:.0f} ms", total_ms, "ms")


def _virtual_trust() -> Any:
    from pathlib import Path

    from nfc.verify.certs import load_certificate
    from nfc.verify.trust import TrustStore
    from nfc.virtual.test_pki import generate_pki

    # the store is never saved: a directory that does not exist keeps it in memory only
    store = TrustStore(Path("/nonexistent/cccd-kiosk-selftest-trust"))
    store.add_csca(load_certificate(generate_pki("ec-p256").csca), "virtual-card test CSCA")
    return store


def check_passive_auth(context: SelftestContext) -> Outcome:
    from nfc.lds.sod import parse_sod
    from nfc.verify.passive import verify_sod
    from nfc.verify.trust import TrustStore

    read = context.fact(CARD_READ)
    sod_bytes = read.file_bytes("SOD")
    if sod_bytes is None:
        return fail("EF.SOD was not read", SOD_HINT)
    started = time.perf_counter()
    try:
        store = _virtual_trust() if context.fact(VIRTUAL) is not None else TrustStore(trust_directory(context))
        sod = parse_sod(sod_bytes)
        groups = {int(name[2:]): data for name in read.files
                  if name.startswith("DG") and (data := read.file_bytes(name)) is not None}
        result = verify_sod(sod, groups, store, datetime.now(UTC))
    except NfcError as exc:
        return fail(f"Passive Authentication could not run ({exc.reason})", SOD_HINT)
    ms = round((time.perf_counter() - started) * 1000, 1)
    if not result.ok:
        return fail(f"EF.SOD check failed ({result.reason})", SOD_HINT, ms, "ms")
    if not result.chained:
        return fail("signer does not chain to a trusted CSCA", CHAIN_HINT, ms, "ms")
    checked = sum(1 for v in result.dg_results.values() if v == "passed")
    return ok(f"SOD signature valid ({result.signature_algorithm}), {checked} data-group hashes match, "
              "chain to a trusted CSCA", ms, "ms")


CHECKS = (
    Check("card-present", "Card present (ATR)", check_card_present, timeout_s=30.0, needs=("readers",),
          timeout_hint=NO_CARD_HINT),
    Check("applet", "eMRTD applet select and round-trip time", check_applet, timeout_s=15.0,
          needs=("card-present",), timeout_hint=APPLET_HINT),
    Check("card-access", "PACE/BAC with the test card", check_card_access, timeout_s=60.0,
          needs=("card-present",), timeout_hint=ACCESS_HINT),
    Check("passive-auth", "Passive Authentication of what was read", check_passive_auth, timeout_s=30.0,
          needs=("card-access",), timeout_hint=SOD_HINT),
)
