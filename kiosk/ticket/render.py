"""Render a queue ticket as a 1-bit raster image.

Thermal printers' code pages cannot print Vietnamese reliably (TCVN-3 split tables, CP1258 combining
marks), so the whole ticket is drawn with Pillow and a Vietnamese-capable TrueType font, then sent as a
raster (``GS v 0``). Width: 384 dots for 58 mm paper, 576 dots for 80 mm paper (203 dpi).

Fonts: DejaVu Sans from the Debian package ``fonts-dejavu-core`` (``/usr/share/fonts/truetype/dejavu``).
If it is missing, Pillow's built-in font is used and a warning is logged: diacritics may then be lost.
"""

from __future__ import annotations

import logging
import os
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from kiosk.config import Department
from kiosk.errors import KioskError
from kiosk.store.checkins import Checkin

log = logging.getLogger(__name__)

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
FONT_REGULAR = "DejaVuSans.ttf"
FONT_BOLD = "DejaVuSans-Bold.ttf"
FONT_ENV = "CCCD_KIOSK_TICKET_FONT_DIR"
WIDTHS = (384, 576)

#: flag → (Vietnamese, English) text printed in an inverted box
FLAG_TEXT: dict[str, tuple[str, str]] = {
    "needs_staff_confirmation": (
        "CHỜ XÁC NHẬN – mời đến quầy tiếp đón",
        "STAFF CONFIRMATION NEEDED – see reception",
    ),
    "card_not_verified": ("Thẻ BHYT chưa xác minh", "Insurance card not verified"),
    "offline": ("Đăng ký ngoại tuyến", "Registered offline"),
}
#: other spellings used across the code base for the same flags
FLAG_ALIASES = {
    "staff_confirmation": "needs_staff_confirmation",
    "insurance_unverified": "card_not_verified",
    "his_pending": "offline",
}


def flag_key(flag: str) -> str | None:
    """The printable flag for ``flag`` (``needs-staff-confirmation`` → ``needs_staff_confirmation``), or None."""
    key = flag.strip().lower().replace("-", "_")
    key = FLAG_ALIASES.get(key, key)
    return key if key in FLAG_TEXT else None


_LABELS = {
    "vi": {"title": "SỐ THỨ TỰ", "room": "Phòng", "time": "Giờ lấy số", "patient": "Người bệnh"},
    "en": {"title": "QUEUE NUMBER", "room": "Room", "time": "Issued", "patient": "Patient"},
}


class TicketRenderError(KioskError):
    reason = "ticket-render"
    hint = "The ticket could not be drawn; check the kiosk's ticket settings and fonts."

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(None, hint, detail=message)


@dataclass(frozen=True)
class TicketData:
    """What a ticket shows. Only a *masked* name is accepted (tickets are left in waiting rooms)."""

    queue_number: int
    department: str
    issued_at: datetime
    room: str = ""
    masked_name: str = field(default="", repr=False)
    flags: tuple[str, ...] = ()
    language: Literal["vi", "en"] = "vi"
    hospital: str = ""
    footer: str = ""

    def __post_init__(self) -> None:
        if not 0 < self.queue_number < 100_000:
            raise TicketRenderError("queue number must be between 1 and 99999")
        if self.language not in _LABELS:
            raise TicketRenderError(f"unsupported ticket language {self.language!r}")
        words = self.masked_name.split()
        # every word after the family name must be masked; a clear name is a programming error
        if len(words) > 1 and not all("*" in w for w in words[1:]):
            raise TicketRenderError("masked_name is not masked; use kiosk.privacy.mask_name()")
        if len(words) == 1 and "*" not in words[0] and len(words[0]) > 1:
            raise TicketRenderError("masked_name is not masked; use kiosk.privacy.mask_name()")


def ticket_for(
    checkin: Checkin,
    department: Department,
    *,
    masked_name: str = "",
    language: Literal["vi", "en"] = "vi",
    hospital: str = "",
    utc_offset_hours: int = 7,
) -> TicketData:
    """The ticket of a stored visit: number, department/room, local time and flags from the store."""
    tz = timezone(timedelta(hours=utc_offset_hours))
    name = department.name_en if language == "en" and department.name_en else department.name
    return TicketData(
        queue_number=checkin.queue_number,
        department=name,
        room=department.room,
        issued_at=datetime.fromtimestamp(checkin.created_at, tz),
        masked_name=masked_name,
        flags=tuple(dict.fromkeys(k for k in map(flag_key, sorted(checkin.flags)) if k)),
        language=language,
        hospital=hospital,
    )


