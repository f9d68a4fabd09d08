"""One high-level call: ``read_card(connection, key)`` → an immutable :class:`~nfc.model.CardRead`.

The reading plan (emrtd-lessons §1.1–1.3):
- EF.CardAccess first (by SFI, no SELECT MF — the CCCD answers 6D00 to that), then PACE with the
  given password, falling back to BAC (MRZ keys only) when PACE is absent or refused.
- Each file is read by short EF identifier: the first READ BINARY selects the file *and* returns the
  first block, whose TLV header gives the file length — no SELECT and no header-only probe.
- Blocks of the largest Le that fits one short SM response (223 AES, 231 3DES); the last block asks
  exactly for what is left. 6Cxx → exact Le (channel); 6700/6B00 → smaller blocks for the rest of the
  session; 6282 → short data accepted. Odd-INS READ BINARY above offset 32767.
- Extended length only when the reader (profile) and the chip (ATR capabilities) both allow it, and
  dropped for the rest of the read at the first sign of trouble.
- An SM failure ends the session: re-authenticate (bounded) and resume at the byte offset reached.
- Locked (6982) and absent (6A82) files are reported per file, never fatal.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nfc.access.keys import AccessKey, CanKey, MrzKey
from nfc.errors import (
    AccessControlError,
    FileNotFoundOnCardError,
    NfcError,
    ParseError,
    SecureMessagingError,
    SecurityStatusNotSatisfiedError,
    StatusWordError,
    UnsupportedCardError,
    WrongKeyError,
    WrongLengthError,
    WrongParametersError,
)
from nfc.iso7816.apdu import CommandApdu, ResponseApdu
from nfc.iso7816.atr import supports_extended_length
from nfc.iso7816.channel import ApduChannel
from nfc.iso7816.status import SW_END_OF_FILE_WARNING, SW_FILE_NOT_FOUND, SW_OK, SW_SECURITY_NOT_SATISFIED
from nfc.lds.dg2 import FaceImage
from nfc.lds.dg13 import VietnamPersonalData
from nfc.lds.files import CARD_ACCESS, COM, SOD, LdsFile, by_name
from nfc.lds.mrz import MrzData
from nfc.lds.security_infos import PaceInfo, SecurityInfo
from nfc.model import AccessResult, CardRead, FileRead, FileStatus
from nfc.transport.base import CardConnection

LDS1_AID = bytes.fromhex("A0000002471001")
MAX_FILE_BYTES = 512 * 1024  # no LDS file is this large; a bigger declared length is corrupt data
SHORT_PLAIN_BLOCK = 256
FALLBACK_BLOCKS = (160, 128, 64, 32)
DEFAULT_FILES = ("COM", "DG1", "DG13", "DG14", "DG15", "SOD", "DG2")
#: read order: identity first (so insurance/HIS look-ups can start), the big face image last
PRIORITY = {"COM": 0, "DG1": 1, "DG13": 2, "DG11": 3, "DG12": 4, "DG14": 5, "DG15": 6, "SOD": 7, "DG2": 9}


@dataclass(frozen=True)
class ReadPlan:
    #: files to read; None = what EF.COM lists (minus ``skip``) plus EF.SOD
    files: tuple[str, ...] | None = None
    skip: frozenset[str] = frozenset({"DG3", "DG4"})  # fingerprints/iris need EAC terminal certificates
    read_face: bool = True
    use_sfi: bool = True
    block_size: int | None = None  # None = largest short block for the SM cipher
    extended_length: bool = True  # only used when the reader and the chip both allow it
    prefer_pace: bool = True
    chip_authentication: bool = True
    active_authentication: bool = True
    max_reauthentications: int = 3
    #: read only this many bytes first to learn the length (other readers' habit; kept to compare plans)
    header_probe: int | None = None


@dataclass(frozen=True)
class ReadProgress:
    step: str  # "access", "file", "chip-authentication", "active-authentication", "done"
    name: str
    fraction: float  # 0..1 over the whole read, by bytes where known


ProgressCallback = Callable[[ReadProgress], None]
#: called once DG1 and DG13 are in, while the rest is still being read (speculative look-ups)
EarlyDataCallback = Callable[[Any, Any], None]


@dataclass
class _Budget:
    block: int = SHORT_PLAIN_BLOCK
    extended: bool = False
    reauths_left: int = 3


@dataclass
class _FileProgress:
    data: bytearray = field(default_factory=bytearray)
    total: int | None = None
    selected: bool = False


class CardReader:
    def __init__(
        self,
        connection: CardConnection,
        key: AccessKey,
        plan: ReadPlan | None = None,
        *,
        progress: ProgressCallback | None = None,
        on_early_data: EarlyDataCallback | None = None,
        random_bytes: Callable[[int], bytes] | None = None,
    ) -> None:
        self.connection = connection
        self.key = key
        self.plan = plan or ReadPlan()
        self.channel = ApduChannel(connection)
        self._progress = progress
        self._on_early_data = on_early_data
        self._random_kwargs: dict[str, Any] = {"random_bytes": random_bytes} if random_bytes else {}
        self._budget = _Budget(
            reauths_left=self.plan.max_reauthentications,
            extended=(
                self.plan.extended_length
                and connection.supports_extended_length
                and supports_extended_length(connection.atr)
            ),
        )
        self._security_infos: tuple[SecurityInfo, ...] = ()
        self._card_access_read: FileRead | None = None
        self._access: AccessResult | None = None
        self._timings: dict[str, float] = {}

    # -- public -----------------------------------------------------------------------------------
    def read(self) -> CardRead:
        started = time.perf_counter()
        self._emit("access", "CardAccess", 0.0)
        access = self._open_session()
        self._access = access
        self._timings["access"] = access.ms

        files: dict[str, FileRead] = {}
        if self._card_access_read is not None:
            files["CardAccess"] = self._card_access_read
        names = self._plan_files(files)
        identity_last = "DG13" if "DG13" in names else "DG1"
        for position, name in enumerate(names):
            self._emit("file", name, 0.1 + 0.8 * position / max(1, len(names)))
            files[name] = self._read_file(by_name(name))
            if name == identity_last and self._on_early_data is not None:
                self._send_early(files)
        return self._finish(files, started)

    # -- chip checks (need the live session) --------------------------------------------------------
    def _chip_checks(self, files: dict[str, FileRead], infos: list[SecurityInfo]) -> tuple[Any, Any]:
        """Active Authentication first (it uses the current keys), Chip Authentication last (it replaces
        them). Protocol failures come back as FAILED results; transport errors propagate."""
        aa = ca = None
        dg15 = files.get("DG15")
        if self.plan.active_authentication and dg15 is not None and dg15.status is FileStatus.OK and dg15.data:
            from nfc.lds.dg15 import parse_dg15
            from nfc.verify.active import perform_active_authentication

            self._emit("active-authentication", "DG15", 0.92)
            started = time.perf_counter()
            try:
                aa = perform_active_authentication(self.channel, parse_dg15(dg15.data), infos)
            except SecureMessagingError:
                self._reauthenticate()  # AA broke the session (a clone answering garbage): report, go on
                from nfc.verify.active import AaResult
                from nfc.verify.report import StepStatus

                aa = AaResult(StepStatus.FAILED, "aa-sm-error", "", b"", "secure messaging failed during AA")
            except ParseError:
                aa = None
            self._timings["active_authentication"] = (time.perf_counter() - started) * 1000
        dg14 = files.get("DG14")
        if self.plan.chip_authentication and dg14 is not None and dg14.status is FileStatus.OK:
            from nfc.verify.chip import perform_chip_authentication

            self._emit("chip-authentication", "DG14", 0.96)
            started = time.perf_counter()
            try:
                ca = perform_chip_authentication(self.channel, infos, dg14=dg14.data, **self._random_kwargs)
            except SecureMessagingError:
                from nfc.verify.chip import CaResult
                from nfc.verify.report import StepStatus

                ca = CaResult(StepStatus.FAILED, "ca-sm-error", None, "", None,
                              detail="secure messaging with the new keys failed")
            self._timings["chip_authentication"] = (time.perf_counter() - started) * 1000
        return aa, ca

    # -- access control ---------------------------------------------------------------------------
    def _open_session(self) -> AccessResult:
        started = time.perf_counter()
        if self._card_access_read is None:
            self._card_access_read = self._read_card_access()
        pace_info = self._choose_pace()
        fallback_reason: str | None = None
        if pace_info is not None and self.plan.prefer_pace:
            try:
                from nfc.access.pace import perform_pace

                result = perform_pace(self.channel, self.key, pace_info, **self._random_kwargs)
                self._select_application()
                return AccessResult(
                    "PACE", _password_name(self.key), result.mechanism, result.cipher,
                    ms=(time.perf_counter() - started) * 1000,
                )
            except WrongKeyError:
                if isinstance(self.key, CanKey):
                    raise
                fallback_reason = "PACE refused the MRZ password"
            except (StatusWordError, AccessControlError, SecureMessagingError, UnsupportedCardError) as exc:
                fallback_reason = f"PACE failed ({getattr(exc, 'reason', 'error')})"
            self.channel.sm = None
            self._reset_after_failed_pace()
        elif pace_info is None:
            fallback_reason = "no PACEInfo in EF.CardAccess"
        else:
            fallback_reason = "PACE disabled by the plan"

        if not isinstance(self.key, MrzKey):
            raise AccessControlError(
                f"the card cannot be opened with a CAN: {fallback_reason}",
                hint="This card needs the MRZ (the 3 lines on the back). Scan it or type it.",
            )
        from nfc.access.bac import perform_bac

        self._select_application()
        session = perform_bac(self.channel, self.key, **self._random_kwargs)
        return AccessResult(
            "BAC", "MRZ", "BAC", getattr(session, "cipher_name", "3DES"), fallback_reason,
            ms=(time.perf_counter() - started) * 1000,
        )

    def _reauthenticate(self) -> None:
        if self._budget.reauths_left <= 0:
            raise SecureMessagingError("secure messaging failed repeatedly; giving up on this tap")
        self._budget.reauths_left -= 1
        self.channel.sm = None
        # The chip may still hold its keys (it cannot know we rejected its MAC) and would abort the next
        # plain command; a reset gives both sides a clean state before BAC/PACE again.
        self.connection.reset()
        self._open_session()

    def _reset_after_failed_pace(self) -> None:
        with contextlib.suppress(NfcError):
            self.connection.reset()

    def _read_card_access(self) -> FileRead | None:
        before = self.channel.stats.snapshot()
        started = time.perf_counter()
        data: bytes | None = None
        try:
            if self.plan.use_sfi:
                response = self.channel.transmit(CommandApdu(0x00, 0xB0, 0x80 | CARD_ACCESS.sfi, 0x00, le=256))  # type: ignore[operator]
                if response.sw in (SW_OK, SW_END_OF_FILE_WARNING):
                    data = response.data
            if data is None:
                fid = CARD_ACCESS.fid.to_bytes(2, "big")
                selected = self.channel.transmit(CommandApdu(0x00, 0xA4, 0x02, 0x0C, fid))
                if selected.sw == SW_OK:
                    response = self.channel.transmit(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=256))
                    if response.sw in (SW_OK, SW_END_OF_FILE_WARNING):
                        data = response.data
        except StatusWordError:
            data = None
        cost = self.channel.stats.since(before)
        ms = (time.perf_counter() - started) * 1000
        if data is None:
            return FileRead("CardAccess", CARD_ACCESS.fid, FileStatus.ABSENT, None, cost.apdus,
                            cost.bytes_sent + cost.bytes_received, ms)
        try:
            from nfc.lds.cardaccess import parse_security_infos

            self._security_infos = parse_security_infos(data)
        except ParseError as exc:
            return FileRead("CardAccess", CARD_ACCESS.fid, FileStatus.FAILED, data, cost.apdus,
                            cost.bytes_sent + cost.bytes_received, ms, f"bad-data: {exc}")
        return FileRead("CardAccess", CARD_ACCESS.fid, FileStatus.OK, data, cost.apdus,
                        cost.bytes_sent + cost.bytes_received, ms)

    def _choose_pace(self) -> PaceInfo | None:
        from nfc.access.pace import pace_algorithm

        for info in self._security_infos:
            if isinstance(info, PaceInfo):
                try:
                    pace_algorithm(info.protocol)
                except UnsupportedCardError:
                    continue
                return info
        return None

    def _select_application(self) -> None:
        response = self.channel.transmit(CommandApdu(0x00, 0xA4, 0x04, 0x0C, LDS1_AID))
        if response.sw == SW_FILE_NOT_FOUND:
            raise UnsupportedCardError("the card has no ICAO eMRTD application")
        if response.sw != SW_OK:
            raise UnsupportedCardError(f"selecting the eMRTD application failed ({response.sw:04X})")

    # -- files ------------------------------------------------------------------------------------
    def _plan_files(self, files: dict[str, FileRead]) -> list[str]:
        plan = self.plan
        if plan.files is not None:
            names = list(plan.files)
        else:
            files["COM"] = self._read_file(COM)
            names = []
            com = files["COM"]
            if com.status is FileStatus.OK and com.data is not None:
                try:
                    from nfc.lds.com import parse_com

                    names = [n for n in parse_com(com.data).data_groups if n not in plan.skip]
                except ParseError as exc:
                    files["COM"] = _failed(com, f"bad-data: {exc}")
            if not names:
                names = [n for n in DEFAULT_FILES if n != "COM"]
            names.append(SOD.name)
        if not plan.read_face:
            names = [n for n in names if n != "DG2"]
        ordered = sorted(dict.fromkeys(n for n in names if n not in files), key=lambda n: PRIORITY.get(n, 8))
        return ordered

    def _block(self) -> int:
        if self.plan.block_size is not None:
            return min(self.plan.block_size, self._budget.block)
        sm = self.channel.sm
        natural = sm.max_short_read if sm is not None else SHORT_PLAIN_BLOCK
        return min(natural, self._budget.block)

    def _read_file(self, lds_file: LdsFile) -> FileRead:
        before = self.channel.stats.snapshot()
        started = time.perf_counter()
        progress = _FileProgress()
        status = FileStatus.OK
        error: str | None = None
        while True:
            try:
                self._read_chunks(lds_file, progress)
                break
            except SecureMessagingError as exc:
                # the chip dropped SM; a plain 6982/6A82 also tells us the file's status
                if exc.sw == SW_SECURITY_NOT_SATISFIED or exc.sw == SW_FILE_NOT_FOUND:
                    status = FileStatus.LOCKED if exc.sw == SW_SECURITY_NOT_SATISFIED else FileStatus.ABSENT
                    self._reauthenticate()
                    break
                self._budget.extended = False
                self._reauthenticate()
                progress.selected = False
            except SecurityStatusNotSatisfiedError:
                status = FileStatus.LOCKED
                break
            except FileNotFoundOnCardError:
                status = FileStatus.ABSENT
                break
            except (WrongLengthError, WrongParametersError) as exc:
                if self._budget.extended:
                    self._budget.extended = False
                    continue
                smaller = [b for b in FALLBACK_BLOCKS if b < self._block()]
                if not smaller:
                    status, error = FileStatus.FAILED, f"{exc.reason}: {exc}"
                    break
                self._budget.block = smaller[0]
            except ParseError as exc:
                status, error = FileStatus.FAILED, f"bad-data: {exc}"
                break
            except StatusWordError as exc:
                status, error = FileStatus.FAILED, f"{exc.reason}: {exc}"
                break
        cost = self.channel.stats.since(before)
        data = bytes(progress.data) if status is FileStatus.OK else None
        return FileRead(lds_file.name, lds_file.fid, status, data, cost.apdus,
                        cost.bytes_sent + cost.bytes_received, (time.perf_counter() - started) * 1000, error)

    def _read_chunks(self, lds_file: LdsFile, progress: _FileProgress) -> None:
        from nfc.lds.tlv import header_length_of

        while progress.total is None or len(progress.data) < progress.total:
            offset = len(progress.data)
            if progress.total is None:
                want = self.plan.header_probe or (65536 if self._budget.extended else self._block())
            else:
                remaining = progress.total - offset
                want = min(remaining, 65536 if self._budget.extended else self._block())
            response = self._read_binary(lds_file, progress, offset, want)
            chunk = response.data
            if not chunk:
                raise ParseError(lds_file.name, "card returned no data before the end of the file", offset)
            progress.data += chunk
            if progress.total is None:
                _tag, total = header_length_of(bytes(progress.data))
                if total > MAX_FILE_BYTES:
                    raise ParseError(lds_file.name, f"declared length {total} is implausible")
                progress.total = total
            if len(progress.data) > progress.total:
                del progress.data[progress.total :]
            if response.sw == SW_END_OF_FILE_WARNING and len(progress.data) < progress.total:
                raise ParseError(lds_file.name, "file is shorter than its TLV header says", len(progress.data))

    def _read_binary(self, lds_file: LdsFile, progress: _FileProgress, offset: int, want: int) -> ResponseApdu:
        extended = self._budget.extended
        accept = frozenset({SW_OK, SW_END_OF_FILE_WARNING})
        if not progress.selected:
            if self.plan.use_sfi and lds_file.sfi is not None and offset <= 0xFF:
                command = CommandApdu(0x00, 0xB0, 0x80 | lds_file.sfi, offset, le=want, extended=extended)
                response = self.channel.send(command, accept=accept)
                progress.selected = True
                return response
            self.channel.send(CommandApdu(0x00, 0xA4, 0x02, 0x0C, lds_file.fid.to_bytes(2, "big")))
            progress.selected = True
        if offset <= 0x7FFF:
            return self.channel.send(
                CommandApdu(0x00, 0xB0, offset >> 8, offset & 0xFF, le=want, extended=extended), accept=accept
            )
        # odd INS: offset in DO'54, data comes back in DO'53 (4 bytes of TLV overhead per block)
        from nfc.lds.tlv import unwrap

        do54 = b"\x54\x03" + offset.to_bytes(3, "big")
        cap = 65536 if extended else self._block()
        le = min(want + 4, cap)  # Le covers the DO'53 header (at most 4 bytes) as well as the data
        response = self.channel.send(
            CommandApdu(0x00, 0xB1, 0x00, 0x00, do54, le=le, extended=extended), accept=accept
        )
        return ResponseApdu(unwrap(response.data, 0x53), response.sw1, response.sw2)

    # -- results ----------------------------------------------------------------------------------
    def _send_early(self, files: dict[str, FileRead]) -> None:
        assert self._on_early_data is not None
        mrz, personal = _parse_identity(files)
        if mrz is not None or personal is not None:
            self._on_early_data(mrz, personal)

    def _finish(self, files: dict[str, FileRead], started: float) -> CardRead:
        from nfc.lds.dg1 import parse_dg1
        from nfc.lds.dg2 import parse_dg2
        from nfc.lds.dg13 import parse_dg13
        from nfc.lds.dg14 import parse_dg14
        from nfc.lds.parse import parse_file

        mrz: MrzData | None = None
        personal: VietnamPersonalData | None = None
        faces: tuple[FaceImage, ...] = ()
        infos: list[SecurityInfo] = list(self._security_infos)
        for name, entry in list(files.items()):
            if entry.status is not FileStatus.OK or entry.data is None or name == "CardAccess":
                continue
            try:
                if name == "DG1":
                    mrz = parse_dg1(entry.data)
                elif name == "DG13":
                    personal = parse_dg13(entry.data)
                elif name == "DG2":
                    faces = parse_dg2(entry.data)
                elif name == "DG14":
                    infos.extend(parse_dg14(entry.data))
                else:
                    parse_file(name, entry.data)  # every file must at least be well-formed
            except ParseError as exc:
                files[name] = _failed(entry, f"bad-data: {exc}")
        aa, ca = self._chip_checks(files, infos)
        required_ok = all(
            files.get(n) is not None and files[n].status is FileStatus.OK for n in ("DG1", "SOD")
        )
        complete = required_ok and not any(f.status is FileStatus.FAILED for f in files.values())
        self._timings["total"] = (time.perf_counter() - started) * 1000
        self._emit("done", "", 1.0)
        assert self._access is not None
        return CardRead(
            atr=self.connection.atr,
            access=self._access,
            files=files,
            security_infos=tuple(infos),
            mrz=mrz,
            personal_data=personal,
            faces=faces,
            apdu_count=self.channel.stats.apdus,
            bytes_total=self.channel.stats.bytes_sent + self.channel.stats.bytes_received,
            timings_ms=self._timings,
            complete=complete,
            chip_authentication=ca,
            active_authentication=aa,
        )

    def _emit(self, step: str, name: str, fraction: float) -> None:
        if self._progress is not None:
            self._progress(ReadProgress(step, name, fraction))


def _parse_identity(files: dict[str, FileRead]) -> tuple[Any, Any]:
    from nfc.lds.parse import parse_file

    values: list[Any] = []
    for name in ("DG1", "DG13"):
        entry = files.get(name)
        value = None
        if entry is not None and entry.status is FileStatus.OK and entry.data is not None:
            try:
                value = parse_file(name, entry.data)
            except ParseError:
                value = None
        values.append(value)
    return values[0], values[1]


def _failed(entry: FileRead, error: str) -> FileRead:
    return FileRead(entry.name, entry.fid, FileStatus.FAILED, None, entry.apdus, entry.bytes_on_wire, entry.ms, error)


def _password_name(key: AccessKey) -> str:
    return "CAN" if isinstance(key, CanKey) else "MRZ"


def read_card(
    connection: CardConnection,
    key: AccessKey,
    plan: ReadPlan | None = None,
    progress: ProgressCallback | None = None,
    on_early_data: EarlyDataCallback | None = None,
) -> CardRead:
    """Authenticate, read every planned file and return one immutable ``CardRead``."""
    return CardReader(connection, key, plan, progress=progress, on_early_data=on_early_data).read()


__all__: Sequence[str] = ("CardReader", "ReadPlan", "ReadProgress", "read_card")
