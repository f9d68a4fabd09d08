"""The immutable result of reading one card: ``CardRead``.

It holds what the chip returned (raw bytes per file, so verification and re-verification work on
exactly what was read), the parsed values, and what each read cost. ``repr`` never shows personal data.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nfc.lds.dg2 import FaceImage
    from nfc.lds.dg13 import VietnamPersonalData
    from nfc.lds.mrz import MrzData
    from nfc.lds.security_infos import SecurityInfo
    from nfc.verify.active import AaResult
    from nfc.verify.chip import CaResult
    from nfc.verify.report import VerificationReport


class FileStatus(enum.Enum):
    OK = "ok"
    LOCKED = "locked"  # 6982: needs EAC/TA (DG3 on the CCCD); expected, not an error
    ABSENT = "absent"  # 6A82: not on this card
    FAILED = "failed"  # I/O, SM or parse failure: the read is not complete
    NOT_READ = "not-read"  # skipped by the reading plan


@dataclass(frozen=True)
class FileRead:
    name: str
    fid: int
    status: FileStatus
    data: bytes | None = field(default=None, repr=False)
    apdus: int = 0
    bytes_on_wire: int = 0
    ms: float = 0.0
    error: str | None = None  # reason code + plain message, no personal data


@dataclass(frozen=True)
class AccessResult:
    protocol: str  # "PACE" or "BAC"
    password: str  # "CAN" or "MRZ"
    mechanism: str  # e.g. "id-PACE-ECDH-GM-AES-CBC-CMAC-128 / brainpoolP256r1" or "BAC 3DES"
    cipher: str  # SM cipher: "AES-128", "3DES", ...
    fallback_reason: str | None = None  # why PACE was not used, when BAC was
    ms: float = 0.0


@dataclass(frozen=True, repr=False)
class CardRead:
    atr: bytes
    access: AccessResult
    files: Mapping[str, FileRead]
    security_infos: tuple[SecurityInfo, ...] = ()
    mrz: MrzData | None = None
    personal_data: VietnamPersonalData | None = None
    faces: tuple[FaceImage, ...] = ()
    apdu_count: int = 0
    bytes_total: int = 0
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    #: every file the plan asked for ended OK, LOCKED or ABSENT (expected statuses)
    complete: bool = False
    #: results of the in-session chip checks (``nfc.verify.chip.CaResult`` / ``nfc.verify.active.AaResult``)
    chip_authentication: CaResult | None = None
    active_authentication: AaResult | None = None
    verification: VerificationReport | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "files", MappingProxyType(dict(self.files)))
        object.__setattr__(self, "timings_ms", MappingProxyType(dict(self.timings_ms)))

    def file_bytes(self, name: str) -> bytes | None:
        entry = self.files.get(name)
        return entry.data if entry is not None and entry.status is FileStatus.OK else None

    def __repr__(self) -> str:
        statuses = ", ".join(f"{n}={f.status.value}" for n, f in self.files.items())
        return f"CardRead(access={self.access.protocol}, files=[{statuses}], complete={self.complete})"
