"""Sizes and colours for elderly users in a bright hall: body text >= 24 pt, high contrast (WCAG AAA
ratios for text on its background), touch targets >= 15 mm at the screen's real DPI (kiosk-practice §3)."""

from __future__ import annotations

from PySide6.QtGui import QFont, QGuiApplication

BODY_PT = 24
BUTTON_PT = 24
TITLE_PT = 34
NUMBER_PT = 88
SMALL_PT = 20  # staff/technician desktop windows only (not the patient kiosk)
TOUCH_MM = 15.0
FONT_FAMILY = "DejaVu Sans"  # full Vietnamese coverage; installed with fontconfig on the kiosk image

INK = "#111111"
PAPER = "#FFFFFF"
PRIMARY = "#0B3D91"  # white on this: 11:1
PRIMARY_INK = "#FFFFFF"
STAFF = "#A0001C"  # "call staff": white on this: 8.6:1
OK = "#0A5C2B"
WARN_BG = "#FFF1C2"
WARN_INK = "#4A3000"
ERROR_INK = "#8A0016"
MUTED = "#3B3B3B"  # still 10:1 on white


def screen_dpi() -> float:
    """Physical DPI of the primary screen (96 when unknown, e.g. offscreen)."""
    screen = QGuiApplication.primaryScreen()
    dpi = screen.physicalDotsPerInch() if screen is not None else 0.0
    return dpi if 50.0 <= dpi <= 600.0 else 96.0


def mm_to_px(mm: float, dpi: float | None = None) -> int:
    return round(mm / 25.4 * (dpi if dpi is not None else screen_dpi()))


def touch_px() -> int:
    """Minimum side of anything the patient touches."""
    return mm_to_px(TOUCH_MM)


def font(points: int = BODY_PT, *, bold: bool = False) -> QFont:
    f = QFont(FONT_FAMILY)
    f.setPointSize(points)
    f.setBold(bold)
    return f


def kiosk_stylesheet() -> str:
    t = touch_px()
    return f"""
    QWidget {{ background: {PAPER}; color: {INK}; font-family: "{FONT_FAMILY}"; font-size: {BODY_PT}pt; }}
    QLabel {{ padding-top: 8px; }}  /* room for stacked Vietnamese marks (Ễ, Ấ) above the font's ascent */
    QLabel#title {{ font-size: {TITLE_PT}pt; font-weight: bold; }}
    QLabel#number {{ font-size: {NUMBER_PT}pt; font-weight: bold; color: {PRIMARY}; }}
    QLabel#notice {{ background: {WARN_BG}; color: {WARN_INK}; padding: 8px; border-radius: 6px; }}
    QLabel#error {{ color: {ERROR_INK}; font-weight: bold; }}
    QLabel#ok {{ color: {OK}; font-weight: bold; }}
    QLabel#muted {{ color: {MUTED}; }}
    QPushButton {{ min-height: {t}px; min-width: {t}px; padding: 6px 18px; border-radius: 10px;
                  background: {PRIMARY}; color: {PRIMARY_INK}; font-size: {BUTTON_PT}pt; font-weight: bold; }}
    QPushButton:pressed {{ background: #062A66; }}
    QPushButton#secondary {{ background: {PAPER}; color: {PRIMARY}; border: 3px solid {PRIMARY}; }}
    QPushButton#staff {{ background: {STAFF}; color: {PRIMARY_INK}; }}
    QProgressBar {{ min-height: 28px; border: 2px solid {INK}; border-radius: 6px; text-align: center; }}
    QProgressBar::chunk {{ background: {PRIMARY}; }}
    """


def desk_stylesheet() -> str:
    """Staff and technician windows: a desktop, not a touch kiosk; still high contrast."""
    return f"""
    QWidget {{ font-family: "{FONT_FAMILY}"; font-size: {SMALL_PT - 8}pt; }}
    QLabel#title {{ font-size: {SMALL_PT}pt; font-weight: bold; }}
    QLabel#error {{ color: {ERROR_INK}; font-weight: bold; }}
    QLabel#ok {{ color: {OK}; font-weight: bold; }}
    """
