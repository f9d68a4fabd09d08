"""Synthetic MRZ documents and camera frames, for training and for the benchmark/test sets.

Not used at run time (needs Pillow and the Debian ``fonts-ocr-b`` font). Everything is driven by a
``numpy.random.Generator`` so a seed reproduces the same images. All personal data is invented.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from ocr.mrz.checks import check_digit

FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf"),
    Path("/usr/share/fonts/truetype/ocr-b/OCRB.ttf"),
)
TEXT_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
KINDS = ("cccd", "td1", "td3")
Gray = npt.NDArray[Any]


def font_path() -> Path:
    for path in FONT_CANDIDATES:
        if path.is_file():
            return path
    raise FileNotFoundError("OCR-B font missing: apt-get install -y --no-install-recommends fonts-ocr-b")


# --- MRZ text --------------------------------------------------------------------------------------
def _digits(rng: np.random.Generator, n: int) -> str:
    return "".join(rng.choice(list(DIGITS), n))


def _date(rng: np.random.Generator, y0: int, y1: int) -> str:
    return f"{int(rng.integers(y0, y1)) % 100:02d}{int(rng.integers(1, 13)):02d}{int(rng.integers(1, 29)):02d}"


def _name(rng: np.random.Generator, width: int) -> str:
    parts = ["".join(rng.choice(list(LETTERS), int(rng.integers(2, 9)))) for _ in range(int(rng.integers(2, 5)))]
    text = parts[0] + "<<" + "<".join(parts[1:])
    return text[:width].ljust(width, "<")


def _state(rng: np.random.Generator) -> str:
    return str(rng.choice(["VNM", "FRA", "D<<", "UTO", "USA", "GBR", "JPN", "KOR", "CHN", "THA", "LAO"]))


def random_mrz(rng: np.random.Generator, kind: str) -> tuple[str, tuple[str, ...]]:
    """A check-digit-valid MRZ of ``kind`` (``cccd``, ``td1``, ``td3``) → (format, lines)."""
    sex = str(rng.choice(["M", "F", "<"] if kind != "cccd" else ["M", "F"]))
    dob = _date(rng, 1930, 2024)
    expiry = "991231" if kind == "cccd" and rng.random() < 0.15 else _date(rng, 2020, 2045)
    if kind == "cccd":
        ident = f"{int(rng.integers(1, 97)):03d}" + str(int(rng.integers(0, 4))) + _digits(rng, 8)
        doc = ident[3:]
        l1 = f"IDVNM{doc}{check_digit(doc)}{ident}<<{check_digit(ident)}"
        l2 = f"{dob}{check_digit(dob)}{sex}{expiry}{check_digit(expiry)}VNM" + "<" * 11
        l2 += check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
        return "TD1", (l1, l2, _name(rng, 30))
    if kind == "td1":
        state = _state(rng)
        doc = "".join(rng.choice(list(LETTERS + DIGITS * 2), 9))
        opt = ("".join(rng.choice(list(DIGITS + LETTERS), int(rng.integers(0, 15))))).ljust(15, "<")
        l1 = f"{rng.choice(['I<', 'ID', 'AC', 'IR'])}{state}{doc}{check_digit(doc)}{opt}"
        opt2 = ("".join(rng.choice(list(DIGITS), int(rng.integers(0, 12))))).ljust(11, "<")
        l2 = f"{dob}{check_digit(dob)}{sex}{expiry}{check_digit(expiry)}{_state(rng)}{opt2}"
        l2 += check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
        return "TD1", (l1, l2, _name(rng, 30))
    state = _state(rng)
    doc = "".join(rng.choice(list(LETTERS + DIGITS * 2), 9))
    opt = ("".join(rng.choice(list(DIGITS), int(rng.integers(0, 15))))).ljust(14, "<")
    opt_cd = check_digit(opt) if opt.strip("<") else "<"
    l1 = f"P{rng.choice(['<', 'N', 'D'])}{state}" + _name(rng, 39)
    l2 = f"{doc}{check_digit(doc)}{_state(rng)}{dob}{check_digit(dob)}{sex}{expiry}{check_digit(expiry)}{opt}{opt_cd}"
    l2 += check_digit(l2[0:10] + l2[13:20] + l2[21:43])
    return "TD3", (l1, l2)


# --- rendering ------------------------------------------------------------------------------------
_FONTS: dict[int, ImageFont.FreeTypeFont] = {}


def _font(size: int) -> ImageFont.FreeTypeFont:
    if size not in _FONTS:
        _FONTS[size] = ImageFont.truetype(str(font_path()), size)
    return _FONTS[size]


def render_text_mask(lines: tuple[str, ...], cap_height: float, line_pitch: float, tracking: float = 0.0,
                     stroke: int = 0) -> Gray:
    """Ink mask (255 = ink) of MRZ lines at the given cap height in pixels."""
    size = max(4, round(cap_height / 0.72))
    font = _font(size)
    advance = font.getlength("0") + tracking
    width = int(advance * max(len(line) for line in lines) + size)
    height = int(line_pitch * (len(lines) - 1) + size * 1.3)
    img = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        for j, ch in enumerate(line):
            draw.text((size * 0.2 + j * advance, i * line_pitch), ch, fill=255, font=font,
                      stroke_width=stroke, stroke_fill=255)
    return np.asarray(img, dtype=np.uint8)


def guilloche(rng: np.random.Generator, w: int, h: int) -> npt.NDArray[np.float32]:
    """A light security-print background: tinted gradient + families of fine sinusoidal curves."""
    base = np.zeros((h, w, 3), np.float32)
    c0 = rng.uniform(170, 250, 3)
    c1 = rng.uniform(170, 250, 3)
    t = np.linspace(0, 1, w, dtype=np.float32)[None, :, None]
    base[:] = c0 * (1 - t) + c1 * t
    canvas = base.copy()
    for _ in range(int(rng.integers(2, 5))):
        color = tuple(float(v) for v in rng.uniform(90, 220, 3))
        amp = rng.uniform(0.02, 0.15) * h
        freq = rng.uniform(2, 9) * 2 * math.pi / w
        phase0 = rng.uniform(0, 2 * math.pi)
        step = rng.uniform(0.01, 0.05) * h
        xs = np.arange(0, w, 2, dtype=np.float32)
        for k in range(int(h / step) + 2):
            ys = k * step + amp * np.sin(freq * xs + phase0 + k * 0.3)
            pts = np.stack([xs, ys], 1).astype(np.int32)
            cv2.polylines(canvas, [pts], False, color, 1, cv2.LINE_AA)
    if rng.random() < 0.7:  # rosette
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.2, 0.5) * h
        th = np.linspace(0, 2 * math.pi, 2000)
        for k in range(12):
            rr = r * (0.6 + 0.4 * np.sin(7 * th + k * 0.5))
            pts = np.stack([cx + rr * np.cos(th), cy + rr * np.sin(th)], 1).astype(np.int32)
            cv2.polylines(canvas, [pts], True, tuple(float(v) for v in rng.uniform(100, 220, 3)), 1, cv2.LINE_AA)
    alpha = rng.uniform(0.3, 0.8)
    return (base * (1 - alpha) + canvas * alpha).astype(np.float32)


def _distractor_text(rng: np.random.Generator, card: npt.NDArray[np.float32], top: int, bottom: int,
                     cap: float) -> None:
    """Printed text above the MRZ (labels, fine print), so the locator meets other text too."""
    if not TEXT_FONT.is_file() or bottom - top < cap * 2:
        return
    img = Image.fromarray(np.clip(card, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    y = top + rng.uniform(0, cap)
    while y < bottom - cap * 1.5:
        size = max(6, int(cap * rng.uniform(0.6, 1.4)))
        font = ImageFont.truetype(str(TEXT_FONT), size)
        words = " ".join("".join(rng.choice(list(LETTERS.lower() + LETTERS), int(rng.integers(2, 9))))
                         for _ in range(int(rng.integers(1, 6))))
        x = rng.uniform(0.03, 0.5) * img.width
        draw.text((x, y), words, fill=tuple(int(v) for v in rng.uniform(0, 90, 3)), font=font)
        y += size * rng.uniform(1.4, 2.6)
    card[:] = np.asarray(img, dtype=np.float32)


#: a glyph whose ink stands less than this many grey levels from the paper around it is erased: the frame's
#: noise alone (σ 1–9) is as strong, and blur and JPEG have smeared what was left
ERASED_CONTRAST = 8.0


@dataclass(frozen=True)
class Sample:
    fmt: str
    lines: tuple[str, ...]
    image: npt.NDArray[np.uint8]  # BGR frame
    #: MRZ glyphs glare has erased (ink < ERASED_CONTRAST grey levels from the paper around it): what is left
    #: of them is below the noise (the shipped reader misses 11 of the 15 such frames in 4,200 synthetic ones)
    glyphs_erased: int = 0


def make_card(rng: np.random.Generator, lines: tuple[str, ...], fmt: str, cap: float
              ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """A card image (float BGR) with the MRZ printed at the bottom, and its 4 corners."""
    card, corners, _ = _make_card(rng, lines, fmt, cap)
    return card, corners


def _make_card(rng: np.random.Generator, lines: tuple[str, ...], fmt: str, cap: float
               ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """make_card, and the MRZ's ink coverage (0…1) in card coordinates."""
    n = len(lines[0])
    ppm = cap / rng.uniform(2.2, 2.5)  # pixels per mm: OCR-B MRZ characters are about 2.4 mm tall
    card_w_mm, card_h_mm = (85.6, 54.0) if fmt == "TD1" else (125.0, 88.0)
    w, h = int(card_w_mm * ppm), int(card_h_mm * ppm)
    card = guilloche(rng, w, h)
    pitch_mm = rng.uniform(2.45, 2.6)
    tracking = pitch_mm * ppm - _font(max(4, round(cap / 0.72))).getlength("0")
    line_pitch = cap * rng.uniform(1.45, 1.8)
    stroke = 1 if cap > 22 and rng.random() < 0.3 else 0
    mask = render_text_mask(lines, cap, line_pitch, tracking, stroke).astype(np.float32) / 255.0
    mh, mw = mask.shape
    x0 = max(0, int((w - n * pitch_mm * ppm) / 2 + rng.uniform(-0.02, 0.02) * w))
    y0 = max(0, int(h - mh - rng.uniform(0.03, 0.07) * h))
    mw, mh = min(mw, w - x0), min(mh, h - y0)
    _distractor_text(rng, card, int(0.05 * h), y0 - int(cap), cap)
    ink = rng.uniform(0, 60)
    region = card[y0 : y0 + mh, x0 : x0 + mw]
    m = mask[:mh, :mw, None]
    card[y0 : y0 + mh, x0 : x0 + mw] = region * (1 - m) + ink * m
    coverage = np.zeros((h, w), np.float32)
    coverage[y0 : y0 + mh, x0 : x0 + mw] = m[..., 0]
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    return card, corners, coverage


