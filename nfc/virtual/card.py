"""The virtual CCCD: an ICAO LDS1 applet that behaves like the real card, strictly.

- SELECT MF answers 6D00 (CCCD quirk); EF.CardAccess is selectable (or readable by SFI) without
  authentication; every LDS file needs BAC or PACE; DG3 answers 6982 (EAC only); absent files 6A82.
- Secure messaging is mandatory after authentication: a plain command or any SM error ends the session
  (plain 6987/6988) and the terminal must authenticate again.
- Le is enforced: a short R-APDU never exceeds 256 data bytes *after* SM wrapping; extended length
  only when the card's settings allow it (and the ATR's card-capabilities byte says so).
- Power-off forgets everything (like a chip leaving the field).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nfc.errors import NfcError, ParseError, SecureMessagingError
from nfc.iso7816.apdu import CommandApdu, ResponseApdu
from nfc.iso7816.status import (
    SW_CONDITIONS_NOT_SATISFIED,
    SW_FILE_NOT_FOUND,
    SW_INS_NOT_SUPPORTED,
    SW_OK,
    SW_SECURITY_NOT_SATISFIED,
    SW_SM_DATA_INCORRECT,
    SW_SM_DATA_MISSING,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
)
from nfc.lds.files import BY_NAME, CARD_ACCESS
from nfc.virtual.faults import FaultPlan

LDS1_AID = bytes.fromhex("A0000002471001")
SW_END_OF_FILE = 0x6282
SW_NO_CURRENT_EF = 0x6986
SW_INCORRECT_P1P2 = 0x6A86


def default_atr(extended_length: bool) -> bytes:
    """A contactless-style ATR (PC/SC part 3 layout) whose historical bytes carry ISO 7816-4
    card capabilities (tag 73); the third byte's bit 7 advertises extended Lc/Le."""
    third = 0x40 if extended_length else 0x00
    historical = bytes([0x80, 0x73, 0x00, 0x00, third, 0x31, 0xC0, 0x64])  # 80 = compact-TLV follows
    t0 = 0x80 | len(historical)
    body = bytes([0x3B, t0, 0x80, 0x01]) + historical
    tck = 0
    for b in body[1:]:
        tck ^= b
    return body + bytes([tck])


