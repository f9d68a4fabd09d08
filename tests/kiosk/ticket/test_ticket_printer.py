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


class _FakeNetworkPrinter:
    """TCP printer on 127.0.0.1 that answers DLE EOT status queries and records what it was sent."""

    def __init__(self, online: int, paper: int) -> None:
        import socket
        import threading

        self.answers = {b"\x10\x04\x01": bytes([online]), b"\x10\x04\x04": bytes([paper])}
        self.received = bytearray()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(5)
            try:
                while chunk := conn.recv(65536):
                    self.received += chunk
                    for query, answer in self.answers.items():
                        if chunk.endswith(query):
                            conn.sendall(answer)
            except OSError:
                pass

    def close(self) -> None:
        self.sock.close()
        self.thread.join(5)


@pytest.mark.parametrize(("paper_byte", "expected"), [(0x12, "ok"), (0x1E, "near-end"), (0x72, "empty")])
def test_network_printer_status(paper_byte: int, expected: str) -> None:
    fake = _FakeNetworkPrinter(online=0x12, paper=paper_byte)  # 0x12: bit 3 clear = online
    try:
        status = printer_status(PrinterConfig(kind="network", host="127.0.0.1", port=fake.port, timeout_s=3))
    finally:
        fake.close()
    assert status.online is True
    assert status.paper == expected


def test_network_printer_receives_raster(tmp_path: Path) -> None:
    fake = _FakeNetworkPrinter(online=0x12, paper=0x12)
    image = render_ticket(TicketData(queue_number=3, department="Khoa Nhi", issued_at=datetime(2026, 1, 2)))
    try:
        print_ticket(image, PrinterConfig(kind="network", host="127.0.0.1", port=fake.port, timeout_s=3))
    finally:
        fake.close()
    assert GS_V_0 in fake.received and any(cut in fake.received for cut in CUTS)
