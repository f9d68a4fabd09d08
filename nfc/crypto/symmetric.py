"""Block ciphers and MACs of ICAO secure messaging: 3DES-CBC, retail MAC, AES-CBC/ECB, AES-CMAC.

Cipher names used across ``nfc``: "3DES" (two-key, 16-byte keys K1 ‖ K2), "AES-128", "AES-192", "AES-256".
3DES goes to ``cryptography`` as a 24-byte key K1 ‖ K2 ‖ K1 (shorter keys are deprecated there).
"""

from __future__ import annotations

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from nfc.errors import ParseError

CIPHERS = ("3DES", "AES-128", "AES-192", "AES-256")
_KEY_LENGTHS = {"3DES": 16, "AES-128": 16, "AES-192": 24, "AES-256": 32}


def key_length(cipher: str) -> int:
    try:
        return _KEY_LENGTHS[cipher]
    except KeyError:
        raise ValueError(f"unknown cipher {cipher!r}") from None


def block_size(cipher: str) -> int:
    return 8 if cipher == "3DES" else 16


def _tdes(key: bytes) -> TripleDES:
    if len(key) == 16:
        return TripleDES(key + key[:8])
    if len(key) == 8:
        return TripleDES(key * 3)
    if len(key) == 24:
        return TripleDES(key)
    raise ValueError(f"3DES key must be 8, 16 or 24 bytes, not {len(key)}")


def _check_blocks(data: bytes, size: int) -> None:
    if len(data) % size:
        raise ValueError(f"data length {len(data)} is not a multiple of the block size {size}")


def des3_cbc_encrypt(key: bytes, data: bytes, iv: bytes = bytes(8)) -> bytes:
    _check_blocks(data, 8)
    enc = Cipher(_tdes(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def des3_cbc_decrypt(key: bytes, data: bytes, iv: bytes = bytes(8)) -> bytes:
    _check_blocks(data, 8)
    dec = Cipher(_tdes(key), modes.CBC(iv)).decryptor()
    return dec.update(data) + dec.finalize()


def aes_cbc_encrypt(key: bytes, data: bytes, iv: bytes = bytes(16)) -> bytes:
    _check_blocks(data, 16)
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def aes_cbc_decrypt(key: bytes, data: bytes, iv: bytes = bytes(16)) -> bytes:
    _check_blocks(data, 16)
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return dec.update(data) + dec.finalize()


def aes_ecb_encrypt(key: bytes, data: bytes) -> bytes:
    _check_blocks(data, 16)
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(data) + enc.finalize()


def cbc_encrypt(cipher: str, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
    """CBC encryption with the suite's block cipher; IV defaults to zeros."""
    if cipher == "3DES":
        return des3_cbc_encrypt(key, data, iv or bytes(8))
    return aes_cbc_encrypt(key, data, iv or bytes(16))


def cbc_decrypt(cipher: str, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
    if cipher == "3DES":
        return des3_cbc_decrypt(key, data, iv or bytes(8))
    return aes_cbc_decrypt(key, data, iv or bytes(16))


def pad_iso9797_m2(data: bytes, block: int = 8) -> bytes:
    """ISO/IEC 9797-1 padding method 2: append 80, then 00 up to a block boundary."""
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % block)


def unpad_iso9797_m2(data: bytes) -> bytes:
    """Strip method-2 padding; ``ParseError`` when there is none."""
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise ParseError("padding", "no ISO 9797-1 method 2 padding")
    return stripped[:-1]


def retail_mac(key16: bytes, data: bytes, *, pad: bool = False) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 (DES-CBC with K1, then D(K2), E(K1) on the last block).

    ``data`` must already carry method-2 padding (as SM and BAC build it) unless ``pad=True``.
    """
    if len(key16) != 16:
        raise ValueError("retail MAC needs a 16-byte key")
    if pad:
        data = pad_iso9797_m2(data, 8)
    _check_blocks(data, 8)
    if not data:
        raise ValueError("retail MAC over empty input")
    k1, k2 = key16[:8], key16[8:]
    chained = des3_cbc_encrypt(k1, data)[-8:]  # single DES as K1‖K1‖K1
    step = Cipher(_tdes(k2), modes.ECB()).decryptor()
    middle = step.update(chained) + step.finalize()
    final = Cipher(_tdes(k1), modes.ECB()).encryptor()
    return final.update(middle) + final.finalize()


def aes_cmac(key: bytes, data: bytes) -> bytes:
    """Full 16-byte AES-CMAC; SM and PACE tokens use the first 8 bytes."""
    mac = cmac.CMAC(algorithms.AES(key))
    mac.update(data)
    return mac.finalize()


def mac8(cipher: str, key: bytes, data: bytes) -> bytes:
    """The suite's 8-byte MAC: retail MAC over padded data (3DES) or CMAC[:8] (AES, no padding)."""
    if cipher == "3DES":
        return retail_mac(key, pad_iso9797_m2(data, 8))
    return aes_cmac(key, data)[:8]
