"""Card side of BAC and PACE for the virtual CCCD (the applet in ``card.py`` routes commands here).

Strict like a real chip: exact command formats (no Le on MSE:Set AT, CLA 10 chaining for GENERAL
AUTHENTICATE steps 1-3, CLA 00 for step 4), and any failure aborts the protocol. A wrong password shows
up where ICAO puts it: the terminal's token does not verify at step 4 → 6300.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

from nfc.access.bac import BacKeys, bac_keys, initial_ssc, open_sealed, seal, session_keys
from nfc.access.pace.groups import PaceGroup, random_scalar, standard_group
from nfc.access.pace.protocols import PaceAlgorithm, oid_from_bytes, pace_algorithm
from nfc.access.pace.steps import (
    NONCE_LENGTH,
    dynamic_auth_data,
    encrypt_ca_data,
    encrypt_nonce,
    parse_dynamic_auth_data,
    password_key,
    token,
    tokens_equal,
)
from nfc.access.pace.steps import session_keys as pace_session_keys
from nfc.crypto.curves import EcDomain, domain_parameters
from nfc.errors import NfcError, ParseError
from nfc.iso7816.apdu import CommandApdu, ResponseApdu
from nfc.lds.security_infos import PaceInfo
from nfc.sm.tlv import parse_tlvs
from nfc.virtual.card_sm import CardSmSession

SW_OK = 0x9000
SW_AUTH_FAILED = 0x6300
SW_WRONG_LENGTH = 0x6700
SW_LAST_COMMAND_EXPECTED = 0x6883
SW_CONDITIONS = 0x6985
SW_WRONG_DATA = 0x6A80
SW_WRONG_P1P2 = 0x6A86
SW_REF_NOT_FOUND = 0x6A88
SW_INS = 0x6D00
SW_CLA = 0x6E00


def _sw(sw: int, data: bytes = b"") -> ResponseApdu:
    return ResponseApdu.status(sw, data)


class CardBac:
    """GET CHALLENGE + EXTERNAL AUTHENTICATE. After success ``session`` is the card's SM session."""

    def __init__(self, mrz_information: str, random_bytes: Callable[[int], bytes] = os.urandom) -> None:
        self._keys: BacKeys = bac_keys(mrz_information)
        self._random = random_bytes
        self._challenge: bytes | None = None
        self.session: CardSmSession | None = None

    def __repr__(self) -> str:
        return f"CardBac(done={self.session is not None})"

    def handle(self, command: CommandApdu) -> ResponseApdu:
        if command.cla != 0x00:
            return _sw(SW_CLA)
        if command.ins == 0x84:
            if command.p1 or command.p2:
                return _sw(SW_WRONG_P1P2)
            if command.data or command.le != 8:
                return _sw(SW_WRONG_LENGTH)
            self._challenge = self._random(8)
            return _sw(SW_OK, self._challenge)
        if command.ins == 0x82:
            challenge, self._challenge = self._challenge, None  # one try per challenge
            if command.p1 or command.p2:
                return _sw(SW_WRONG_P1P2)
            if len(command.data) != 40 or command.le not in (None, 40, 256):
                return _sw(SW_WRONG_LENGTH)
            if challenge is None:
                return _sw(SW_CONDITIONS)
            plain = open_sealed(self._keys, command.data)
            if plain is None or plain[8:16] != challenge:
                return _sw(SW_AUTH_FAILED)
            rnd_ifd, k_ifd = plain[:8], plain[16:32]
            k_ic = self._random(16)
            answer = seal(self._keys, challenge + rnd_ifd + k_ic)
            ks_enc, ks_mac = session_keys(k_ifd, k_ic)
            self.session = CardSmSession("3DES", ks_enc, ks_mac, initial_ssc(challenge, rnd_ifd))
            return _sw(SW_OK, answer)
        return _sw(SW_INS)


