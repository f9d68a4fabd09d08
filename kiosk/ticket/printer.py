"""Send a rendered ticket to an ESC/POS printer through python-escpos (file, serial, USB or network).

The ticket is printed as a raster image (``GS v 0``), then cut. Status and paper level are read where
the connection can answer (serial, USB, network); a ``file`` printer cannot answer, so its status is
``unknown`` rather than a guess.
"""

from __future__ import annotations

import contextlib
import io
import logging
from dataclasses import dataclass
from typing import Any, Literal

from escpos import exceptions as escpos_exceptions
from escpos.escpos import Escpos
from PIL import Image

from kiosk.config import PrinterConfig
from kiosk.errors import KioskError

log = logging.getLogger(__name__)

PaperLevel = Literal["ok", "near-end", "empty", "unknown"]


class TicketPrinterError(KioskError):
    reason = "printer-error"
    hint = "The ticket printer did not print. Check power, paper and cable; the queue number is on screen."

    def __init__(self, message: str, *, reason: str | None = None, hint: str | None = None) -> None:
        super().__init__(reason, hint, detail=message)


@dataclass(frozen=True)
class PrinterStatus:
    online: bool | None  # None = the connection cannot tell
    paper: PaperLevel


def open_printer(cfg: PrinterConfig) -> Escpos:
    """The python-escpos printer object for the configured connection (not yet opened)."""
    kwargs: dict[str, Any] = {"profile": cfg.profile} if cfg.profile else {}
    if cfg.kind == "file":
        from escpos.printer import File

        return File(devfile=cfg.path, **kwargs)
    if cfg.kind == "serial":
        from escpos.printer import Serial

        return Serial(devfile=cfg.path, baudrate=cfg.baudrate, timeout=cfg.timeout_s, **kwargs)
    if cfg.kind == "usb":
        from escpos.printer import Usb

        return Usb(
            idVendor=cfg.usb_vendor, idProduct=cfg.usb_product, timeout=int(cfg.timeout_s * 1000), **kwargs
        )
    if cfg.kind == "network":
        from escpos.printer import Network

        return Network(host=cfg.host, port=cfg.port, timeout=cfg.timeout_s, **kwargs)
    raise TicketPrinterError("no ticket printer is configured (printer.kind = 'none')", reason="printer-none")


def print_ticket(image: Image.Image, printer_config: PrinterConfig, *, cut: bool = True) -> None:
    """Print ``image`` as a raster and cut the paper. Raises :class:`TicketPrinterError`."""
    printer = open_printer(printer_config)
    try:
        printer.open()
        # bitImageRaster = GS v 0: the most widely supported raster command on thermal printers
        # python-escpos print()s a profile-width notice to stdout; keep the CLI/JSON output clean
        with contextlib.redirect_stdout(io.StringIO()):
            printer.image(image, impl="bitImageRaster", center=False)
        printer.ln(2)
        if cut:
            printer.cut()
        flush = getattr(printer, "flush", None)
        if callable(flush):
            flush()
    except escpos_exceptions.DeviceNotFoundError as exc:
        raise TicketPrinterError(
            f"ticket printer not found ({printer_config.kind})", reason="printer-not-found"
        ) from exc
    except escpos_exceptions.Error as exc:
        raise TicketPrinterError(f"printer refused the ticket: {type(exc).__name__}") from exc
    except OSError as exc:
        raise TicketPrinterError(f"printer I/O failed: {exc.strerror or type(exc).__name__}") from exc
    finally:
        _close(printer)


def printer_status(printer_config: PrinterConfig) -> PrinterStatus:
    """Online state and paper level where the printer and connection support it; never raises."""
    if printer_config.kind in ("none", "file"):
        return PrinterStatus(online=None, paper="unknown")
    printer = open_printer(printer_config)
    try:
        printer.open()
        online = bool(printer.is_online())
        paper: PaperLevel = {2: "ok", 1: "near-end", 0: "empty"}.get(int(printer.paper_status()), "unknown")  # type: ignore[assignment]
        return PrinterStatus(online=online, paper=paper)
    except (escpos_exceptions.Error, OSError, NotImplementedError, AssertionError) as exc:
        log.info("printer status unavailable: %s", type(exc).__name__)
        return PrinterStatus(
            online=False if isinstance(exc, escpos_exceptions.DeviceNotFoundError | OSError) else None,
            paper="unknown",
        )
    finally:
        _close(printer)


def _close(printer: Escpos) -> None:
    try:
        printer.close()
    except Exception as exc:  # closing a failed connection must not hide the real error
        log.debug("printer close failed: %s", type(exc).__name__)
