"""Hardware profiles: the bundled files load and match real PC/SC reader names; bad files fail clearly."""

from __future__ import annotations

import ast
import dataclasses
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from kiosk.profiles import (
    GENERIC_READER_ID,
    KNOWN_QUIRKS,
    ProfileError,
    ReaderProfile,
    bundled_root,
    list_profiles,
    load_camera_profiles,
    load_kiosk,
    load_printer_profiles,
    load_reader_profiles,
    match_reader,
)

BUNDLED = bundled_root()
REPO = Path(__file__).resolve().parents[2]

GOOD_READER = """
name = "Test reader"
vendor = "Test"
transport = "pcsc"
name_patterns = ["*TEST*"]
extended_length = false
max_command = 261
max_le = 256
"""
GOOD_PRINTER = """
name = "P"
vendor = "V"
paper_width_mm = 80
print_width_mm = 72
dots_per_line = 576
dpi = 203
cutter = true
paper_sensor = true
[connection]
kind = "network"
host = "127.0.0.1"
"""
GOOD_CAMERA = """
name = "C"
device_index = 0
width = 1280
height = 720
fps = 30
"""


def tree(root: Path, files: dict[str, str]) -> Path:
    base = {"readers/generic-ccid.toml": GOOD_READER.replace('["*TEST*"]', "[]"),
            "printers/p.toml": GOOD_PRINTER, "cameras/c.toml": GOOD_CAMERA}
    base.update(files)
    for name, text in base.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# --- bundled data -----------------------------------------------------------------------------------
def test_bundled_profiles_cover_the_required_devices() -> None:
    ids = list_profiles()
    assert {"acs-acr1252u", "acs-acr122u", "hid-omnikey-5022", "hid-omnikey-5422", "identiv-utrust-3700f",
            "feitian-br301", "feitian-r502", GENERIC_READER_ID, "pn532-uart"} <= set(ids["reader"])
    printers = {"generic-58mm", "generic-80mm", "epson-tm-t20", "epson-tm-t82", "xprinter-xp-80"}
    assert printers <= set(ids["printer"])
    assert {"uvc-720p", "uvc-1080p"} <= set(ids["camera"])
    assert len(ids["kiosk"]) >= 3


def test_acr122u_is_short_only_with_led_buzzer_pseudo_apdus() -> None:
    acr = load_reader_profiles()["acs-acr122u"]
    assert not acr.extended_length and acr.has_quirk("no-extended-length")
    assert acr.max_command <= 261 and acr.max_le <= 256
    assert acr.feedback.channel == "pseudo-apdu"
    for command in acr.feedback.success + acr.feedback.failure + acr.feedback.idle:
        assert command[:3] == bytes.fromhex("FF 00 40")       # LED/buzzer control
        assert command[4] == 4 and len(command) == 9          # Lc 04: T1 T2 repetitions link
    assert acr.feedback.success and acr.feedback.failure


def test_acr1252u_uses_escape_ioctl_and_allows_extended() -> None:
    acr = load_reader_profiles()["acs-acr1252u"]
    assert acr.extended_length and acr.max_le > 256
    assert acr.feedback.channel == "escape"
    assert acr.feedback.control_code == 0x42000000 + 3500     # SCARD_CTL_CODE(3500) on pcsc-lite


def test_pn532_profile_carries_serial_settings() -> None:
    kiosk = load_kiosk("diy-pn532")
    assert kiosk.reader.transport == "pn532-uart"
    assert kiosk.reader.serial is not None and kiosk.reader.serial.baudrate == 115200
    assert kiosk.camera is None


def test_printers_dots_match_paper() -> None:
    for printer in load_printer_profiles().values():
        assert printer.dots_per_line in (384, 576), printer.id
        assert (printer.paper_width_mm == 58) == (printer.dots_per_line == 384), printer.id


def test_cameras_with_fixed_focus_disable_autofocus() -> None:
    for camera in load_camera_profiles().values():
        if camera.focus is not None:
            assert camera.autofocus is False


def test_kiosk_resolves_reader_printer_camera() -> None:
    kiosk = load_kiosk("standard-80mm")
    assert kiosk.reader.id == "acs-acr1252u"
    assert kiosk.printer.id == "epson-tm-t20" and kiosk.printer.paper_width_mm == 80
    assert kiosk.camera is not None and kiosk.camera.height == 1080


def test_profiles_are_frozen() -> None:
    reader = load_reader_profiles()[GENERIC_READER_ID]
    with pytest.raises(dataclasses.FrozenInstanceError):
        reader.max_le = 65536  # type: ignore[misc]


