"""Offline verification of a folder of LDS files (``cccd-kiosk verify DIR``).

Accepted names (case-insensitive): ``EF_SOD.bin`` / ``EF_COM.bin`` / ``DatagroupN.bin`` (JMRTD style),
``ef011D.bin`` / ``ef01NN.bin`` (file identifiers), and ``SOD.bin`` / ``DGN.bin``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from nfc.errors import NfcError, ParseError
from nfc.lds.sod import parse_sod
from nfc.verify.chain import DEFAULT_POLICY, ChainPolicy, IssuerSource
from nfc.verify.passive import verify_sod
from nfc.verify.report import StepResult, StepStatus, VerificationReport
from nfc.verify.verdict import decide

MAX_FILE_BYTES = 1024 * 1024  # DG2/DG3 are tens of kB; nothing in an LDS folder is megabytes

_PATTERNS = [
    (re.compile(r"^ef_?sod(\.bin)?$", re.I), "SOD"),
    (re.compile(r"^sod(\.bin)?$", re.I), "SOD"),
    (re.compile(r"^ef_?com(\.bin)?$", re.I), "COM"),
    (re.compile(r"^com(\.bin)?$", re.I), "COM"),
    (re.compile(r"^ef011d(\.bin)?$", re.I), "SOD"),
    (re.compile(r"^ef011e(\.bin)?$", re.I), "COM"),
    (re.compile(r"^ef011c(\.bin)?$", re.I), "CardAccess"),
    (re.compile(r"^ef_?cardaccess(\.bin)?$", re.I), "CardAccess"),
]
_DG = [re.compile(r"^datagroup(\d{1,2})(\.bin)?$", re.I), re.compile(r"^dg(\d{1,2})(\.bin)?$", re.I)]
_FID_DG = re.compile(r"^ef01([0-9a-f]{2})(\.bin)?$", re.I)


@dataclass(frozen=True)
class LdsFolder:
    files: Mapping[str, bytes] = field(repr=False)  # "SOD", "COM", "DG1", ...

    @property
    def data_groups(self) -> Mapping[int, bytes]:
        return MappingProxyType({int(k[2:]): v for k, v in self.files.items() if k.startswith("DG")})


def file_name_for(name: str) -> str | None:
    """Map a file name in the folder to the LDS name ("SOD", "DG13", ...), or None."""
    for pattern, lds in _PATTERNS:
        if pattern.match(name):
            return lds
    for pattern in _DG:
        m = pattern.match(name)
        if m and 1 <= int(m.group(1)) <= 16:
            return f"DG{int(m.group(1))}"
    m = _FID_DG.match(name)
    if m and 1 <= int(m.group(1), 16) <= 16:
        return f"DG{int(m.group(1), 16)}"
    return None


def load_folder(path: Path) -> LdsFolder:
    path = Path(path)
    if not path.is_dir():
        raise ParseError("LDS folder", "not a directory")
    files: dict[str, bytes] = {}
    for entry in sorted(path.iterdir()):
        name = file_name_for(entry.name)
        if name is None or not entry.is_file():
            continue
        if entry.stat().st_size > MAX_FILE_BYTES:
            raise ParseError(entry.name, "file too large for an LDS file")
        if name in files:
            raise ParseError("LDS folder", f"two files for {name}")
        files[name] = entry.read_bytes()
    return LdsFolder(MappingProxyType(files))


def verify_folder(
    path: Path,
    *,
    trust: IssuerSource | None = None,
    now: datetime | None = None,
    policy: ChainPolicy = DEFAULT_POLICY,
) -> VerificationReport:
    """Passive Authentication of a folder (see ``verify_lds_files``)."""
    started = time.perf_counter()
    folder = load_folder(path)
    return verify_lds_files(folder.files, trust=trust, now=now, policy=policy, started=started)


def verify_lds_files(
    files: Mapping[str, bytes],
    *,
    trust: IssuerSource | None = None,
    now: datetime | None = None,
    policy: ChainPolicy = DEFAULT_POLICY,
    started: float | None = None,
) -> VerificationReport:
    """Verify LDS files by name ("SOD", "DG1", ...). No chip is present, so chip authentication is
    reported as skipped and not required; DG1/DG13 are cross-checked when both parse."""
    started = time.perf_counter() if started is None else started
    now = now or datetime.now(UTC)
    skipped = [StepResult("chip-authentication", StepStatus.SKIPPED, "offline files: no chip", "no-chip")]
    groups = {int(k[2:]): v for k, v in files.items() if k.startswith("DG")}
    checks = _crosschecks(files)
    sod_bytes = files.get("SOD")
    if sod_bytes is None:
        return decide(
            None, chip=skipped, crosschecks=checks, require_chip_authentication=False, now=now, started=started
        )
    try:
        sod = parse_sod(sod_bytes)
    except NfcError as exc:
        parse_step = StepResult("sod-parse", StepStatus.FAILED, str(exc), "sod-unparseable")
        return decide(
            None,
            extra_steps=(parse_step,),
            chip=skipped,
            crosschecks=checks,
            require_chip_authentication=False,
            now=now,
            started=started,
        )
    passive = verify_sod(sod, groups, trust, now, policy=policy)
    return decide(
        passive, chip=skipped, crosschecks=checks, require_chip_authentication=False, now=now, started=started
    )


def _crosschecks(files: Mapping[str, bytes]) -> tuple[StepResult, ...]:
    if "DG1" not in files or "DG13" not in files:
        return ()
    from nfc.lds.parse import parse_file
    from nfc.verify.crosscheck import crosscheck, mrz_values, personal_values

    try:
        mrz = parse_file("DG1", files["DG1"])
        dg13 = parse_file("DG13", files["DG13"])
    except NfcError:
        return ()  # unparseable identity files: their hashes decide; nothing to compare
    return crosscheck(mrz_values(mrz), personal_values(dg13))
