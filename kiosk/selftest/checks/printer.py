"""``printer``: the ticket printer is online and has paper (ESC/POS ``DLE EOT`` through python-escpos);
``printer-test-print``: a short test ticket, only when asked for."""

from __future__ import annotations

from pathlib import Path

from kiosk.errors import KioskError
from kiosk.selftest.engine import Check, Hint, Outcome, SelftestContext, fail, ok, skip, warn

NONE_HINT = Hint(
    "Chưa cấu hình máy in phiếu (printer.kind = none). Đặt printer.kind và địa chỉ máy in trong cấu hình thiết bị.",
    "No ticket printer is configured (printer.kind = none). Set printer.kind and its address in the device "
    "configuration.",
)
OFFLINE_HINT = Hint(
    "Máy in không trả lời hoặc đang offline. Kiểm tra nguồn, cáp, nắp máy in và cấu hình printer.*.",
    "The printer does not answer or is off-line. Check power, cable, the cover and the printer.* settings.",
)
PAPER_OUT_HINT = Hint(
    "Máy in hết giấy. Mở nắp, lắp cuộn giấy nhiệt mới (mặt nhiệt hướng lên), đóng nắp.",
    "The printer is out of paper. Open the cover, load a new thermal roll (coated side up), close the cover.",
)
PAPER_LOW_HINT = Hint(
    "Giấy sắp hết. Chuẩn bị thay cuộn giấy mới.",
    "Paper is running low. Have a new roll ready.",
)
NO_STATUS_HINT = Hint(
    "Máy in/kết nối này không báo trạng thái giấy. Kiểm tra giấy bằng mắt hoặc dùng in thử (--test-print).",
    "This printer or connection does not report paper status. Check the paper by eye or print a test "
    "(--test-print).",
)
PRINT_HINT = Hint(
    "In thử thất bại. Kiểm tra giấy, nắp, cáp và cấu hình máy in.",
    "The test print failed. Check paper, cover, cable and the printer settings.",
)


def check_printer(context: SelftestContext) -> Outcome:
    from kiosk.ticket.printer import printer_status

    cfg = context.config.printer
    if cfg.kind == "none":
        return warn("no ticket printer configured", NONE_HINT)
    if cfg.kind == "file":
        path = Path(cfg.path)
        if not path.parent.exists():
            return fail(f"printer device folder {path.parent} missing", OFFLINE_HINT)
        return ok("file printer: status not reported by this connection", "unknown")
    status = printer_status(cfg)
    if status.online is False:
        return fail("printer off-line or not answering", OFFLINE_HINT, status.paper)
    if status.paper == "empty":
        return fail("paper end", PAPER_OUT_HINT, status.paper)
    if status.paper == "near-end":
        return warn("paper near end", PAPER_LOW_HINT, status.paper)
    if status.paper == "unknown":
        return warn("printer did not report paper status", NO_STATUS_HINT, status.paper)
    return ok("online, paper ok", status.paper)


def check_test_print(context: SelftestContext) -> Outcome:
    if not context.options.test_print:
        return skip("not requested (--test-print)")
    from PIL import Image, ImageDraw

    from kiosk.ticket.printer import print_ticket

    width = context.config.ticket_width_px()
    image = Image.new("1", (width, 120), 1)
    draw = ImageDraw.Draw(image)
    draw.text((10, 10), "cccd-kiosk selftest", fill=0)
    draw.text((10, 50), f"kiosk {context.config.kiosk_id}", fill=0)
    try:
        print_ticket(image, context.config.printer, cut=True)
    except KioskError as exc:
        return fail(f"test print failed ({exc.reason})", PRINT_HINT)
    return ok("test ticket sent", width, "px")


CHECKS = (
    Check("printer", "Printer online and paper", check_printer, timeout_s=20.0, timeout_hint=OFFLINE_HINT),
    Check("printer-test-print", "Test print", check_test_print, timeout_s=30.0, needs=("printer",),
          timeout_hint=PRINT_HINT),
)
