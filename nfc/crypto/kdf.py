"""ICAO 9303-11 §9.7.1 key derivation: K = H(shared ‖ counter32), cut to the cipher's key length."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

from nfc.crypto.symmetric import key_length

KDF_ENC = 1
KDF_MAC = 2
KDF_PI = 3


def _digest(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


def sha1(data: bytes) -> bytes:
    return _digest(hashes.SHA1(), data)


def sha256(data: bytes) -> bytes:
    return _digest(hashes.SHA256(), data)


def adjust_des_parity(key: bytes) -> bytes:
    """Set each byte's low bit so the byte has odd parity (DES key convention)."""
    out = bytearray()
    for byte in key:
        high = byte & 0xFE
        out.append(high | ((bin(high).count("1") + 1) & 1))
    return bytes(out)


def derive_key(shared: bytes, counter: int, cipher: str) -> bytes:
    """KDF(shared, counter) for ``cipher`` in {"3DES", "AES-128", "AES-192", "AES-256"}.

    SHA-1 for 3DES and AES-128, SHA-256 for AES-192/256. 3DES keys are the 16-byte two-key form
    (K1 ‖ K2), parity-adjusted.
    """
    data = shared + counter.to_bytes(4, "big")
    size = key_length(cipher)
    digest = sha1(data) if cipher in ("3DES", "AES-128") else sha256(data)
    key = digest[:size]
    return adjust_des_parity(key) if cipher == "3DES" else key