# --- matching ---------------------------------------------------------------------------------------
READER_NAMES = [
    ("ACS ACR1252 Dual Reader [ACR1252 Dual Reader PICC] 00 00", "acs-acr1252u"),
    ("ACS ACR1252 1S CL Reader [ACR1252 1S CL Reader(1)] 00 00", "acs-acr1252u"),
    ("ACS ACR122U PICC Interface 00 00", "acs-acr122u"),
    ("HID Global OMNIKEY 5022 Smart Card Reader [OMNIKEY 5022 Smart Card Reader] 00 00", "hid-omnikey-5022"),
    ("HID Global OMNIKEY 5422 Smartcard Reader [OMNIKEY 5422 Smartcard Reader] 01 00", "hid-omnikey-5422"),
    ("Identive uTrust 3700 F CL Reader [uTrust 3700 F CL Reader] 00 00", "identiv-utrust-3700f"),
    ("Feitian bR301 [bR301 Smart Card Reader] 00 00", "feitian-br301"),
    ("FT R502 [R502 Contactless Reader] 00 00", "feitian-r502"),
    ("PN532 UART /dev/ttyUSB0", "pn532-uart"),
    ("acs acr122u picc interface 00 00", "acs-acr122u"),             # case-insensitive
    ("Gemalto PC Twin Reader 00 00", GENERIC_READER_ID),              # unknown → generic fallback
    ("", GENERIC_READER_ID),
]


@pytest.mark.parametrize(("name", "expected"), READER_NAMES)
def test_match_reader_by_pcsc_name(name: str, expected: str) -> None:
    assert match_reader(name, None).id == expected


@pytest.mark.parametrize(("name", "expected"), READER_NAMES)
def test_no_reader_name_matches_two_profiles(name: str, expected: str) -> None:
    hits = [p.id for p in load_reader_profiles().values() if p.matches_name(name)]
    assert hits == ([] if expected == GENERIC_READER_ID else [expected])


def test_match_reader_by_atr_when_name_is_unknown(tmp_path: Path) -> None:
    root = tree(tmp_path, {"readers/site.toml": GOOD_READER + 'atr_patterns = ["3B 8? 80 01 80 73 *"]\n'})
    readers = load_reader_profiles(root)
    assert match_reader("Renamed reader 00 00", bytes.fromhex("3B 85 80 01 80 73 C8 21 10 6B"),
                        profiles=readers).id == "site"
    assert match_reader("Renamed reader 00 00", bytes.fromhex("3B 80 80 01 01"),
                        profiles=readers).id == GENERIC_READER_ID
    assert match_reader("Renamed reader 00 00", None, profiles=readers).id == GENERIC_READER_ID
    # a name match wins over an ATR match
    assert match_reader("A TEST reader", bytes.fromhex("3B 80 80 01 01"), profiles=readers).id == "site"


def test_exact_atr_pattern_needs_full_length(tmp_path: Path) -> None:
    root = tree(tmp_path, {"readers/site.toml": GOOD_READER + 'atr_patterns = ["3B 80 80 01 01"]\n'})
    site = load_reader_profiles(root)["site"]
    assert site.matches_atr(bytes.fromhex("3B80800101"))
    assert not site.matches_atr(bytes.fromhex("3B8080010100"))
    assert not site.matches_atr(bytes.fromhex("3B808001"))


def test_missing_generic_fallback_is_reported(tmp_path: Path) -> None:
    (tmp_path / "readers").mkdir()
    (tmp_path / "readers" / "only.toml").write_text(GOOD_READER)
    with pytest.raises(ProfileError, match="generic"):
        match_reader("nothing", None, profiles=load_reader_profiles(tmp_path))


# --- validation -------------------------------------------------------------------------------------
BAD_READERS = [
    (GOOD_READER + "max_lee = 256\n", "max_lee", "unknown key"),                          # typo
    (GOOD_READER.replace("max_le = 256", "max_le = \"256\""), "max_le", "integer"),
    (GOOD_READER.replace("extended_length = false", "extended_length = 1"), "extended_length",
     "true or false"),
    (GOOD_READER.replace('transport = "pcsc"', 'transport = "usb"'), "transport", "not one of"),
    (GOOD_READER + 'quirks = ["no-extended-lenght"]\n', "quirks", "unknown quirk"),
    (GOOD_READER.replace("extended_length = false", "extended_length = true")
     + 'quirks = ["no-extended-length"]\n', "extended_length", "contradicts"),
    (GOOD_READER.replace("max_le = 256", "max_le = 1024"), "max_le", "short-APDU"),
    (GOOD_READER.replace("name = \"Test reader\"\n", ""), "name", "missing"),
    (GOOD_READER + 'atr_patterns = ["3B XX"]\n', "atr_patterns", "ATR pattern"),
    (GOOD_READER + '[feedback]\nchannel = "escape"\nsuccess = ["E0000029 0102"]\n', "feedback.control_code",
     "missing"),
    (GOOD_READER + '[feedback]\nchannel = "pseudo-apdu"\nsuccess = ["FF0040ZZ"]\n', "feedback.success",
     "hex"),
    (GOOD_READER + '[feedback]\nchannel = "pseudo-apdu"\nblink = ["FF00"]\n', "feedback.blink",
     "unknown key"),
    (GOOD_READER.replace('"pcsc"', '"pn532-uart"'), "serial", "missing"),
    (GOOD_READER + '[serial]\nport = "/dev/ttyS0"\nbaudrate = 115200\n', "serial", "only used"),
]


