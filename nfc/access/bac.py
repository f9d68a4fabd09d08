"""Basic Access Control, terminal side (ICAO 9303-11 §4.3): GET CHALLENGE + EXTERNAL AUTHENTICATE.

The key-derivation and cryptogram helpers here are shared with the virtual card
(``nfc.virtual.card_access_protocols.CardBac``).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass

from nfc.access.keys import MrzKey
from nfc.crypto.kdf import KDF_ENC, KDF_MAC, derive_key, sha1
from nfc.crypto.symmetric import des3_cbc_decrypt, des3_cbc_encrypt, pad_iso9797_m2, retail_mac
from nfc.errors import AccessControlError, WrongKeyError
from nfc.iso7816.apdu import CommandApdu
from nfc.iso7816.channel import ApduChannel
from nfc.iso7816.status import SW_AUTH_FAILED, SW_OK, SW_SECURITY_NOT_SATISFIED, error_for
from nfc.sm.session import SmSession

CHALLENGE_LENGTH = 8
KEY_HALF_LENGTH = 16


@dataclass(frozen=True, repr=False)
class BacKeys:
    k_enc: bytes
    k_mac: bytes

    def __repr__(self) -> str:
        return "BacKeys(***)"


def bac_keys(mrz_information: str) -> BacKeys:
    """KEnc/KMAC from MRZ_information (docNo ‖ cd ‖ DOB ‖ cd ‖ DOE ‖ cd)."""
    seed = sha1(mrz_information.encode("ascii"))[:16]
    return BacKeys(derive_key(seed, KDF_ENC, "3DES"), derive_key(seed, KDF_MAC, "3DES"))


def seal(keys: BacKeys, plain: bytes) -> bytes:
    """E(KEnc, plain) ‖ MAC(KMAC, pad(E)) — the 40-byte cryptogram both sides send."""
    encrypted = des3_cbc_encrypt(keys.k_enc, plain)
    return encrypted + retail_mac(keys.k_mac, pad_iso9797_m2(encrypted))


def open_sealed(keys: BacKeys, cryptogram: bytes) -> bytes | None:
    """Check the MAC and decrypt; ``None`` when the length or MAC is wrong."""
    if len(cryptogram) != 40:
        return None
    encrypted, mac = cryptogram[:32], cryptogram[32:]
    if not hmac.compare_digest(retail_mac(keys.k_mac, pad_iso9797_m2(encrypted)), mac):
        return None
    return des3_cbc_decrypt(keys.k_enc, encrypted)


def session_keys(k_ifd: bytes, k_ic: bytes) -> tuple[bytes, bytes]:
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic, strict=True))
    return derive_key(seed, KDF_ENC, "3DES"), derive_key(seed, KDF_MAC, "3DES")


def initial_ssc(rnd_ic: bytes, rnd_ifd: bytes) -> int:
    return int.from_bytes(rnd_ic[4:] + rnd_ifd[4:], "big")


def perform_bac(
    channel: ApduChannel, key: MrzKey, *, random_bytes: Callable[[int], bytes] = os.urandom
) -> SmSession:
    """Run BAC, install the new SM session on ``channel`` and return it.

    Raises ``WrongKeyError`` when the card refuses the MRZ key (6300/6982) or its cryptogram does not
    verify; other failures raise the typed status error or ``AccessControlError``.
    """
    channel.sm = None  # BAC runs in plain; any earlier session is void
    keys = bac_keys(key.mrz_information())
    challenge = channel.transmit(CommandApdu(0x00, 0x84, 0x00, 0x00, le=CHALLENGE_LENGTH))
    if challenge.sw != SW_OK:
        raise error_for(challenge.sw, "GET CHALLENGE")
    rnd_ic = challenge.data
    if len(rnd_ic) != CHALLENGE_LENGTH:
        raise AccessControlError(f"GET CHALLENGE returned {len(rnd_ic)} bytes instead of 8")
    rnd_ifd = random_bytes(CHALLENGE_LENGTH)
    k_ifd = random_bytes(KEY_HALF_LENGTH)
    cryptogram = seal(keys, rnd_ifd + rnd_ic + k_ifd)
    answer = channel.transmit(CommandApdu(0x00, 0x82, 0x00, 0x00, cryptogram, le=40))
    if answer.sw in (SW_AUTH_FAILED, SW_SECURITY_NOT_SATISFIED):
        raise WrongKeyError(f"the card refused the BAC key ({answer.sw:04X})")
    if answer.sw != SW_OK:
        raise error_for(answer.sw, "EXTERNAL AUTHENTICATE")
    plain = open_sealed(keys, answer.data)
    if plain is None or plain[:8] != rnd_ic or plain[8:16] != rnd_ifd:
        raise WrongKeyError("the card's BAC cryptogram does not verify")
    ks_enc, ks_mac = session_keys(k_ifd, plain[16:32])
    session = SmSession("3DES", ks_enc, ks_mac, initial_ssc(rnd_ic, rnd_ifd))
    channel.sm = session
    return session