@dataclass(frozen=True)
class _Fonts:
    regular: Path | None
    bold: Path | None

    @property
    def fallback(self) -> bool:
        return self.regular is None


@lru_cache(maxsize=1)
def find_fonts() -> _Fonts:
    dirs = ([Path(os.environ[FONT_ENV])] if os.environ.get(FONT_ENV) else []) + list(FONT_DIRS)
    for d in dirs:
        regular = d / FONT_REGULAR
        if regular.is_file():
            bold = d / FONT_BOLD
            return _Fonts(regular, bold if bold.is_file() else regular)
    log.warning(
        "ticket font %s not found in %s; using Pillow's built-in font, Vietnamese diacritics may be lost. "
        "Install the Debian package fonts-dejavu-core.",
        FONT_REGULAR,
        ", ".join(map(str, dirs)),
    )
    return _Fonts(None, None)


@lru_cache(maxsize=64)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    fonts = find_fonts()
    path = fonts.bold if bold else fonts.regular
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int
) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]


def render_ticket(data: TicketData, width_px: int = 576) -> Image.Image:
    """Draw the ticket as a 1-bit image ``width_px`` wide (384 or 576 dots)."""
    if width_px not in WIDTHS:
        raise TicketRenderError(f"ticket width must be 384 (58 mm) or 576 (80 mm) dots, not {width_px}")
    scale = width_px / 576
    margin = int(16 * scale)
    inner = width_px - 2 * margin
    labels = _LABELS[data.language]

    def px(size: int) -> int:
        return max(10, int(size * scale))

    # (text, font, centred, inverted) rows, laid out top to bottom
    rows: list[tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont, bool, bool]] = []
    scratch = ImageDraw.Draw(Image.new("1", (1, 1)))

    def add(text: str, size: int, *, bold: bool = False, center: bool = True, inverted: bool = False) -> None:
        font = _font(px(size), bold)
        text = unicodedata.normalize("NFC", text)
        for line in _wrap(scratch, text, font, inner - (2 * margin if inverted else 0)):
            rows.append((line, font, center, inverted))

    if data.hospital:
        add(data.hospital.upper(), 26, bold=True)
    add(labels["title"], 30, bold=True)
    add(str(data.queue_number), 150, bold=True)
    add(data.department, 32, bold=True)
    if data.room:
        add(f"{labels['room']}: {data.room}", 28)
    if data.masked_name:
        add(f"{labels['patient']}: {data.masked_name}", 24)
    add(f"{labels['time']}: {data.issued_at:%H:%M  %d/%m/%Y}", 24)
    printable = dict.fromkeys(k for k in map(flag_key, data.flags) if k)  # ordered, no duplicates
    for key in printable:
        vi, en = FLAG_TEXT[key]
        add(vi if data.language == "vi" else en, 26, bold=True, inverted=True)
    if data.footer:
        add(data.footer, 20)

    gap = int(10 * scale)
    heights: list[int] = []
    for text, font, _c, _i in rows:
        bottom = scratch.textbbox((0, 0), text or " ", font=font)[3]
        heights.append(int(bottom))
    height = margin * 2 + sum(heights) + gap * len(rows) + int(40 * scale)
    image = Image.new("1", (width_px, height), 1)
    draw = ImageDraw.Draw(image)
    y = margin
    for (text, font, center, inverted), h in zip(rows, heights, strict=True):
        length = draw.textlength(text, font=font)
        x = (width_px - length) / 2 if center else margin
        if inverted:
            draw.rectangle((margin, y - gap // 2, width_px - margin, y + h + gap // 2), fill=0)
        draw.text((x, y), text, font=font, fill=1 if inverted else 0)
        y += h + gap
    return image


def save_png(image: Image.Image, path: Path) -> Path:
    """Write the ticket preview as PNG (same pixels as printed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG")
    return path
