"""Layered kiosk configuration.

Layers, lowest first: built-in defaults < site file < device file < environment (``CCCD_KIOSK_*``).
Files are TOML. The merged result is validated once at start into frozen dataclasses; every error
names the key and the layer (file or variable) it came from. Secrets are wrapped in :class:`Secret`
so they print as ``***``.

Environment variables: ``CCCD_KIOSK_<SECTION>__<KEY>`` (double underscore between levels), e.g.
``CCCD_KIOSK_BHYT__PASSWORD``, ``CCCD_KIOSK_RETENTION__DAYS=30``, ``CCCD_KIOSK_HARDWARE_PROFILE=pn532``.
Lists from the environment are comma-separated. ``CCCD_KIOSK_SITE_FILE`` / ``CCCD_KIOSK_DEVICE_FILE``
choose the files (defaults ``/etc/cccd-kiosk/site.toml`` and ``device.toml``; a missing default file is
skipped, a missing named file is an error).
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kiosk.errors import KioskError
from kiosk.profiles import KioskProfile, ProfileError, load_kiosk

ENV_PREFIX = "CCCD_KIOSK_"
DEFAULT_SITE_FILE = Path("/etc/cccd-kiosk/site.toml")
DEFAULT_DEVICE_FILE = Path("/etc/cccd-kiosk/device.toml")
DEFAULT_SOURCE = "default"

#: every verdict the verification layer can produce; policy lists must use these names
KNOWN_VERDICTS = ("authentic", "issuer-unknown", "failed")  # nfc.verify.report.Verdict


class ConfigError(KioskError):
    """Invalid configuration. ``key`` and ``source`` say exactly what to fix where."""

    reason = "config-invalid"
    hint = "Fix the named setting, then run `cccd-kiosk config check`."

    def __init__(self, message: str, *, key: str = "", source: str = "") -> None:
        self.key = key
        self.source = source
        self.problem = message
        where = f"{key}" + (f" (from {source})" if source else "")
        super().__init__(None, None, detail=f"{where}: {message}" if where else message)

    def __str__(self) -> str:
        return str(self.detail)


@dataclass(frozen=True)
class Secret:
    """A credential. Its repr/str never show the value; call :meth:`reveal` where it is needed."""

    _value: str = field(repr=False)

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"


# --- schema ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Department:
    code: str
    name: str
    room: str = ""
    name_en: str = ""


@dataclass(frozen=True)
class PolicyConfig:
    #: verdicts that may check a patient in
    accepted_verdicts: tuple[str, ...] = ("authentic", "issuer-unknown")
    #: accepted verdicts that still put "needs staff confirmation" on the visit
    flagged_verdicts: tuple[str, ...] = ("issuer-unknown",)
    #: issue a ticket marked for staff confirmation when BHYT/HIS are unreachable (Decree 188 Art. 38 k2)
    offline_tickets: bool = True


@dataclass(frozen=True)
class BhytConfig:
    url: str = "https://egw.baohiemxahoi.gov.vn"
    username: str = ""
    password: Secret = Secret("")
    #: registered look-up officer (the gateway wants the staff identity with every query)
    officer_name: str = ""
    officer_id: Secret = Secret("")
    facility_code: str = ""
    timeout_s: float = 8.0
    retries: int = 2


@dataclass(frozen=True)
class HisConfig:
    kind: Literal["fhir", "none"] = "fhir"
    base_url: str = "http://127.0.0.1:8090/fhir"
    token: Secret = Secret("")
    cccd_system: str = "http://fhir.ehealth.gov.vn/core/sid/cccd"
    timeout_s: float = 5.0


@dataclass(frozen=True)
class RetentionConfig:
    days: int = 30


@dataclass(frozen=True)
class PrinterConfig:
    kind: Literal["none", "file", "serial", "usb", "network"] = "none"
    #: ``file``: output path (e.g. /dev/usb/lp0); ``serial``: device (e.g. /dev/ttyUSB0)
    path: str = ""
    baudrate: int = 115200
    usb_vendor: int = 0
    usb_product: int = 0
    host: str = ""
    port: int = 9100
    timeout_s: float = 10.0
    #: 384 dots = 58 mm paper, 576 dots = 80 mm paper (203 dpi); 0 = from the hardware profile
    width_px: int = 0
    #: python-escpos capability profile name (escpos-printer-db), empty = library default
    profile: str = ""


@dataclass(frozen=True)
class MetricsConfig:
    enabled: bool = False
    port: int = 9464


@dataclass(frozen=True)
class FaceConfig:
    #: the optional, consent-gated face check in the check-in flow (docs/face.md); off until a site calibrates it
    enabled: bool = False


@dataclass(frozen=True)
class KioskConfig:
    kiosk_id: str = "kiosk-1"
    site_name: str = ""
    #: kiosk model under hardware_profiles/kiosks/ (reader, printer, camera)
    hardware_profile: str = "standard-80mm"
    data_dir: Path = Path("/var/lib/cccd-kiosk")
    language: Literal["vi", "en"] = "vi"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    timezone_offset_hours: int = 7
    policy: PolicyConfig = PolicyConfig()
    departments: tuple[Department, ...] = (
        Department(code="KKB", name="Khoa Khám bệnh", room="Phòng 1", name_en="Outpatient clinic"),
    )
    bhyt: BhytConfig = BhytConfig()
    his: HisConfig = HisConfig()
    retention: RetentionConfig = RetentionConfig()
    printer: PrinterConfig = PrinterConfig()
    metrics: MetricsConfig = MetricsConfig()
    face: FaceConfig = FaceConfig()

    def hardware(self) -> KioskProfile:
        """The selected kiosk model (reader, printer and camera profiles)."""
        return load_kiosk(self.hardware_profile)

    def ticket_width_px(self) -> int:
        """Ticket raster width: the configured one, else the profile printer's (384 or 576 dots)."""
        if self.printer.width_px:
            return self.printer.width_px
        return 384 if self.hardware().printer.dots_per_line < 576 else 576

    def department(self, code: str) -> Department:
        for dept in self.departments:
            if dept.code == code:
                return dept
        raise ConfigError(f"unknown department {code!r}", key="departments")


