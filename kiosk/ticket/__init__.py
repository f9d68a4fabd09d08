"""Queue tickets: Pillow raster rendering (Vietnamese text) and ESC/POS printing via python-escpos."""

from kiosk.ticket.printer import PrinterStatus, TicketPrinterError, print_ticket, printer_status
from kiosk.ticket.render import TicketData, TicketRenderError, render_ticket, save_png, ticket_for

__all__ = [
    "PrinterStatus",
    "TicketData",
    "TicketPrinterError",
    "TicketRenderError",
    "print_ticket",
    "printer_status",
    "render_ticket",
    "save_png",
    "ticket_for",
]