def max_plain_for_short_response(block: int, limit: int = 256) -> int:
    """Largest plaintext whose SM-wrapped answer (DO'87 + DO'99 + DO'8E) fits ``limit`` data bytes."""
    best = 0
    for n in range(1, limit):
        cipher_len = (n // block + 1) * block
        value_len = cipher_len + 1
        header = 2 if value_len < 0x80 else 3 if value_len < 0x100 else 4
        if header + value_len + 4 + 10 <= limit:
            best = n
    return best


@dataclass(frozen=True)
class CardSettings:
    extended_length: bool = False
    max_extended_response: int = 4096  # a chip's I/O buffer is finite even with extended length
    bac: bool = True
    sfi: bool = True
    #: PACE with the MRZ password. The real CCCD refused it in the one public report (6982, then BAC
    #: worked: NFCPassportReader#187), so the default mirrors that.
    pace_mrz: bool = False
    #: some chips accept only smaller blocks (Ukrainian passports: Le ≤ 192); None = no extra limit
    max_short_le: int | None = None
    atr: bytes | None = None

    def effective_atr(self) -> bytes:
        return self.atr if self.atr is not None else default_atr(self.extended_length)


@dataclass(frozen=True)
class CardSecrets:
    """What only the chip knows: access passwords and private keys."""

    mrz_information: str | None = None  # for BAC and PACE-MRZ
    can: str | None = None  # for PACE-CAN
    chip_auth_private_key: Any = None  # cryptography private key (EC or DH) for CA; None = cloned chip
    chip_auth_key_id: int | None = None
    active_auth_private_key: Any = None  # RSA or EC private key for AA; None = cloned chip


@dataclass
class CardContent:
    """File contents by FID, plus which files answer 6982 (locked)."""

    files: dict[int, bytes]
    locked: frozenset[int] = frozenset({0x0103})
    card_access: bytes | None = None

    def lookup(self, fid: int) -> bytes | None:
        if fid == CARD_ACCESS.fid:
            return self.card_access
        return self.files.get(fid)


@dataclass
class _Session:
    """Per-power-cycle state."""

    app_selected: bool = False
    current: int | None = None
    sm: Any = None  # CardSmSession
    bac: Any = None
    pace: Any = None
    chip_auth: Any = None
    pace_done: bool = False
    protocols: list[str] = field(default_factory=list)


class VirtualCard:
    """Implements ``nfc.transport.memory.ApduResponder``; plug it into ``MemoryConnection`` or ``VpcdBridge``."""

    def __init__(
        self,
        content: CardContent,
        secrets: CardSecrets,
        settings: CardSettings | None = None,
        faults: FaultPlan | None = None,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.content = content
        self.secrets = secrets
        self.settings = settings or CardSettings()
        self.faults = faults or FaultPlan()
        self._random = random_bytes
        self._lock = threading.Lock()
        self._state = _Session()
        self._powered = False
        self.apdu_count = 0  # since construction (fault indexes use it)
        self.gone = False  # removed by a fault: stays gone until ``reinsert``
        #: (INS, C-APDU length, R-APDU length) for the timing model; no payloads
        self.log: list[tuple[int, int, int]] = []

    # -- ApduResponder ----------------------------------------------------------------------------
    @property
    def atr(self) -> bytes:
        return self.settings.effective_atr()

    def power_on(self) -> None:
        with self._lock:
            self._powered = True
            self._state = _Session()

    def power_off(self) -> None:
        with self._lock:
            self._powered = False
            self._state = _Session()

    def reinsert(self) -> None:
        self.gone = False
        self.power_off()
        self.power_on()

    def process_apdu(self, apdu: bytes) -> bytes:
        with self._lock:
            if self.gone:
                return b""
            self.apdu_count += 1
            index = self.apdu_count
            plan = self.faults
            if plan.remove_after is not None and index > plan.remove_after:
                self.gone = True
                self._state = _Session()
                return b""
            if plan.slow_ms:
                time.sleep(plan.slow_ms / 1000)
            answer = self._process(apdu, index)
            self.log.append((apdu[1] if len(apdu) > 1 else 0, len(apdu), len(answer)))
            return answer

    # -- dispatch ---------------------------------------------------------------------------------
    def _process(self, raw: bytes, index: int) -> bytes:
        state = self._state
        plan = self.faults
        try:
            command = CommandApdu.decode(raw)
        except ParseError:
            return _sw(SW_WRONG_LENGTH)
        if plan.plain_sw_at is not None and plan.plain_sw_at[0] == index:
            state.sm = None
            return _sw(plan.plain_sw_at[1])
        sm = state.sm
        if sm is not None:
            if command.cla & 0x0C != 0x0C:
                state.sm = None  # plain command during SM: the session is over
                return _sw(SW_SM_DATA_MISSING)
            try:
                command = sm.unprotect_command(command)
            except SecureMessagingError:
                state.sm = None
                return _sw(SW_SM_DATA_INCORRECT)
            except ParseError:
                state.sm = None
                return _sw(SW_SM_DATA_INCORRECT)
        elif command.cla & 0x0C:
            return _sw(SW_CONDITIONS_NOT_SATISFIED)  # SM command with no session

        if plan.wrong_sw_at is not None and plan.wrong_sw_at[0] == index:
            response = ResponseApdu.status(plan.wrong_sw_at[1])
            next_sm = None
        else:
            response, next_sm = self._execute(command, protected=sm is not None)

        if sm is not None and state.sm is sm:
            wrapped: ResponseApdu = sm.protect_response(response)
            if plan.bad_mac_at == index:
                wrapped = _corrupt_mac(wrapped)
            if next_sm is not None:
                state.sm = next_sm  # CA: the answer goes under the old keys, then switch
            return wrapped.encode()
        if next_sm is not None:
            state.sm = next_sm  # BAC/PACE established
        return response.encode()

    def _execute(self, command: CommandApdu, *, protected: bool) -> tuple[ResponseApdu, Any]:
        ins = command.ins
        try:
            if ins == 0xA4:
                return self._select(command), None
            if ins in (0xB0, 0xB1):
                return self._read_binary(command, protected=protected), None
            if ins in (0x84, 0x82):
                return self._bac(command)
            if ins in (0x22, 0x86):
                return self._authenticate(command, protected=protected)
            if ins == 0x88:
                return self._internal_authenticate(command, protected=protected), None
        except NfcError:
            return ResponseApdu.status(0x6A80), None
        return ResponseApdu.status(SW_INS_NOT_SUPPORTED), None

    # -- SELECT -----------------------------------------------------------------------------------
    def _select(self, command: CommandApdu) -> ResponseApdu:
        state = self._state
        if command.p1 == 0x04:
            if command.data == LDS1_AID:
                state.app_selected = True
                state.current = None
                return ResponseApdu.status(SW_OK)
            return ResponseApdu.status(SW_FILE_NOT_FOUND)
        if command.p1 == 0x00 or command.data in (b"", b"\x3f\x00"):
            return ResponseApdu.status(SW_INS_NOT_SUPPORTED)  # the CCCD answers 6D00 to SELECT MF
        if command.p1 != 0x02 or len(command.data) != 2:
            return ResponseApdu.status(SW_INCORRECT_P1P2)
        fid = int.from_bytes(command.data, "big")
        sw = self._open(fid)
        return ResponseApdu.status(sw)

    def _open(self, fid: int) -> int:
        state = self._state
        if fid == CARD_ACCESS.fid:
            if self.content.card_access is None:
                return SW_FILE_NOT_FOUND
            state.current = fid
            return SW_OK
        if not state.app_selected:
            return SW_FILE_NOT_FOUND
        if state.sm is None:
            return SW_SECURITY_NOT_SATISFIED
        if fid in self.content.locked and fid in self.content.files:
            return SW_SECURITY_NOT_SATISFIED
        if fid not in self.content.files:
            return SW_FILE_NOT_FOUND
        state.current = fid
        return SW_OK

    # -- READ BINARY ------------------------------------------------------------------------------
    def _read_binary(self, command: CommandApdu, *, protected: bool) -> ResponseApdu:
        state = self._state
        if command.le is None:
            return ResponseApdu.status(SW_WRONG_LENGTH)
        if command.ins == 0xB0:
            if command.p1 & 0x80:
                if not self.settings.sfi:
                    return ResponseApdu.status(0x6A81)
                sfi = command.p1 & 0x1F
                fid = _fid_for_sfi(sfi)
                if fid is None:
                    return ResponseApdu.status(SW_FILE_NOT_FOUND)
                sw = self._open(fid)
                if sw != SW_OK:
                    return ResponseApdu.status(sw)
                offset = command.p2
            else:
                offset = ((command.p1 & 0x7F) << 8) | command.p2
        else:  # odd INS: offset in DO'54, answer in DO'53
            if command.p1 or command.p2:
                sw = self._open((command.p1 << 8) | command.p2)
                if sw != SW_OK:
                    return ResponseApdu.status(sw)
            data = command.data
            if len(data) < 3 or data[0] != 0x54 or data[1] != len(data) - 2 or data[1] > 4:
                return ResponseApdu.status(0x6A80)
            offset = int.from_bytes(data[2:], "big")
        if state.current is None:
            return ResponseApdu.status(SW_NO_CURRENT_EF)
        content = self.content.lookup(state.current) or b""
        if offset > len(content):
            return ResponseApdu.status(SW_WRONG_P1P2)

        wildcard = command.le in (256, 65536)
        if command.is_extended:
            if not self.settings.extended_length:
                return ResponseApdu.status(SW_WRONG_LENGTH)
            limit = min(command.le, self.settings.max_extended_response)
        else:
            limit = command.le
            cap = self.settings.max_short_le
            if cap is not None and limit > cap:
                if not wildcard:
                    return ResponseApdu.status(SW_WRONG_LENGTH)
                limit = cap
            if protected:
                fit = max_plain_for_short_response(self._block_size())
                if limit > fit:
                    if not wildcard:
                        return ResponseApdu.status(SW_WRONG_LENGTH)
                    limit = fit
        data_limit = limit
        if command.ins == 0xB1:  # Le counts the DO'53 wrapping too
            data_limit = limit - (2 if limit - 2 < 0x80 else 3 if limit - 3 < 0x100 else 4)
        chunk = content[offset : offset + data_limit]
        if command.ins == 0xB1:
            from nfc.lds.tlv import encode_tlv

            body = encode_tlv(0x53, chunk)
        else:
            body = chunk
        if len(chunk) < data_limit and not wildcard:
            return ResponseApdu.status(SW_END_OF_FILE, body)
        return ResponseApdu.status(SW_OK, body)

    def _block_size(self) -> int:
        sm = self._state.sm
        cipher = str(getattr(sm, "cipher", "AES"))
        return 8 if "DES" in cipher.upper() else 16

    # -- authentication ---------------------------------------------------------------------------
    def _bac(self, command: CommandApdu) -> tuple[ResponseApdu, Any]:
        state = self._state
        if not self.settings.bac or self.secrets.mrz_information is None:
            return ResponseApdu.status(SW_INS_NOT_SUPPORTED), None
        if state.sm is not None:
            return ResponseApdu.status(SW_CONDITIONS_NOT_SATISFIED), None
        if state.bac is None or command.ins == 0x84:
            from nfc.virtual.card_access_protocols import CardBac

            state.bac = CardBac(self.secrets.mrz_information, random_bytes=self._random)
        response = state.bac.handle(command)
        session = getattr(state.bac, "session", None)
        if session is not None:
            state.bac = None
            state.protocols.append("BAC")
            return response, session
        return response, None

    def _authenticate(self, command: CommandApdu, *, protected: bool) -> tuple[ResponseApdu, Any]:
        state = self._state
        if not protected:
            # PACE runs in plain before SM exists
            if state.pace is None or (command.ins == 0x22 and command.p1 == 0xC1):
                from nfc.virtual.card_access_protocols import CardPace

                passwords: dict[int, bytes] = {}
                if self.secrets.mrz_information and self.settings.pace_mrz:
                    passwords[1] = self.secrets.mrz_information.encode("ascii")
                if self.secrets.can:
                    passwords[2] = self.secrets.can.encode("ascii")
                infos = self._pace_infos()
                if not infos:
                    return ResponseApdu.status(SW_INS_NOT_SUPPORTED), None
                state.pace = CardPace(passwords, infos, random_bytes=self._random)
            response = state.pace.handle(command)
            session = getattr(state.pace, "session", None)
            if session is not None:
                state.pace = None
                state.pace_done = True
                state.protocols.append("PACE")
                return response, session
            return response, None
        # under SM: Chip Authentication (MSE:Set KAT / Set AT + GENERAL AUTHENTICATE)
        if state.chip_auth is None or command.ins == 0x22:
            from nfc.virtual.card_chip_auth import CardChipAuthentication

            state.chip_auth = CardChipAuthentication(
                self.secrets.chip_auth_private_key, self._dg14_infos(), key_id=self.secrets.chip_auth_key_id
            )
        response, new_session = state.chip_auth.handle(command)
        if new_session is not None:
            state.chip_auth = None
            state.protocols.append("CA")
        return response, new_session

    def _internal_authenticate(self, command: CommandApdu, *, protected: bool) -> ResponseApdu:
        if not protected:
            return ResponseApdu.status(SW_SECURITY_NOT_SATISFIED)
        if 0x010F not in self.content.files:
            return ResponseApdu.status(SW_INS_NOT_SUPPORTED)
        from nfc.virtual.card_chip_auth import CardActiveAuthentication

        result: ResponseApdu = CardActiveAuthentication(self.secrets.active_auth_private_key).handle(command)
        return result

    def _pace_infos(self) -> list[Any]:
        if not self.content.card_access:
            return []
        from nfc.lds.cardaccess import parse_security_infos
        from nfc.lds.security_infos import PaceInfo

        return [i for i in parse_security_infos(self.content.card_access) if isinstance(i, PaceInfo)]

    def _dg14_infos(self) -> tuple[Any, ...]:
        data = self.content.files.get(0x010E)
        if not data:
            return ()
        from nfc.lds.dg14 import parse_dg14

        return parse_dg14(data)

    @property
    def protocols_used(self) -> tuple[str, ...]:
        return tuple(self._state.protocols)


def _fid_for_sfi(sfi: int) -> int | None:
    for lds_file in BY_NAME.values():
        if lds_file.sfi == sfi:
            return lds_file.fid
    return None


def _sw(sw: int) -> bytes:
    return bytes((sw >> 8, sw & 0xFF))


def _corrupt_mac(response: ResponseApdu) -> ResponseApdu:
    data = bytearray(response.data)
    if data:
        data[-1] ^= 0x01  # last byte of DO'8E
    return ResponseApdu(bytes(data), response.sw1, response.sw2)


def files_by_fid(files: Mapping[str, bytes]) -> dict[int, bytes]:
    """{"DG1": b"..."} → {0x0101: b"..."}"""
    return {BY_NAME[name].fid: data for name, data in files.items()}