@dataclass(frozen=True)
class LoadedConfig:
    config: KioskConfig
    #: dotted key → where its value came from ("default", "site:/etc/…", "env:CCCD_KIOSK_…")
    sources: Mapping[str, str]
    files: tuple[Path, ...]


# --- raw layers -----------------------------------------------------------------------------------
_Raw = dict[str, Any]


def _read_toml(path: Path, label: str) -> _Raw:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", source=f"{label}:{path}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror}", source=f"{label}:{path}") from exc


def _merge(target: _Raw, sources: dict[str, str], layer: Mapping[str, Any], label: str, prefix: str) -> None:
    for key, value in layer.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            sub = target.setdefault(key, {})
            if not isinstance(sub, dict):
                raise ConfigError("is a table here but a value in a lower layer", key=dotted, source=label)
            _merge(sub, sources, value, label, f"{dotted}.")
        else:
            target[key] = value
            sources[dotted] = label


def _env_layer(env: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(dotted key, raw string, variable name) for every CCCD_KIOSK_* setting variable."""
    out = []
    for name, value in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or name in (f"{ENV_PREFIX}SITE_FILE", f"{ENV_PREFIX}DEVICE_FILE"):
            continue
        dotted = ".".join(part.lower() for part in name[len(ENV_PREFIX) :].split("__"))
        out.append((dotted, value, name))
    return out


# --- typed construction ---------------------------------------------------------------------------
def _describe(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


def _coerce(tp: Any, value: Any, key: str, source: str) -> Any:
    """Convert ``value`` (TOML value, or str from the environment) to ``tp`` or raise ConfigError."""
    from_env = source.startswith("env:") and isinstance(value, str)
    origin = typing.get_origin(tp)
    if origin is Literal:
        allowed = typing.get_args(tp)
        if value not in allowed:
            raise ConfigError(
                f"must be one of {', '.join(map(repr, allowed))}, got {value!r}", key=key, source=source
            )
        return value
    if tp is bool:
        if from_env:
            lowered = value.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
        if isinstance(value, bool):
            return value
        raise ConfigError(f"must be true or false, got {value!r}", key=key, source=source)
    if tp is int:
        if from_env:
            try:
                return int(value, 0)
            except ValueError:
                pass
        elif isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"must be an integer, got {value!r}", key=key, source=source)
    if tp is float:
        if from_env:
            try:
                return float(value)
            except ValueError:
                pass
        elif isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"must be a number, got {value!r}", key=key, source=source)
    if tp is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"must be a string, got {type(value).__name__}", key=key, source=source)
    if tp is Secret:
        if isinstance(value, str):
            return Secret(value)
        raise ConfigError("must be a string", key=key, source=source)
    if tp is Path:
        if isinstance(value, str) and value:
            return Path(value)
        raise ConfigError("must be a non-empty path string", key=key, source=source)
    if origin is tuple:
        (item_tp, _ellipsis) = typing.get_args(tp)
        if from_env:
            if dataclasses.is_dataclass(item_tp):
                raise ConfigError("cannot be set from the environment; use a file", key=key, source=source)
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list):
            raise ConfigError("must be a list", key=key, source=source)
        return tuple(_coerce(item_tp, item, f"{key}[{i}]", source) for i, item in enumerate(value))
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            raise ConfigError("must be a table", key=key, source=source)
        return _build(tp, value, {}, f"{key}.", source)
    raise ConfigError(f"unsupported setting type {_describe(tp)}", key=key, source=source)


def _build(
    cls: type[Any], raw: Mapping[str, Any], sources: Mapping[str, str], prefix: str, fallback: str
) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in names:
            dotted = f"{prefix}{key}"
            src = sources.get(dotted) or _first_source(sources, dotted) or fallback
            raise ConfigError(
                f"unknown setting (known here: {', '.join(sorted(names))})", key=dotted, source=src
            )
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in raw:
            continue
        dotted = f"{prefix}{f.name}"
        tp = hints[f.name]
        value = raw[f.name]
        if dataclasses.is_dataclass(tp) and isinstance(tp, type) and isinstance(value, dict):
            kwargs[f.name] = _build(tp, value, sources, f"{dotted}.", fallback)
        else:
            kwargs[f.name] = _coerce(tp, value, dotted, sources.get(dotted, fallback))
    return cls(**kwargs)


def _first_source(sources: Mapping[str, str], dotted: str) -> str | None:
    for key, src in sources.items():
        if key.startswith(dotted + "."):
            return src
    return None


def _set_dotted(target: _Raw, dotted: str, value: Any, label: str) -> None:
    parts = dotted.split(".")
    node = target
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError("is a value, not a table", key=dotted, source=label)
        node = child
    node[parts[-1]] = value


# --- validation -----------------------------------------------------------------------------------
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def _validate(cfg: KioskConfig, sources: Mapping[str, str]) -> None:
    def fail(key: str, message: str, blame: str = "") -> typing.NoReturn:
        # cross-field rule: blame the layer that set the other key (e.g. printer.kind) if ours is a default
        src = sources.get(key) or _first_source(sources, key) or DEFAULT_SOURCE
        if blame and src == DEFAULT_SOURCE:
            src = sources.get(blame, DEFAULT_SOURCE)
        raise ConfigError(message, key=key, source=src)

    if not _SLUG.match(cfg.hardware_profile):
        fail("hardware_profile", "must be a kiosk model name like 'standard-80mm' (a-z, 0-9, . _ -)")
    try:
        cfg.hardware()
    except ProfileError as exc:
        fail("hardware_profile", str(exc))
    if not cfg.kiosk_id.strip():
        fail("kiosk_id", "must not be empty")
    if not -12 <= cfg.timezone_offset_hours <= 14:
        fail("timezone_offset_hours", "must be between -12 and 14")
    for i, verdict in enumerate(cfg.policy.accepted_verdicts):
        if verdict not in KNOWN_VERDICTS:
            fail(
                "policy.accepted_verdicts",
                f"item {i}: unknown verdict {verdict!r} (known: {', '.join(KNOWN_VERDICTS)})",
            )
    if "failed" in cfg.policy.accepted_verdicts:
        fail("policy.accepted_verdicts", "'failed' can never be accepted")
    for verdict in cfg.policy.flagged_verdicts:
        if verdict not in cfg.policy.accepted_verdicts:
            fail(
                "policy.flagged_verdicts",
                f"{verdict!r} is flagged but not in policy.accepted_verdicts",
                "policy.accepted_verdicts",
            )
    if not cfg.departments:
        fail("departments", "at least one department is required")
    codes: set[str] = set()
    for i, dept in enumerate(cfg.departments):
        if not dept.code.strip() or not dept.name.strip():
            fail("departments", f"item {i}: code and name are required")
        if dept.code in codes:
            fail("departments", f"duplicate department code {dept.code!r}")
        codes.add(dept.code)
    for key, url in (("bhyt.url", cfg.bhyt.url), ("his.base_url", cfg.his.base_url)):
        if not re.match(r"^https?://[^\s/]+", url):
            fail(key, f"must be an http(s) URL, got {url!r}")
    for key, value in (
        ("bhyt.timeout_s", cfg.bhyt.timeout_s),
        ("his.timeout_s", cfg.his.timeout_s),
        ("printer.timeout_s", cfg.printer.timeout_s),
    ):
        if not 0 < value <= 120:
            fail(key, "must be between 0 and 120 seconds")
    if not 0 <= cfg.bhyt.retries <= 10:
        fail("bhyt.retries", "must be between 0 and 10")
    if not 1 <= cfg.retention.days <= 3650:
        fail("retention.days", "must be between 1 and 3650")
    p = cfg.printer
    if p.width_px not in (0, 384, 576):
        fail("printer.width_px", "must be 384 (58 mm paper), 576 (80 mm paper) or 0 (hardware profile)")
    if p.kind in ("file", "serial") and not p.path:
        fail("printer.path", f"is required for printer.kind = {p.kind!r}", "printer.kind")
    if p.kind == "usb" and not (0 < p.usb_vendor <= 0xFFFF and 0 < p.usb_product <= 0xFFFF):
        fail(
            "printer.usb_vendor",
            "printer.usb_vendor and printer.usb_product (16-bit IDs) are required for USB",
            "printer.kind",
        )
    if p.kind == "network" and not p.host:
        fail("printer.host", "is required for printer.kind = 'network'", "printer.kind")
    for key, port in (("printer.port", p.port), ("metrics.port", cfg.metrics.port)):
        if not 1 <= port <= 65535:
            fail(key, "must be a TCP port (1-65535)")


# --- public API -----------------------------------------------------------------------------------
def _defaults_sources(cls: type[Any], prefix: str, out: dict[str, str]) -> None:
    for f in dataclasses.fields(cls):
        tp = typing.get_type_hints(cls)[f.name]
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            _defaults_sources(tp, f"{prefix}{f.name}.", out)
        else:
            out[f"{prefix}{f.name}"] = DEFAULT_SOURCE


def _file_choice(
    explicit: Path | None, env: Mapping[str, str], var: str, default: Path
) -> tuple[Path | None, bool]:
    """(path, required): a file named explicitly or by variable must exist; the default may be absent."""
    if explicit is not None:
        return explicit, True
    if env.get(var):
        return Path(env[var]), True
    return default, False


def load_config(
    site_file: Path | None = None,
    device_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    use_default_files: bool = True,
) -> LoadedConfig:
    """Merge the layers and validate. Raises :class:`ConfigError` naming the key and its layer."""
    env = os.environ if env is None else env
    sources: dict[str, str] = {}
    _defaults_sources(KioskConfig, "", sources)
    raw: _Raw = {}
    files: list[Path] = []
    for label, explicit, var, default in (
        ("site", site_file, f"{ENV_PREFIX}SITE_FILE", DEFAULT_SITE_FILE),
        ("device", device_file, f"{ENV_PREFIX}DEVICE_FILE", DEFAULT_DEVICE_FILE),
    ):
        path, required = _file_choice(explicit, env, var, default)
        if path is None or (not required and (not use_default_files or not path.exists())):
            continue
        if not path.exists():
            raise ConfigError("file not found", source=f"{label}:{path}")
        _merge(raw, sources, _read_toml(path, label), f"{label}:{path}", "")
        files.append(path)
    for dotted, value, var in _env_layer(env):
        _set_dotted(raw, dotted, value, f"env:{var}")
        sources[dotted] = f"env:{var}"
    cfg = _build(KioskConfig, raw, sources, "", DEFAULT_SOURCE)
    _validate(cfg, sources)
    return LoadedConfig(config=cfg, sources=dict(sources), files=tuple(files))


def _plain(value: Any) -> Any:
    if isinstance(value, Secret):
        return "***" if value else ""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def redacted(cfg: KioskConfig) -> dict[str, Any]:
    """The configuration as plain data with every secret replaced by ``***``."""
    result: dict[str, Any] = _plain(cfg)
    return result


def flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Dotted (key, value) pairs; lists of tables stay one entry."""
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.extend(flatten(value, f"{dotted}."))
        else:
            out.append((dotted, value))
    return out


__all__ = [
    "KNOWN_VERDICTS",
    "BhytConfig",
    "ConfigError",
    "Department",
    "FaceConfig",
    "HisConfig",
    "KioskConfig",
    "LoadedConfig",
    "MetricsConfig",
    "PolicyConfig",
    "PrinterConfig",
    "RetentionConfig",
    "Secret",
    "flatten",
    "load_config",
    "redacted",
]
