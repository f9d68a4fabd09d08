"""Privacy helpers: keyed hashes of ID numbers, masking for screens/tickets, field encryption, wiping.

A 12-digit CCCD number has little entropy (province + century/sex + birth year + 6 digits), so a plain
SHA-256 of it is brute-forced in seconds; correlation therefore uses HMAC-SHA256 with a per-site secret
kept in the data directory (file mode 0600, created on first use).
"""

from __future__ import annotations

import json
import os
import secrets
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.errors import KioskError

ID_HASH_KEY_FILE = "id-hash.key"
FIELD_KEY_FILE = "field.key"
_KEY_SIZE = 32
_NONCE_SIZE = 12
_FORMAT_V1 = b"\x01"  # leading version byte so the ciphertext format can change later


class PrivacyError(KioskError):
    """Key or ciphertext problem. Messages never carry personal data."""

    reason = "privacy-error"
    hint = "The kiosk's data keys are missing or damaged; call technical staff."

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(None, hint, detail=message)


# --- keys ----------------------------------------------------------------------------------------
def load_or_create_key(data_dir: Path, name: str, size: int = _KEY_SIZE) -> bytes:
    """Return the secret ``data_dir/name``, creating it (mode 0600) on first use.

    Creation is race-free across processes: the key is written to a private temporary file and
    hard-linked into place, so a concurrent reader never sees a half-written key.
    """
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = data_dir / name
    if not path.exists():
        tmp = data_dir / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_bytes(size))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race; use its key
        finally:
            tmp.unlink(missing_ok=True)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise PrivacyError(
            f"key file {path} is readable by others (mode {mode:o})", hint=f"Run: chmod 600 {path}"
        )
    key = path.read_bytes()
    if len(key) != size:
        raise PrivacyError(f"key file {path} has {len(key)} bytes, expected {size}")
    return key


def id_hash_key(data_dir: Path) -> bytes:
    """The site's ID-hash key (``data_dir/id-hash.key``), created on first use."""
    return load_or_create_key(data_dir, ID_HASH_KEY_FILE)


# --- keyed hash ----------------------------------------------------------------------------------
def normalise_id_number(id_number: str) -> str:
    """Digits only: spaces and dashes typed or OCR'd around the number do not change the hash."""
    return "".join(ch for ch in id_number if not ch.isspace() and ch != "-")


def id_hash(id_number: str, key: bytes) -> str:
    """HMAC-SHA256 of the ID number under the site key, as 64 hex digits."""
    if len(key) < 16:
        raise PrivacyError("ID hash key is shorter than 16 bytes")
    value = normalise_id_number(id_number)
    if not value:
        raise PrivacyError("empty ID number cannot be hashed")
    mac = hmac.HMAC(key, hashes.SHA256())
    mac.update(b"cccd-kiosk/id/v1\x00" + value.encode("utf-8"))
    return mac.finalize().hex()


# --- masking -------------------------------------------------------------------------------------
def _mask_word(word: str) -> str:
    return word[:1] + "*" * (len(word) - 1)


def mask_name(full_name: str) -> str:
    """Family name in full, other words reduced to their first letter: ``NGUYỄN V** A*``.

    Text is NFC-normalised first so a decomposed "Ă" counts as one letter.
    """
    words = unicodedata.normalize("NFC", full_name).split()
    if not words:
        return ""
    if len(words) == 1:
        return _mask_word(words[0])
    return " ".join([words[0], *(_mask_word(w) for w in words[1:])])


def mask_id(id_number: str, keep: int = 4) -> str:
    """Only the last ``keep`` digits stay visible: ``********6789``."""
    value = normalise_id_number(id_number)
    keep = max(0, min(keep, len(value) // 3))  # never reveal more than a third
    return "*" * (len(value) - keep) + value[len(value) - keep :]


def mask_date(iso_date: str) -> str:
    """Year only: ``1990-**-**``."""
    return iso_date[:4] + "-**-**" if len(iso_date) >= 4 else "****"


# --- field encryption ----------------------------------------------------------------------------
class FieldCipher:
    """AES-256-GCM for personal fields stored at rest. ``aad`` binds a ciphertext to its row."""

    def __init__(self, key: bytes) -> None:
        if len(key) not in (16, 24, 32):
            raise PrivacyError("field key must be 16, 24 or 32 bytes")
        self._aead = AESGCM(key)

    @classmethod
    def from_data_dir(cls, data_dir: Path) -> FieldCipher:
        return cls(load_or_create_key(data_dir, FIELD_KEY_FILE))

    def __repr__(self) -> str:
        return "FieldCipher(key=***)"

    def encrypt(self, plaintext: bytes, aad: bytes = b"") -> bytes:
        nonce = secrets.token_bytes(_NONCE_SIZE)
        return _FORMAT_V1 + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def decrypt(self, blob: bytes, aad: bytes = b"") -> bytes:
        if len(blob) < 1 + _NONCE_SIZE + 16 or blob[:1] != _FORMAT_V1:
            raise PrivacyError("stored ciphertext is malformed")
        nonce = blob[1 : 1 + _NONCE_SIZE]
        try:
            return self._aead.decrypt(nonce, blob[1 + _NONCE_SIZE :], aad)
        except InvalidTag as exc:
            raise PrivacyError("stored ciphertext failed authentication (wrong key or tampered)") from exc

    def encrypt_json(self, value: Mapping[str, Any], aad: bytes = b"") -> bytes:
        try:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError) as exc:  # message names the type only, never the value
            raise PrivacyError(f"field is not JSON-serialisable ({type(exc).__name__})") from exc
        return self.encrypt(text.encode("utf-8"), aad)

    def decrypt_json(self, blob: bytes, aad: bytes = b"") -> dict[str, Any]:
        try:
            value = json.loads(self.decrypt(blob, aad))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PrivacyError("decrypted field is not valid JSON") from exc
        if not isinstance(value, dict):
            raise PrivacyError("decrypted field is not a JSON object")
        return value


def wipe(buffer: bytearray | memoryview) -> None:
    """Overwrite a mutable buffer with zeros (best effort: Python may hold other copies)."""
    view = memoryview(buffer).cast("B")
    view[:] = bytes(len(view))
