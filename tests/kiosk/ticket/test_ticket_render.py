from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from kiosk.privacy import mask_name
from kiosk.ticket import TicketData, TicketRenderError, render_ticket, save_png
from kiosk.ticket.render import _font, find_fonts

WHEN = datetime(2026, 11, 30, 7, 42)


def data(**kw: object) -> TicketData:
    base: dict[str, object] = {
        "queue_number": 42,
        "department": "Khoa Khám bệnh",
        "room": "Phòng 3, Tầng 2",
        "masked_name": mask_name("NGUYỄN VĂN AN"),
        "issued_at": WHEN,
        "flags": ("needs_staff_confirmation",),
    }
    base.update(kw)
    return TicketData(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("width", [384, 576])
def test_png_has_width_and_ink(tmp_path: Path, width: int) -> None:
    path = save_png(render_ticket(data(), width_px=width), tmp_path / "t.png")
    with Image.open(path) as im:
        assert im.width == width
        assert 200 < im.height < 2000
        black = im.convert("L").histogram()[0]
        assert 0.02 < black / (im.width * im.height) < 0.6  # printed, but not a black slab


def test_bad_width_is_refused() -> None:
    with pytest.raises(TicketRenderError):
        render_ticket(data(), width_px=500)


def test_clear_name_is_refused() -> None:
    with pytest.raises(TicketRenderError):
        data(masked_name="NGUYỄN VĂN AN")


def test_repr_has_no_name() -> None:
    assert "NGUY" not in repr(data())


def test_vietnamese_font_is_packaged() -> None:
    fonts = find_fonts()
    assert not fonts.fallback, "install the Debian package fonts-dejavu-core"


def _glyph(text: str) -> Image.Image:
    font = _font(60, True)
    im = Image.new("1", (80, 100), 1)
    from PIL import ImageDraw

    ImageDraw.Draw(im).text((5, 5), text, font=font, fill=0)
    return im


def test_diacritics_change_the_pixels() -> None:
    u, u_horn_tilde = _glyph("U"), _glyph("Ữ")
    assert ImageChops.difference(u, u_horn_tilde).getbbox() is not None
    # not the font's "missing glyph" box either
    assert ImageChops.difference(_glyph("\U000f0000"), u_horn_tilde).getbbox() is not None
    # and the marks sit above the letter: the accented glyph's ink starts higher up
    inverted_u = ImageChops.invert(u.convert("L")).getbbox()
    inverted_accented = ImageChops.invert(u_horn_tilde.convert("L")).getbbox()
    assert inverted_u and inverted_accented and inverted_accented[1] < inverted_u[1]


def test_flag_and_language_change_the_ticket() -> None:
    plain = render_ticket(data(flags=()))
    flagged = render_ticket(data())
    english = render_ticket(data(language="en"))
    assert flagged.height > plain.height
    assert ImageChops.difference(flagged.convert("L"), english.convert("L").resize(flagged.size)).getbbox()


def test_decomposed_input_renders_like_precomposed() -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Khoa Khám bệnh")
    a = render_ticket(data(department="Khoa Khám bệnh"))
    b = render_ticket(data(department=nfd))
    assert ImageChops.difference(a, b).getbbox() is None


def test_ticket_for_a_stored_visit(tmp_path: Path) -> None:
    from kiosk.config import Department
    from kiosk.privacy import FieldCipher
    from kiosk.store import Store
    from kiosk.ticket import ticket_for

    clock = 1_764_466_920.0  # 2025-11-30 01:42 UTC = 08:42 in Hà Nội
    with Store(tmp_path / "db.sqlite3", cipher=FieldCipher(b"k" * 32), clock=lambda: clock) as store:
        visit = store.check_in(
            id_hash="a" * 64,
            department="NOI",
            verdict="issuer-unknown",
            flags=["needs_staff_confirmation", "internal-only"],
        )
    dept = Department(code="NOI", name="Khoa Nội", room="P.101", name_en="Internal medicine")
    ticket = ticket_for(visit, dept, masked_name="LÊ T** B***", language="en")
    assert ticket.queue_number == 1
    assert ticket.department == "Internal medicine" and ticket.room == "P.101"
    assert (ticket.issued_at.hour, ticket.issued_at.minute) == (8, 42)
    assert ticket.flags == ("needs_staff_confirmation",)  # unknown internal flags are not printed
    assert render_ticket(ticket, 384).width == 384


def test_flag_spellings_render_the_same() -> None:
    a = render_ticket(data(flags=("needs_staff_confirmation",)))
    b = render_ticket(data(flags=("needs-staff-confirmation", "staff-confirmation")))
    assert ImageChops.difference(a, b).getbbox() is None
    assert render_ticket(data(flags=("internal-thing",))).height == render_ticket(data(flags=())).height
