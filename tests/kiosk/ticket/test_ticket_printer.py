from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from kiosk.config import PrinterConfig
from kiosk.ticket import TicketData, TicketPrinterError, print_ticket, printer_status, render_ticket

GS_V_0 = b"\x1dv0"  # GS v 0: print raster bit image
CUTS = (b"\x1dV\x00", b"\x1dV\x01", b"\x1dVA", b"\x1dVB")  # GS V full/partial cut forms


def test_file_printer_gets_raster_and_cut(tmp_path: Path) -> None:
    image = render_ticket(
        TicketData(queue_number=7, department="Khoa Nội", issued_at=datetime(2026, 1, 2, 8, 0)), width_px=384
    )
    out = tmp_path / "lp0"
    print_ticket(image, PrinterConfig(kind="file", path=str(out)))
    raw = out.read_bytes()
    start = raw.index(GS_V_0)
    # header: m, xL xH (bytes per row), yL yH (rows) must describe the image we sent
    x = raw[start + 4] | raw[start + 5] << 8
    y = raw[start + 6] | raw[start + 7] << 8
    assert (x * 8, y) == (384, image.height)
    assert any(cut in raw[start:] for cut in CUTS)
    assert max(raw.rfind(c) for c in CUTS) > start  # cut comes after the picture


def test_unconfigured_printer_is_a_typed_error() -> None:
    image = render_ticket(
        TicketData(queue_number=1, department="K", issued_at=datetime(2026, 1, 2)), width_px=384
    )
    with pytest.raises(TicketPrinterError) as info:
        print_ticket(image, PrinterConfig())
    assert info.value.reason == "printer-none"


def test_unwritable_file_printer_is_a_typed_error(tmp_path: Path) -> None:
    image = render_ticket(
        TicketData(queue_number=1, department="K", issued_at=datetime(2026, 1, 2)), width_px=384
    )
    with pytest.raises(TicketPrinterError):
        print_ticket(image, PrinterConfig(kind="file", path=str(tmp_path / "missing-dir" / "lp0")))


def test_status_unknown_for_file_and_offline_for_dead_network() -> None:
    assert printer_status(PrinterConfig(kind="file", path="/dev/null")).paper == "unknown"
    status = printer_status(PrinterConfig(kind="network", host="127.0.0.1", port=9, timeout_s=0.5))
    assert status.online is not True and status.paper == "unknown"
