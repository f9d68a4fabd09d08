"""Hardware profiles: validated TOML data files for readers, printers, cameras and kiosk models.

The files live in the ``hardware_profiles`` package (``readers/``, ``printers/``, ``cameras/``, ``kiosks/``),
one device per file; the file stem is the profile id. Every key is checked for type, and unknown keys are
rejected so a typo in a technician's file fails loudly with the file and key named instead of being
silently ignored. ``hardware_profiles/README.md`` documents every field.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from kiosk.errors import KioskError

#: The reader profile used when nothing else matches (any PC/SC CCID reader, short APDUs only).
GENERIC_READER_ID = "generic-ccid"

#: Named reader quirks the reader code understands. Anything else in a file is a typo → error.
KNOWN_QUIRKS: frozenset[str] = frozenset({
    "no-extended-length",      # never send extended APDUs through this reader, whatever the card says
    "needs-get-response",      # reader/driver hands 61xx through: the channel must send GET RESPONSE
    "slow-field-on",           # the RF field needs time after power-up; wait before the first APDU
    "contact-only",            # no contactless interface: cannot read the CCCD chip (contactless)
    "pn532-direct-transmit",   # accepts PN532 commands wrapped in FF 00 00 00 Lc (ACR122U family)
    "feedback-needs-direct",   # LED/buzzer commands need a SCARD_SHARE_DIRECT connection (no card)
    "multi-slot",              # one USB device shows several PC/SC readers (contact + contactless)
})

TRANSPORTS = ("pcsc", "pn532-uart")
FEEDBACK_CHANNELS = ("none", "pseudo-apdu", "escape")
PRINTER_CONNECTIONS = ("usb", "serial", "network", "file", "cups")
_CONNECTION_KEYS = {"usb": {"usb_vendor_id", "usb_product_id"}, "serial": {"port", "baudrate"},
                    "network": {"host", "tcp_port"}, "file": {"path"}, "cups": {"path"}}
KIND_DIRS = {"reader": "readers", "printer": "printers", "camera": "cameras", "kiosk": "kiosks"}


class ProfileError(KioskError):
    """A profile file is missing, unreadable or invalid. ``file`` and ``key`` name the culprit."""

    reason = "bad-profile"
    hint = "Fix the named key in the hardware profile file (see hardware_profiles/README.md)."

    def __init__(self, file: str, key: str | None, problem: str) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        where = f" [{key}]" if key else ""
        super().__init__(detail=f"{file}{where}: {problem}")


# --- value objects --------------------------------------------------------------------------------
@dataclass(frozen=True)
class SerialSettings:
    port: str
    baudrate: int


@dataclass(frozen=True)
class ReaderFeedback:
    """LED/buzzer commands. ``pseudo-apdu`` commands go through ``transmit``; ``escape`` commands go
    through ``SCardControl`` with ``control_code``."""

    channel: str = "none"
    control_code: int | None = None
    success: tuple[bytes, ...] = ()
    failure: tuple[bytes, ...] = ()
    idle: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class ReaderProfile:
    id: str
    name: str
    vendor: str
    transport: str
    name_patterns: tuple[str, ...]
    atr_patterns: tuple[str, ...]
    extended_length: bool
    max_command: int
    max_le: int
    quirks: frozenset[str]
    feedback: ReaderFeedback
    serial: SerialSettings | None = None
    notes: str = ""

    def has_quirk(self, quirk: str) -> bool:
        if quirk not in KNOWN_QUIRKS:
            raise ValueError(f"unknown quirk {quirk!r}")
        return quirk in self.quirks

    def matches_name(self, reader_name: str) -> bool:
        name = reader_name.casefold()
        return any(fnmatch.fnmatchcase(name, p.casefold()) for p in self.name_patterns)

    def matches_atr(self, atr: bytes) -> bool:
        return any(_atr_matches(p, atr) for p in self.atr_patterns)


@dataclass(frozen=True)
class PrinterConnection:
    kind: str
    usb_vendor_id: int | None = None
    usb_product_id: int | None = None
    port: str | None = None
    baudrate: int | None = None
    host: str | None = None
    tcp_port: int | None = None
    path: str | None = None


@dataclass(frozen=True)
class PrinterProfile:
    id: str
    name: str
    vendor: str
    paper_width_mm: int
    print_width_mm: int
    dots_per_line: int
    dpi: int
    escpos_profile: str
    cutter: bool
    paper_sensor: bool
    connection: PrinterConnection
    notes: str = ""


@dataclass(frozen=True)
class CameraProfile:
    id: str
    name: str
    device_index: int
    width: int
    height: int
    fps: int
    fourcc: str | None
    autofocus: bool | None
    focus: int | None
    auto_exposure: bool | None
    exposure: int | None
    notes: str = ""


@dataclass(frozen=True)
class KioskProfile:
    id: str
    name: str
    reader: ReaderProfile
    printer: PrinterProfile
    camera: CameraProfile | None
    notes: str = ""


# --- ATR patterns -----------------------------------------------------------------------------------
_ATR_PATTERN = re.compile(r"^(?:[0-9A-F?]{2})*\*?$")


def _normalise_atr_pattern(pattern: str) -> str:
    return pattern.replace(" ", "").replace(":", "").upper()


def _atr_matches(pattern: str, atr: bytes) -> bool:
    """Hex digits match themselves, ``?`` any nibble, a final ``*`` any tail."""
    pat = _normalise_atr_pattern(pattern)
    text = atr.hex().upper()
    if pat.endswith("*"):
        pat = pat[:-1]
        if len(text) < len(pat):
            return False
        text = text[: len(pat)]
    elif len(text) != len(pat):
        return False
    return all(p in ("?", t) for p, t in zip(pat, text, strict=True))


# --- field checking ---------------------------------------------------------------------------------
class _Table:
    """Reads typed keys out of one TOML table and remembers which were consumed."""

    def __init__(self, file: str, data: Mapping[str, Any], prefix: str = "") -> None:
        self.file = file
        self.data = data
        self.prefix = prefix
        self.seen: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def fail(self, key: str | None, problem: str) -> ProfileError:
        return ProfileError(self.file, self._key(key) if key else (self.prefix.rstrip(".") or None), problem)

    def _get(self, key: str, required: bool) -> Any:
        self.seen.add(key)
        if key not in self.data:
            if required:
                raise self.fail(key, "required key is missing")
            return None
        return self.data[key]

    def text(self, key: str, *, required: bool = True, default: str | None = None,
            choices: Sequence[str] | None = None) -> Any:
        value = self._get(key, required)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected a non-empty string, got {type(value).__name__}")
        if choices is not None and value not in choices:
            raise self.fail(key, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def flag(self, key: str, *, required: bool = True, default: bool | None = None) -> Any:
        value = self._get(key, required)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {type(value).__name__}")
        return value

    def number(self, key: str, *, required: bool = True, minimum: int = 0, maximum: int = 2**31,
            default: int | None = None) -> Any:
        value = self._get(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"expected an integer, got {type(value).__name__}")
        if not minimum <= value <= maximum:
            raise self.fail(key, f"{value} is outside {minimum}..{maximum}")
        return value

    def str_list(self, key: str, *, required: bool = True, check: Callable[[str], str | None] | None = None,
                 ) -> tuple[str, ...]:
        value = self._get(key, required)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "expected a list of strings")
        for item in value:
            problem = check(item) if check else None
            if problem:
                raise self.fail(key, f"{item!r}: {problem}")
        return tuple(value)

    def hex_list(self, key: str) -> tuple[bytes, ...]:
        items = self.str_list(key, required=False, check=_hex_problem)
        return tuple(bytes.fromhex(i) for i in items)

    def table(self, key: str, *, required: bool = True) -> _Table | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(key, "expected a table")
        return _Table(self.file, value, f"{self._key(key)}.")

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise self.fail(unknown[0], "unknown key (typo?); see hardware_profiles/README.md")


def _hex_problem(text: str) -> str | None:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        return "not hex bytes"
    return None if value else "empty command"


def _atr_problem(text: str) -> str | None:
    if _ATR_PATTERN.match(_normalise_atr_pattern(text)):
        return None
    return "not an ATR pattern (hex digits, ? per nibble, optional final *)"


def _quirk_problem(text: str) -> str | None:
    return None if text in KNOWN_QUIRKS else f"unknown quirk; known: {', '.join(sorted(KNOWN_QUIRKS))}"


# --- parsers per kind -------------------------------------------------------------------------------
def _parse_reader(pid: str, t: _Table) -> ReaderProfile:
    transport = t.text("transport", choices=TRANSPORTS)
    extended = t.flag("extended_length")
    quirks = frozenset(t.str_list("quirks", required=False, check=_quirk_problem))
    if extended and "no-extended-length" in quirks:
        raise t.fail("extended_length", "true contradicts the quirk no-extended-length")
    fb = t.table("feedback", required=False)
    feedback = ReaderFeedback()
    if fb is not None:
        channel = fb.text("channel", choices=FEEDBACK_CHANNELS)
        feedback = ReaderFeedback(
            channel=channel,
            control_code=fb.number("control_code", required=channel == "escape", maximum=2**32 - 1),
            success=fb.hex_list("success"), failure=fb.hex_list("failure"), idle=fb.hex_list("idle"))
        fb.finish()
        if channel != "escape" and feedback.control_code is not None:
            raise fb.fail("control_code", "only used with channel = \"escape\"")
    st = t.table("serial", required=transport == "pn532-uart")
    serial = None
    if st is not None:
        if transport != "pn532-uart":
            raise t.fail("serial", "only used with transport = \"pn532-uart\"")
        serial = SerialSettings(port=st.text("port"),
                                baudrate=st.number("baudrate", minimum=9600, maximum=1_288_000))
        st.finish()
    profile = ReaderProfile(
        id=pid, name=t.text("name"), vendor=t.text("vendor"), transport=transport,
        name_patterns=t.str_list("name_patterns"),
        atr_patterns=t.str_list("atr_patterns", required=False, check=_atr_problem),
        extended_length=extended,
        max_command=t.number("max_command", minimum=5, maximum=65_544),
        max_le=t.number("max_le", minimum=1, maximum=65_536),
        quirks=quirks, feedback=feedback, serial=serial, notes=t.text("notes", required=False, default=""))
    if not extended and (profile.max_command > 261 or profile.max_le > 256):
        raise t.fail("max_command" if profile.max_command > 261 else "max_le",
                     "exceeds the short-APDU limit (261 / 256) while extended_length = false")
    return profile


def _parse_printer(pid: str, t: _Table) -> PrinterProfile:
    ct = t.table("connection")
    assert ct is not None
    kind = ct.text("kind", choices=PRINTER_CONNECTIONS)
    conn = PrinterConnection(
        kind=kind,
        usb_vendor_id=ct.number("usb_vendor_id", required=kind == "usb", maximum=0xFFFF),
        usb_product_id=ct.number("usb_product_id", required=kind == "usb", maximum=0xFFFF),
        port=ct.text("port", required=kind == "serial"),
        baudrate=ct.number("baudrate", required=kind == "serial", minimum=1200, maximum=1_000_000),
        host=ct.text("host", required=kind == "network"),
        tcp_port=ct.number("tcp_port", required=False, minimum=1, maximum=65_535,
                        default=9100 if kind == "network" else None),
        path=ct.text("path", required=kind in ("file", "cups")))
    ct.finish()
    for key in sorted(set(ct.data) - {"kind"} - _CONNECTION_KEYS[kind]):
        raise ct.fail(key, f"not used with kind = {kind!r}")
    paper = t.number("paper_width_mm", minimum=40, maximum=120)
    printable = t.number("print_width_mm", minimum=30, maximum=120)
    if printable > paper:
        raise t.fail("print_width_mm", f"{printable} mm is wider than the paper ({paper} mm)")
    dots = t.number("dots_per_line", minimum=128, maximum=2048)
    if dots % 8:
        raise t.fail("dots_per_line", "must be a multiple of 8 (raster bytes)")
    return PrinterProfile(
        id=pid, name=t.text("name"), vendor=t.text("vendor"), paper_width_mm=paper, print_width_mm=printable,
        dots_per_line=dots, dpi=t.number("dpi", minimum=100, maximum=600),
        escpos_profile=t.text("escpos_profile", required=False, default="default"),
        cutter=t.flag("cutter"), paper_sensor=t.flag("paper_sensor"), connection=conn,
        notes=t.text("notes", required=False, default=""))


def _parse_camera(pid: str, t: _Table) -> CameraProfile:
    ctl = t.table("controls", required=False) or _Table(t.file, {}, "controls.")
    fourcc = t.text("fourcc", required=False)
    if fourcc is not None and len(fourcc) != 4:
        raise t.fail("fourcc", "must be exactly 4 characters, e.g. MJPG")
    camera = CameraProfile(
        id=pid, name=t.text("name"), device_index=t.number("device_index", maximum=63),
        width=t.number("width", minimum=160, maximum=7680),
        height=t.number("height", minimum=120, maximum=4320),
        fps=t.number("fps", minimum=1, maximum=240), fourcc=fourcc,
        autofocus=ctl.flag("autofocus", required=False),
        focus=ctl.number("focus", required=False, maximum=1023),
        auto_exposure=ctl.flag("auto_exposure", required=False),
        exposure=ctl.number("exposure", required=False, minimum=-13, maximum=10_000),
        notes=t.text("notes", required=False, default=""))
    ctl.finish()
    if camera.autofocus and camera.focus is not None:
        raise ctl.fail("focus", "a fixed focus value needs autofocus = false")
    if camera.auto_exposure and camera.exposure is not None:
        raise ctl.fail("exposure", "a fixed exposure value needs auto_exposure = false")
    return camera


# --- loading ----------------------------------------------------------------------------------------
def bundled_root() -> Path:
    """The folder of the bundled ``hardware_profiles`` package (regular or namespace package, e.g. an
    editable install made before the package had its ``__init__``)."""
    import hardware_profiles

    for entry in list(hardware_profiles.__path__):
        if Path(entry).is_dir():
            return Path(entry)
    raise ProfileError("hardware_profiles", None, "bundled profile folder not found")


def _root(root: Path | Traversable | None) -> Path | Traversable:
    return root if root is not None else bundled_root()


def _read(kind: str, root: Path | Traversable | None) -> list[tuple[str, str, dict[str, Any]]]:
    folder = _root(root) / KIND_DIRS[kind]
    if not folder.is_dir():
        return []
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        label = f"{KIND_DIRS[kind]}/{entry.name}"
        try:
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ProfileError(label, None, f"not valid TOML: {exc}") from exc
        out.append((entry.name[: -len(".toml")], label, data))
    return out


def _load(kind: str, parse: Callable[[str, _Table], Any], root: Path | Traversable | None) -> dict[str, Any]:
    profiles: dict[str, Any] = {}
    for pid, label, data in _read(kind, root):
        table = _Table(label, data)
        profile = parse(pid, table)
        table.finish()
        profiles[pid] = profile
    return profiles


def load_reader_profiles(root: Path | Traversable | None = None) -> dict[str, ReaderProfile]:
    """All reader profiles by id (file stem). ``root`` overrides the bundled ``hardware_profiles``."""
    readers: dict[str, ReaderProfile] = _load("reader", _parse_reader, root)
    return readers


def load_printer_profiles(root: Path | Traversable | None = None) -> dict[str, PrinterProfile]:
    printers: dict[str, PrinterProfile] = _load("printer", _parse_printer, root)
    return printers


def load_camera_profiles(root: Path | Traversable | None = None) -> dict[str, CameraProfile]:
    cameras: dict[str, CameraProfile] = _load("camera", _parse_camera, root)
    return cameras


def match_reader(reader_name: str, atr: bytes | None = None, *,
                 profiles: Mapping[str, ReaderProfile] | None = None) -> ReaderProfile:
    """The profile for a reader: by PC/SC name pattern first, then by ATR pattern, else the generic
    CCID profile. Name patterns are case-insensitive ``fnmatch`` globs."""
    readers = profiles if profiles is not None else load_reader_profiles()
    by_name = [p for p in readers.values() if p.matches_name(reader_name)]
    if by_name:
        # the longest (most specific) pattern wins so a family glob never shadows a model glob
        return max(by_name, key=lambda p: max(len(x) for x in p.name_patterns if p.matches_name(reader_name)))
    if atr:
        for profile in readers.values():
            if profile.matches_atr(atr):
                return profile
    try:
        return readers[GENERIC_READER_ID]
    except KeyError:
        raise ProfileError(f"readers/{GENERIC_READER_ID}.toml", None,
                           "the generic fallback profile is missing") from None


def load_kiosk(name: str, root: Path | Traversable | None = None) -> KioskProfile:
    """Resolve a kiosk model (file stem under ``kiosks/``) into its reader, printer and camera."""
    kiosks = {pid: (label, data) for pid, label, data in _read("kiosk", root)}
    if name not in kiosks:
        raise ProfileError(f"kiosks/{name}.toml", None,
                           f"no such kiosk model; known: {', '.join(sorted(kiosks)) or 'none'}")
    label, data = kiosks[name]
    t = _Table(label, data)
    readers, printers, cameras = (load_reader_profiles(root), load_printer_profiles(root),
                                  load_camera_profiles(root))

    def ref(key: str, pool: Mapping[str, Any], required: bool = True) -> Any:
        pid = t.text(key, required=required)
        if pid is None:
            return None
        if pid not in pool:
            raise t.fail(key, f"refers to unknown profile {pid!r}; known: {', '.join(sorted(pool))}")
        return pool[pid]

    kiosk = KioskProfile(id=name, name=t.text("name"), reader=ref("reader", readers),
                         printer=ref("printer", printers), camera=ref("camera", cameras, required=False),
                         notes=t.text("notes", required=False, default=""))
    t.finish()
    return kiosk


def list_profiles(root: Path | Traversable | None = None) -> dict[str, tuple[str, ...]]:
    """Profile ids by kind (``reader``, ``printer``, ``camera``, ``kiosk``); validates every file."""
    kiosk_ids = tuple(pid for pid, _, _ in _read("kiosk", root))
    for pid in kiosk_ids:
        load_kiosk(pid, root)
    return {
        "reader": tuple(load_reader_profiles(root)),
        "printer": tuple(load_printer_profiles(root)),
        "camera": tuple(load_camera_profiles(root)),
        "kiosk": kiosk_ids,
    }
