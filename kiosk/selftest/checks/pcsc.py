"""``pcscd``: the PC/SC service answers; ``readers``: readers are present and match the kiosk model's
reader profile (the virtual reader counts as a match in ``--virtual-card`` mode)."""

from __future__ import annotations

from kiosk.errors import KioskError
from kiosk.selftest.engine import Check, Hint, Outcome, SelftestContext, fail, ok, skip, warn
from nfc.errors import NfcError, ReaderServiceError

VIRTUAL_READER_PREFIX = "Virtual PCD"
#: fact key: the PC/SC reader the card checks use
READER = "reader"

PCSCD_HINT = Hint(
    "Dịch vụ PC/SC (pcscd) không chạy. Khởi động: `sudo systemctl start pcscd` (hoặc `pcscd`), rồi chạy lại.",
    "The PC/SC service (pcscd) is not running. Start it: `sudo systemctl start pcscd` (or `pcscd`), then rerun.",
)
NO_READER_HINT = Hint(
    "Không tìm thấy đầu đọc thẻ. Cắm đầu đọc vào cổng USB (đèn phải sáng), chờ 5 giây, chạy `cccd-kiosk readers`.",
    "No card reader found. Plug the reader into a USB port (its light must come on), wait 5 s, run "
    "`cccd-kiosk readers`.",
)
NO_VPCD_HINT = Hint(
    "Chế độ thẻ ảo cần đầu đọc ảo vpcd (gói vsmartcard-vpcd, chỉ dùng trên máy thử nghiệm).",
    "Virtual-card mode needs the vpcd virtual reader (package vsmartcard-vpcd, test machines only).",
)
PROFILE_HINT = Hint(
    "Đầu đọc đang cắm không khớp với mẫu kiosk đã cấu hình. Cắm đúng đầu đọc, hoặc sửa hardware_profile.",
    "The connected reader does not match the configured kiosk model. Plug in the expected reader, or fix "
    "hardware_profile.",
)


def _expected_reader(context: SelftestContext) -> tuple[str | None, str]:
    """(profile id, transport) of the reader the kiosk model expects; (None, 'pcsc') if unknown."""
    try:
        reader = context.config.hardware().reader
    except KioskError:
        return None, "pcsc"
    return reader.id, reader.transport


def check_pcscd(context: SelftestContext) -> Outcome:
    _, transport = _expected_reader(context)
    if transport != "pcsc" and not context.options.virtual_card:
        return skip(f"the kiosk model's reader uses {transport}, not PC/SC")
    from nfc.transport.pcsc import PcscContext

    try:
        pcsc = PcscContext()
    except ReaderServiceError:
        return fail("PC/SC service not reachable", PCSCD_HINT)
    except NfcError as exc:
        return fail(f"PC/SC service error ({exc.reason})", PCSCD_HINT)
    pcsc.close()
    return ok("PC/SC service answers")


def check_readers(context: SelftestContext) -> Outcome:
    from kiosk.profiles import match_reader
    from nfc.transport.pcsc import PcscContext

    try:
        pcsc = PcscContext()
        try:
            names = pcsc.readers()
        finally:
            pcsc.close()
    except ReaderServiceError:
        return fail("PC/SC service lost", PCSCD_HINT)
    except NfcError as exc:
        return fail(f"listing readers failed ({exc.reason})", NO_READER_HINT)
    if not names:
        return fail("no reader connected", NO_READER_HINT, 0, "readers")
    wanted = context.options.reader
    if wanted is not None and wanted not in names:
        return fail(f"reader {wanted!r} not connected; found {', '.join(names)}", NO_READER_HINT,
                    len(names), "readers")
    if context.options.virtual_card:
        virtual = [n for n in names if n.startswith(VIRTUAL_READER_PREFIX)]
        if not virtual:
            return fail("no vpcd virtual reader", NO_VPCD_HINT, len(names), "readers")
        context.remember(READER, wanted or virtual[0])
        return ok(f"virtual reader {wanted or virtual[0]!r} (test mode)", len(names), "readers")
    expected, _ = _expected_reader(context)
    matches = {name: match_reader(name).id for name in names}
    chosen = wanted or next((n for n, pid in matches.items() if pid == expected), names[0])
    context.remember(READER, chosen)
    if expected is not None and matches.get(chosen) != expected:
        return warn(f"reader {chosen!r} matches profile {matches.get(chosen)}; the kiosk model expects {expected}",
                    PROFILE_HINT, len(names), "readers")
    return ok(f"{chosen!r} matches profile {matches[chosen]}", len(names), "readers")


CHECKS = (
    Check("pcscd", "PC/SC service (pcscd) up", check_pcscd, timeout_s=10.0, timeout_hint=PCSCD_HINT),
    Check("readers", "Readers present and matching the profile", check_readers, timeout_s=10.0,
          needs=("pcscd",), timeout_hint=NO_READER_HINT),
)