def make_frame(rng: np.random.Generator, kind: str, *, size: tuple[int, int] = (1280, 960),
               style: str = "synthetic", cap: float | None = None,
               mrz: tuple[str, tuple[str, ...]] | None = None) -> Sample:
    """A camera frame showing a document of ``kind`` with realistic degradations.

    ``style="photo"`` adds what phone/kiosk cameras add: uneven light, colour cast, vignetting, defocus,
    stronger noise and compression, low-contrast print.
    """
    fmt, lines = mrz if mrz is not None else random_mrz(rng, kind)
    fw, fh = size
    if cap is None:
        # largest print for which the whole card still fits the frame at any rotation up to 20°
        w_mm, h_mm = (85.6, 54.0) if fmt == "TD1" else (125.0, 88.0)
        fit_ppm = min(fw / (w_mm * 0.94 + h_mm * 0.34), fh / (w_mm * 0.34 + h_mm * 0.94)) * 0.95
        cap = float(rng.uniform(12, max(12.5, min(30.0, fit_ppm * 2.3))))
    card, corners, coverage = _make_card(rng, lines, fmt, cap)
    photo = style == "photo"
    # background
    bg = np.empty((fh, fw, 3), np.float32)
    bg[:] = rng.uniform(20, 230, 3)
    noise = cv2.resize(rng.normal(0, rng.uniform(5, 30), (fh // 16 + 1, fw // 16 + 1, 3)).astype(np.float32),
                       (fw, fh))
    bg += noise
    # geometry: rotation ±20°, perspective tilt, random position
    ch, cw = card.shape[:2]
    angle = math.radians(rng.uniform(-20, 20))
    scale = 1.0
    center = np.array([fw / 2 + rng.uniform(-0.15, 0.15) * fw, fh / 2 + rng.uniform(-0.15, 0.15) * fh])
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    src = corners
    dst = (src - np.array([cw / 2, ch / 2])) @ rot.T * scale + center
    tilt = 0.06 if not photo else 0.09
    dst = dst + rng.uniform(-tilt, tilt, (4, 2)) * np.array([cw, ch]) * 0.5
    # keep the card (at least its MRZ) inside the frame
    lo, hi = dst.min(0), dst.max(0)
    shift = np.maximum(0, 5 - lo) - np.maximum(0, hi - np.array([fw - 5, fh - 5]))
    dst = dst + shift
    h_mat = cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32))
    warped = cv2.warpPerspective(card, h_mat, (fw, fh), flags=cv2.INTER_AREA if cap > 18 else cv2.INTER_LINEAR)
    alpha = cv2.warpPerspective(np.ones((ch, cw), np.float32), h_mat, (fw, fh))[..., None]
    frame = bg * (1 - alpha) + warped * alpha
    mrz_ink = cv2.warpPerspective(coverage, h_mat, (fw, fh))
    # lighting: gradient, glare (partial), vignetting
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    gx, gy = rng.uniform(-1, 1, 2)
    light = 1 + (gx * (xx / fw - 0.5) + gy * (yy / fh - 0.5)) * (0.6 if photo else 0.3)
    frame *= light[..., None]
    if rng.random() < (0.6 if photo else 0.4):
        gxc, gyc = rng.uniform(0.1, 0.9) * fw, rng.uniform(0.1, 0.9) * fh
        sx, sy = rng.uniform(0.04, 0.15) * fw, rng.uniform(0.04, 0.15) * fh
        glare = np.exp(-(((xx - gxc) / sx) ** 2 + ((yy - gyc) / sy) ** 2) / 2)
        frame += (glare * rng.uniform(60, 160))[..., None]
    if photo:
        frame *= rng.uniform(0.8, 1.15, 3)[None, None, :]  # colour cast
        r2 = ((xx / fw - 0.5) ** 2 + (yy / fh - 0.5) ** 2)[..., None]
        frame *= 1 - rng.uniform(0.1, 0.5) * r2
        contrast = rng.uniform(0.55, 1.0)
        frame = 128 + (frame - 128) * contrast
    # optics and sensor
    sigma = rng.uniform(0, 1.1 if photo else 0.8) * max(1.0, cap / 18)
    if sigma > 0.3:
        frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    if rng.random() < (0.3 if photo else 0.15):  # slight motion blur
        k = int(rng.integers(2, 4))
        kernel = np.zeros((2 * k + 1, 2 * k + 1), np.float32)
        a = rng.uniform(0, math.pi)
        cv2.line(kernel, (int(k - k * math.cos(a)), int(k - k * math.sin(a))),
                 (int(k + k * math.cos(a)), int(k + k * math.sin(a))), 1.0, 1)
        frame = cv2.filter2D(frame, -1, kernel / kernel.sum())
    frame = frame + np.asarray(rng.normal(0, rng.uniform(1, 9 if photo else 6), frame.shape), np.float32)
    img: Gray = np.clip(frame, 0, 255).astype(np.uint8)
    quality = int(rng.integers(35 if photo else 50, 96))
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else None
    if decoded is not None:
        img = decoded
    return Sample(fmt, lines, img, erased_glyphs(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), mrz_ink))


def erased_glyphs(gray: Gray, mrz_ink: Gray) -> int:
    """How many MRZ glyphs (connected pieces of ink, ``mrz_ink`` > 0.5 in frame coordinates) stand less than
    ERASED_CONTRAST grey levels darker than the paper around them (within four pixels, outside any ink)."""
    core = (mrz_ink > 0.5).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(core)
    near_ink = cv2.dilate((mrz_ink > 0.1).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    erased = 0
    for label in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[label])
        if area < 4:
            continue
        x0, y0 = max(0, x - 5), max(0, y - 5)
        x1, y1 = min(gray.shape[1], x + w + 5), min(gray.shape[0], y + h + 5)
        glyph = (labels[y0:y1, x0:x1] == label).astype(np.uint8)
        ring = cv2.dilate(glyph, np.ones((5, 5), np.uint8), iterations=2).astype(bool) & ~near_ink[y0:y1, x0:x1]
        if ring.sum() < 4:
            continue
        patch = gray[y0:y1, x0:x1].astype(np.float32)
        if float(np.median(patch[ring]) - np.median(patch[glyph.astype(bool)])) < ERASED_CONTRAST:
            erased += 1
    return erased