class CardPace:
    """MSE:Set AT + four GENERAL AUTHENTICATE steps. After success ``session`` is the SM session.

    ``passwords`` maps the password reference (1 = MRZ information bytes, 2 = CAN digits) to the
    password; ``infos`` are the PACEInfos the card advertises. ``chip_auth_private_key`` (optional)
    enables PACE-CAM: the chip then returns E(CA_IC) with CA_IC = SK_MAP,IC · SK_IC⁻¹ mod n.
    """

    def __init__(
        self,
        passwords: Mapping[int, bytes],
        infos: Sequence[PaceInfo],
        random_bytes: Callable[[int], bytes] = os.urandom,
        *,
        chip_auth_private_key: int | None = None,
    ) -> None:
        self._passwords = dict(passwords)
        self._infos = tuple(infos)
        self._random = random_bytes
        self._ca_key = chip_auth_private_key
        self.session: CardSmSession | None = None
        self._reset()

    def __repr__(self) -> str:
        return f"CardPace(step={self._step}, done={self.session is not None})"

    def _reset(self) -> None:
        self._step = 0  # 0: nothing; 1: MSE done; 2..4: next GA step expected
        self._algorithm: PaceAlgorithm | None = None
        self._group: PaceGroup | None = None
        self._k_pi = b""
        self._nonce = b""
        self._map_private = 0
        self._mapped: PaceGroup | None = None
        self._eph_public = b""
        self._terminal_public = b""
        self._ks_enc = self._ks_mac = b""

    def _fail(self, sw: int) -> ResponseApdu:
        self._reset()
        return _sw(sw)

    def handle(self, command: CommandApdu) -> ResponseApdu:
        try:
            if command.ins == 0x22:
                return self._mse(command)
            if command.ins == 0x86:
                return self._general_authenticate(command)
            return _sw(SW_INS)
        except (NfcError, ValueError):
            # bad points, bad lengths, malformed objects: the protocol is over
            return self._fail(SW_WRONG_DATA)

    # -- MSE:Set AT --------------------------------------------------------------------------------
    def _mse(self, command: CommandApdu) -> ResponseApdu:
        self._reset()
        if command.cla != 0x00:
            return _sw(SW_CLA)
        if (command.p1, command.p2) != (0xC1, 0xA4):
            return _sw(SW_WRONG_P1P2)
        if command.le is not None or not command.data:
            return _sw(SW_WRONG_LENGTH)
        fields: dict[int, bytes] = {}
        for tag, value, _ in parse_tlvs(command.data, "MSE:Set AT"):
            if tag in fields:
                return _sw(SW_WRONG_DATA)
            fields[tag] = value
        if 0x80 not in fields or 0x83 not in fields or set(fields) - {0x80, 0x83, 0x84}:
            return _sw(SW_WRONG_DATA)
        if len(fields[0x80]) > 127:
            return _sw(SW_WRONG_DATA)
        oid = oid_from_bytes(fields[0x80])
        reference = fields[0x83]
        if len(reference) != 1 or reference[0] not in self._passwords:
            return _sw(SW_REF_NOT_FOUND)
        param = fields.get(0x84)
        candidates = [info for info in self._infos if info.protocol == oid]
        if param is not None:
            if len(param) != 1:
                return _sw(SW_WRONG_DATA)
            candidates = [info for info in candidates if info.parameter_id == param[0]]
        if not candidates or candidates[0].parameter_id is None:
            return _sw(SW_REF_NOT_FOUND)
        info = candidates[0]
        self._algorithm = pace_algorithm(oid)
        assert info.parameter_id is not None
        self._group = standard_group(domain_parameters(info.parameter_id))
        self._k_pi = password_key(reference[0], self._passwords[reference[0]], self._algorithm.cipher)
        self._step = 1
        return _sw(SW_OK)

    # -- GENERAL AUTHENTICATE ---------------------------------------------------------------------
    def _general_authenticate(self, command: CommandApdu) -> ResponseApdu:
        if self._step == 0 or self._algorithm is None or self._group is None:
            return self._fail(SW_CONDITIONS)
        step = self._step  # 1..4
        expected_cla = 0x00 if step == 4 else 0x10
        if command.cla != expected_cla:
            return self._fail(SW_LAST_COMMAND_EXPECTED if step == 4 else SW_CONDITIONS)
        if command.p1 or command.p2:
            return self._fail(SW_WRONG_P1P2)
        if command.le is None:
            return self._fail(SW_WRONG_LENGTH)
        objects = parse_dynamic_auth_data(command.data, "GENERAL AUTHENTICATE")
        algorithm, group = self._algorithm, self._group
        if step == 1:
            if objects:
                return self._fail(SW_WRONG_DATA)
            self._nonce = self._random(NONCE_LENGTH)
            self._step = 2
            return _sw(
                SW_OK, dynamic_auth_data((0x80, encrypt_nonce(algorithm.cipher, self._k_pi, self._nonce)))
            )
        if step == 2:
            if set(objects) != {0x81}:
                return self._fail(SW_WRONG_DATA)
            self._step = 3
            if algorithm.mapping == "IM":
                self._mapped = group.map_integrated(self._nonce, objects[0x81], algorithm.cipher)
                return _sw(SW_OK, dynamic_auth_data())
            self._map_private = random_scalar(group.order, self._random)
            self._mapped = group.map_generic(self._nonce, self._map_private, objects[0x81])
            return _sw(SW_OK, dynamic_auth_data((0x82, group.public_key(self._map_private))))
        mapped = self._mapped
        assert mapped is not None
        if step == 3:
            if set(objects) != {0x83}:
                return self._fail(SW_WRONG_DATA)
            terminal_public = objects[0x83]
            eph_private = random_scalar(mapped.order, self._random)
            self._eph_public = mapped.public_key(eph_private)
            if terminal_public == self._eph_public:
                return self._fail(SW_WRONG_DATA)
            shared = mapped.shared_secret(eph_private, terminal_public)
            self._terminal_public = terminal_public
            self._ks_enc, self._ks_mac = pace_session_keys(algorithm.cipher, shared)
            self._step = 4
            return _sw(SW_OK, dynamic_auth_data((0x84, self._eph_public)))
        # step 4: the terminal's token proves it knew the password
        if set(objects) != {0x85}:
            return self._fail(SW_WRONG_DATA)
        expected = token(algorithm, mapped, self._ks_mac, self._eph_public)
        if not tokens_equal(expected, objects[0x85]):
            return self._fail(SW_AUTH_FAILED)
        answer = [(0x86, token(algorithm, mapped, self._ks_mac, self._terminal_public))]
        if algorithm.mapping == "CAM":
            answer.append((0x8A, encrypt_ca_data(self._ks_enc, self._cam_data(group))))
        session = CardSmSession(algorithm.cipher, self._ks_enc, self._ks_mac, 0)
        self._reset()
        self.session = session
        return _sw(SW_OK, dynamic_auth_data(*answer))

    def _cam_data(self, group: PaceGroup) -> bytes:
        if self._ca_key is None or not isinstance(group.domain, EcDomain):
            raise ParseError("PACE-CAM", "the card has no Chip Authentication key")
        n = group.domain.n
        ca = self._map_private * pow(self._ca_key, -1, n) % n
        return ca.to_bytes(group.domain.field_bytes, "big")
