"""Card side of Chip Authentication and Active Authentication for the virtual CCCD.

A *cloned* chip is modelled the way a real clone behaves: it has the copied files but not the private
keys, so it answers with keys it made up — CA then derives session keys the terminal cannot match, and
AA signatures do not verify. Nothing here short-circuits the terminal's checks.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric import dh, ec, rsa

from nfc.crypto.kdf import KDF_ENC, KDF_MAC, derive_key
from nfc.errors import NfcError
from nfc.iso7816.apdu import CommandApdu, ResponseApdu
from nfc.lds.security_infos import ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, SecurityInfo
from nfc.verify.active import TRAILER_HASHES
from nfc.verify.algorithms import digest, hash_algorithm
from nfc.verify.ca_keys import CaKey, load_ca_key
from nfc.verify.chip import CA_CIPHERS, ID_CA_DH, ID_CA_ECDH
from nfc.virtual.card_sm import CardSmSession

SW_OK = 0x9000
SW_WRONG_DATA = 0x6A80
SW_REF_NOT_FOUND = 0x6A88
SW_CONDITIONS = 0x6985
SW_INS = 0x6D00


def _objects(data: bytes) -> dict[int, bytes]:
    """Flat BER-TLV (one-byte tags, as MSE/GA use) → {tag: value}. Raises ``NfcError``."""
    from nfc.lds.tlv import iter_tlvs

    return {t.tag: bytes(t.value) for t in iter_tlvs(data, "CA command data")}


class CardChipAuthentication:
    """MSE:Set KAT (3DES) or MSE:Set AT + GENERAL AUTHENTICATE (AES). ``handle`` returns the answer and,
    when the key agreement is done, the new card-side SM session (the applet switches after answering
    under the old keys)."""

    def __init__(
        self,
        private_key: Any,
        infos: Sequence[SecurityInfo],
        *,
        key_id: int | None = None,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self._infos = tuple(infos)
        self._key_id = key_id
        self._random = random_bytes
        self._protocol: str | None = None
        self._ca_key: CaKey | None = None
        keys = [i for i in self._infos if isinstance(i, ChipAuthenticationPublicKeyInfo)]
        matching = [k for k in keys if key_id is None or k.key_id == key_id]
        if matching:
            self._ca_key = load_ca_key(matching[0].subject_public_key_info)
        self._private = self._scalar(private_key)

    def _scalar(self, private_key: Any) -> int:
        if isinstance(private_key, ec.EllipticCurvePrivateKey):
            return int(private_key.private_numbers().private_value)
        if isinstance(private_key, dh.DHPrivateKey):
            return int(private_key.private_numbers().x)
        if isinstance(private_key, int):
            return private_key
        # cloned chip: no key, so it invents one on the right group
        if self._ca_key is None:
            return 1
        order = self._ca_key.group.order
        return int.from_bytes(self._random((order.bit_length() + 7) // 8 + 8), "big") % (order - 1) + 1

    def _cipher_for(self, protocol: str) -> str | None:
        prefix, _, last = protocol.rpartition(".")
        if prefix not in (ID_CA_DH, ID_CA_ECDH) or not last.isdigit():
            return None
        return CA_CIPHERS.get(int(last))

    def _agree(self, terminal_public: bytes, cipher: str) -> tuple[ResponseApdu, CardSmSession | None]:
        if self._ca_key is None:
            return ResponseApdu.status(SW_REF_NOT_FOUND), None
        try:
            shared = self._ca_key.group.shared_secret(self._private, terminal_public)
        except NfcError:
            return ResponseApdu.status(SW_WRONG_DATA), None
        session = CardSmSession(
            cipher, derive_key(shared, KDF_ENC, cipher), derive_key(shared, KDF_MAC, cipher), 0
        )
        return ResponseApdu.status(SW_OK), session

    def _key_ok(self, objects: dict[int, bytes]) -> bool:
        if 0x84 not in objects:
            return True
        return self._key_id is None or int.from_bytes(objects[0x84], "big") == self._key_id

    def handle(self, command: CommandApdu) -> tuple[ResponseApdu, CardSmSession | None]:
        try:
            objects = _objects(command.data) if command.data else {}
        except NfcError:
            return ResponseApdu.status(SW_WRONG_DATA), None
        if command.ins == 0x22 and command.p1 == 0x41 and command.p2 == 0xA6:  # MSE:Set KAT
            if 0x91 not in objects or not self._key_ok(objects):
                return ResponseApdu.status(SW_REF_NOT_FOUND), None
            return self._agree(objects[0x91], "3DES")
        if command.ins == 0x22 and command.p1 == 0x41 and command.p2 == 0xA4:  # MSE:Set AT
            from asn1crypto import core

            if 0x80 not in objects or not self._key_ok(objects):
                return ResponseApdu.status(SW_REF_NOT_FOUND), None
            oid = core.ObjectIdentifier.load(b"\x06" + bytes([len(objects[0x80])]) + objects[0x80]).dotted
            if self._cipher_for(oid) is None or not any(
                isinstance(i, ChipAuthenticationInfo) and i.protocol == oid for i in self._infos
            ):
                return ResponseApdu.status(SW_REF_NOT_FOUND), None
            self._protocol = oid
            return ResponseApdu.status(SW_OK), None
        if command.ins == 0x86:  # GENERAL AUTHENTICATE
            if self._protocol is None or 0x7C not in objects:
                return ResponseApdu.status(SW_CONDITIONS), None
            try:
                inner = _objects(objects[0x7C])
            except NfcError:
                return ResponseApdu.status(SW_WRONG_DATA), None
            if 0x80 not in inner:
                return ResponseApdu.status(SW_WRONG_DATA), None
            cipher = self._cipher_for(self._protocol) or "AES-128"
            response, session = self._agree(inner[0x80], cipher)
            if session is not None:
                response = ResponseApdu.status(SW_OK, b"\x7c\x00")
            return response, session
        return ResponseApdu.status(SW_INS), None


class CardActiveAuthentication:
    """INTERNAL AUTHENTICATE: RSA with ISO/IEC 9796-2 scheme 1 (``BC`` for SHA-1, ``xxCC`` otherwise),
    or ECDSA with a plain r‖s signature. ``private_key=None`` is a clone: it answers with noise."""

    def __init__(
        self, private_key: Any, *, hash_name: str = "sha1", random_bytes: Callable[[int], bytes] = os.urandom
    ) -> None:
        self._key = private_key
        self._hash = hash_name
        self._random = random_bytes

    def handle(self, command: CommandApdu) -> ResponseApdu:
        if command.ins != 0x88:
            return ResponseApdu.status(SW_INS)
        challenge = command.data
        if len(challenge) != 8:
            return ResponseApdu.status(SW_WRONG_DATA)
        key = self._key
        if isinstance(key, rsa.RSAPrivateKey):
            return ResponseApdu.status(SW_OK, sign_9796_2(key, challenge, self._hash, self._random))
        if isinstance(key, ec.EllipticCurvePrivateKey):
            from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

            r, s = decode_dss_signature(key.sign(challenge, ec.ECDSA(hash_algorithm(self._ecdsa_hash()))))
            size = (key.curve.key_size + 7) // 8
            return ResponseApdu.status(SW_OK, r.to_bytes(size, "big") + s.to_bytes(size, "big"))
        return ResponseApdu.status(SW_OK, self._random(128))  # a clone cannot sign

    def _ecdsa_hash(self) -> str:
        return "sha256" if self._hash == "sha1" else self._hash


def sign_9796_2(
    key: rsa.RSAPrivateKey,
    m2: bytes,
    hash_name: str = "sha1",
    random_bytes: Callable[[int], bytes] = os.urandom,
) -> bytes:
    """ISO/IEC 9796-2 scheme 1 signature with a random M1 filling the capacity. Raw RSA (``pow`` on
    the private numbers): ``cryptography`` offers no unpadded private-key operation."""
    numbers = key.private_numbers()
    n = numbers.public_numbers.n
    k = (n.bit_length() + 7) // 8
    trailer = b"\xbc" if hash_name == "sha1" else bytes([_trailer_id(hash_name), 0xCC])
    size = hash_algorithm(hash_name).digest_size
    m1 = random_bytes(k - 1 - size - len(trailer))
    frame = b"\x6a" + m1 + digest(hash_name, m1 + m2) + trailer
    return pow(int.from_bytes(frame, "big"), numbers.d, n).to_bytes(k, "big")


def _trailer_id(hash_name: str) -> int:
    return next(i for i, name in TRAILER_HASHES.items() if name == hash_name)
