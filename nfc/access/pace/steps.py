"""PACE computations both sides share (ICAO 9303-11 §4.4): Kπ, the nonce, session keys, tokens,
the GENERAL AUTHENTICATE data objects and the CAM data encryption."""

from __future__ import annotations

import hmac

from nfc.access.keys import AccessKey, CanKey, MrzKey
from nfc.access.pace.groups import PaceGroup
from nfc.access.pace.protocols import PaceAlgorithm
from nfc.crypto.kdf import KDF_ENC, KDF_MAC, KDF_PI, derive_key, sha1
from nfc.crypto.symmetric import (
    aes_cbc_decrypt,
    aes_cbc_encrypt,
    aes_ecb_encrypt,
    cbc_decrypt,
    cbc_encrypt,
    mac8,
    pad_iso9797_m2,
    unpad_iso9797_m2,
)
from nfc.errors import ParseError
from nfc.sm.tlv import encode_tlv, parse_tlvs, unwrap_single

PASSWORD_MRZ = 1
PASSWORD_CAN = 2
NONCE_LENGTH = 16
TAG_DYNAMIC_AUTH = 0x7C
TAG_PUBLIC_KEY = 0x7F49


def password_reference(key: AccessKey) -> int:
    return PASSWORD_MRZ if isinstance(key, MrzKey) else PASSWORD_CAN


def password_bytes(key: AccessKey) -> bytes:
    """The raw password: MRZ_information (ASCII) or the CAN digits (ASCII)."""
    if isinstance(key, CanKey):
        return key.password
    return key.mrz_information().encode("ascii")


def password_key(reference: int, password: bytes, cipher: str) -> bytes:
    """Kπ = KDF(K, 3) with K = SHA-1(MRZ_information) for the MRZ, the CAN digits as they are."""
    secret = sha1(password) if reference == PASSWORD_MRZ else password
    return derive_key(secret, KDF_PI, cipher)


def encrypt_nonce(cipher: str, k_pi: bytes, nonce: bytes) -> bytes:
    return cbc_encrypt(cipher, k_pi, nonce)


def decrypt_nonce(cipher: str, k_pi: bytes, encrypted: bytes) -> bytes:
    return cbc_decrypt(cipher, k_pi, encrypted)


def session_keys(cipher: str, shared: bytes) -> tuple[bytes, bytes]:
    return derive_key(shared, KDF_ENC, cipher), derive_key(shared, KDF_MAC, cipher)


def public_key_object(algorithm: PaceAlgorithm, group: PaceGroup, public: bytes) -> bytes:
    """7F49 { 06 OID, 86 point | 84 DH value } — the authentication token input."""
    inner = encode_tlv(0x06, algorithm.oid_bytes) + encode_tlv(group.public_tag, public)
    return encode_tlv(TAG_PUBLIC_KEY, inner)


def token(algorithm: PaceAlgorithm, group: PaceGroup, ks_mac: bytes, other_public: bytes) -> bytes:
    return mac8(algorithm.cipher, ks_mac, public_key_object(algorithm, group, other_public))


def tokens_equal(expected: bytes, received: bytes) -> bool:
    return hmac.compare_digest(expected, received)


def dynamic_auth_data(*objects: tuple[int, bytes]) -> bytes:
    return encode_tlv(TAG_DYNAMIC_AUTH, b"".join(encode_tlv(tag, value) for tag, value in objects))


def parse_dynamic_auth_data(data: bytes, what: str) -> dict[int, bytes]:
    """7C { tag value ... } → {tag: value}; ``ParseError`` on malformed data or repeated tags."""
    inner = unwrap_single(data, TAG_DYNAMIC_AUTH, what)
    objects = parse_tlvs(inner, what)
    result: dict[int, bytes] = {}
    for tag, value, _ in objects:
        if tag in result:
            raise ParseError(what, f"tag {tag:X} repeated")
        result[tag] = value
    return result


_CAM_IV_INPUT = b"\xff" * 16


def encrypt_ca_data(ks_enc: bytes, ca_data: bytes) -> bytes:
    """PACE-CAM: E(KSenc, IV = E(KSenc, FF..FF), pad(CA_IC)) (AES only)."""
    iv = aes_ecb_encrypt(ks_enc, _CAM_IV_INPUT)
    return aes_cbc_encrypt(ks_enc, pad_iso9797_m2(ca_data, 16), iv)


def decrypt_ca_data(ks_enc: bytes, encrypted: bytes) -> bytes:
    if not encrypted or len(encrypted) % 16:
        raise ParseError("PACE-CAM data", "not a whole number of AES blocks")
    iv = aes_ecb_encrypt(ks_enc, _CAM_IV_INPUT)
    return unpad_iso9797_m2(aes_cbc_decrypt(ks_enc, encrypted, iv))