@pytest.mark.parametrize(("text", "key", "problem"), BAD_READERS)
def test_bad_reader_file_names_file_and_key(tmp_path: Path, text: str, key: str, problem: str) -> None:
    tree(tmp_path, {"readers/broken.toml": text})
    with pytest.raises(ProfileError) as info:
        load_reader_profiles(tmp_path)
    error = info.value
    assert error.file == "readers/broken.toml"
    assert error.key == key
    assert problem in str(error)
    assert error.reason == "bad-profile" and error.hint


@pytest.mark.parametrize(("text", "key"), [
    (GOOD_PRINTER.replace("print_width_mm = 72", "print_width_mm = 90"), "print_width_mm"),
    (GOOD_PRINTER.replace("dots_per_line = 576", "dots_per_line = 570"), "dots_per_line"),
    (GOOD_PRINTER.replace('kind = "network"', 'kind = "usb"'), "connection.usb_vendor_id"),
    (GOOD_PRINTER + "baud = 9600\n", "connection.baud"),     # lands in [connection]: still unknown
    (GOOD_PRINTER.replace("cutter = true", "cuter = true"), "cutter"),
    (GOOD_PRINTER + "usb_vendor_id = 0x04B8\n", "connection.usb_vendor_id"),   # wrong kind
])
def test_bad_printer_file(tmp_path: Path, text: str, key: str) -> None:
    tree(tmp_path, {"printers/p.toml": text})
    with pytest.raises(ProfileError) as info:
        load_printer_profiles(tmp_path)
    assert (info.value.file, info.value.key) == ("printers/p.toml", key)


@pytest.mark.parametrize(("text", "key"), [
    (GOOD_CAMERA + "[controls]\nautofocus = true\nfocus = 10\n", "controls.focus"),
    (GOOD_CAMERA + "[controls]\nauto_exposure = true\nexposure = 100\n", "controls.exposure"),
    (GOOD_CAMERA + "[controls]\nzoom = 2\n", "controls.zoom"),
    (GOOD_CAMERA + 'fourcc = "MJPEG"\n', "fourcc"),
    (GOOD_CAMERA.replace("width = 1280", "width = 99999"), "width"),
])
def test_bad_camera_file(tmp_path: Path, text: str, key: str) -> None:
    tree(tmp_path, {"cameras/c.toml": text})
    with pytest.raises(ProfileError) as info:
        load_camera_profiles(tmp_path)
    assert (info.value.file, info.value.key) == ("cameras/c.toml", key)


def test_kiosk_with_unknown_reference(tmp_path: Path) -> None:
    tree(tmp_path, {"kiosks/k.toml": 'name = "K"\nreader = "acs-acr9999"\nprinter = "p"\n'})
    with pytest.raises(ProfileError) as info:
        load_kiosk("k", tmp_path)
    assert (info.value.file, info.value.key) == ("kiosks/k.toml", "reader")
    assert "acs-acr9999" in str(info.value)


def test_unknown_kiosk_lists_known_ones(tmp_path: Path) -> None:
    tree(tmp_path, {"kiosks/k.toml": 'name = "K"\nreader = "generic-ccid"\nprinter = "p"\ncamera = "c"\n'})
    assert load_kiosk("k", tmp_path).camera is not None
    with pytest.raises(ProfileError, match="known: k"):
        load_kiosk("nope", tmp_path)


def test_invalid_toml_is_a_profile_error(tmp_path: Path) -> None:
    tree(tmp_path, {"readers/broken.toml": "name = \n"})
    with pytest.raises(ProfileError) as info:
        load_reader_profiles(tmp_path)
    assert info.value.file == "readers/broken.toml" and "TOML" in str(info.value)


def test_has_quirk_rejects_unknown_names() -> None:
    reader: ReaderProfile = load_reader_profiles()[GENERIC_READER_ID]
    assert reader.has_quirk("no-extended-length")
    with pytest.raises(ValueError):
        reader.has_quirk("no-extended-lenght")


# --- documentation and layering ---------------------------------------------------------------------
def _keys(table: dict[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in table.items():
        keys.add(key)
        if isinstance(value, dict):
            keys |= _keys(value, f"{prefix}{key}.")
    return keys


def test_every_field_and_quirk_is_documented() -> None:
    readme = (BUNDLED / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_0-9-]+)`", readme))
    used: set[str] = set()
    for path in BUNDLED.rglob("*.toml"):
        used |= _keys(tomllib.loads(path.read_text(encoding="utf-8")))
    # keys parsed by the loader but not used in any bundled file must be documented too
    source = (REPO / "kiosk" / "profiles.py").read_text(encoding="utf-8")
    used |= set(re.findall(r'\.(?:text|flag|number|str_list|hex_list|table)\("([a-z_]+)"', source))
    missing = sorted((used | KNOWN_QUIRKS) - documented)
    assert not missing, f"undocumented in hardware_profiles/README.md: {missing}"


def test_pn532_transport_does_not_import_kiosk() -> None:
    for name in ("pn532.py", "pn532_frames.py"):
        tree_ = ast.parse((REPO / "nfc" / "transport" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree_):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("kiosk"), name
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("kiosk") for a in node.names), name
