"""Active Authentication (ICAO 9303-11 §6.1): the chip signs a terminal challenge with the DG15 key.

RSA: ISO/IEC 9796-2 digital signature scheme 1 with partial message recovery. ``cryptography`` has no
raw RSA public operation, so the signature is opened with ``pow`` on the public numbers and left-padded
to the modulus width (gmrtd #106); both trailers occur: ``BC`` (SHA-1 implied) and two-byte ``xxCC``
naming the hash (icao-vectors §4b uses 34CC = SHA-256). ECDSA: plain r‖s or DER (gmrtd #188), the hash
from ActiveAuthenticationInfo in DG14. A server-supplied challenge binds the answer to one session
(defeats relays, gmrtd #397). AA proves nothing unless DG15 is covered by a valid EF.SOD.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass

from nfc.errors import NfcError, SecureMessagingError, StatusWordError
from nfc.iso7816.apdu import CommandApdu
from nfc.iso7816.channel import ApduChannel
from nfc.lds.security_infos import ActiveAuthenticationInfo, SecurityInfo
from nfc.verify.algorithms import SignatureScheme, digest, hash_algorithm
from nfc.verify.certs import PublicKey, load_public_key
from nfc.verify.report import StepResult, StepStatus

MIN_RSA_BITS = 1024  # gmrtd #347: refuse toy moduli
CHALLENGE_LENGTH = 8

#: ISO/IEC 10118-3 hash identifiers used in the xxCC trailer
TRAILER_HASHES = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}
_ECDSA_OIDS = {
    "1.2.840.10045.4.1": "sha1",
    "1.2.840.10045.4.3.1": "sha224",
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
}


@dataclass(frozen=True)
class AaResult:
    status: StepStatus
    reason: str | None
    algorithm: str  # "RSA-1792 ISO 9796-2 SHA256", "ECDSA SHA256 / EC brainpoolP256r1"
    challenge: bytes  # random; no personal data
    detail: str = ""
    ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is StepStatus.PASSED

    def to_step(self) -> StepResult:
        return StepResult(
            "active-authentication", self.status, self.detail, self.reason, self.algorithm or None, ms=self.ms
        )


@dataclass(frozen=True)
class Recovered:
    """What an ISO 9796-2 scheme-1 signature opens to."""

    hash: str
    m1: bytes  # the recoverable part of the message (chip nonce)
    digest: bytes


def open_9796_2(signature: bytes, key: PublicKey) -> Recovered:
    """Raw RSA + ISO/IEC 9796-2 scheme-1 framing checks. Raises ``NfcError`` on a bad frame."""
    numbers = key.rsa_numbers
    k = (numbers.n.bit_length() + 7) // 8
    s = int.from_bytes(signature, "big")
    if not signature or len(signature) > k or s >= numbers.n:
        raise NfcError("AA signature does not fit the modulus", reason="aa-bad-signature")
    return parse_9796_2_frame(pow(s, numbers.e, numbers.n).to_bytes(k, "big"))  # left-padded to width


def parse_9796_2_frame(f: bytes) -> Recovered:
    """Split F = 6A ‖ M1 ‖ H ‖ trailer (ISO/IEC 9796-2 scheme 1, partial recovery)."""
    k = len(f)
    if k < 3:
        raise NfcError("AA signature frame too short", reason="aa-bad-signature")
    if f[-1] == 0xBC:
        name, trailer = "sha1", 1
    elif f[-1] == 0xCC and f[-2] in TRAILER_HASHES:
        name, trailer = TRAILER_HASHES[f[-2]], 2
    else:
        raise NfcError("AA signature trailer is neither BC nor a known xxCC", reason="aa-bad-signature")
    # header: '01' (scheme 1), '1' partial recovery, '0' ... ending in nibble A = 0x6A
    if f[0] != 0x6A:
        raise NfcError("AA signature header is not 6A (partial recovery)", reason="aa-bad-signature")
    size = hash_algorithm(name).digest_size
    end = k - trailer
    if end - size < 1:
        raise NfcError("AA signature too short for its hash", reason="aa-bad-signature")
    return Recovered(name, f[1 : end - size], f[end - size : end])


def verify_rsa_aa(signature: bytes, challenge: bytes, key: PublicKey) -> tuple[bool, str]:
    """True if the RSA AA signature is valid for ``challenge`` (M2). Returns (ok, algorithm)."""
    bits = key.rsa_numbers.n.bit_length()
    if bits < MIN_RSA_BITS:
        raise NfcError(f"AA RSA key of {bits} bits is too small", reason="aa-key-too-small")
    try:
        recovered = open_9796_2(signature, key)
    except NfcError:
        return False, f"RSA-{bits} ISO 9796-2"
    good = hmac.compare_digest(digest(recovered.hash, recovered.m1 + challenge), recovered.digest)
    return good, f"RSA-{bits} ISO 9796-2 {recovered.hash.upper()}"


def ecdsa_hash(infos: Sequence[SecurityInfo]) -> str | None:
    for info in infos:
        if isinstance(info, ActiveAuthenticationInfo):
            return _ECDSA_OIDS.get(info.signature_algorithm)
    return None


def verify_ecdsa_aa(signature: bytes, challenge: bytes, key: PublicKey, hash_name: str | None) -> tuple[bool, str]:
    """Plain r‖s or DER. Without ActiveAuthenticationInfo the hash is unknown: each SHA-2/SHA-1 is
    tried (the signature still needs the chip's private key, so this weakens nothing)."""
    names = [hash_name] if hash_name else ["sha256", "sha384", "sha512", "sha224", "sha1"]
    kind = "ecdsa" if signature[:1] == b"\x30" else "ecdsa-plain"
    for name in names:
        for scheme_kind in (kind, "ecdsa-plain" if kind == "ecdsa" else "ecdsa"):
            if key.verify(signature, challenge, SignatureScheme(scheme_kind, name)):
                return True, f"ECDSA {name.upper()} / {key.label}"
    return False, f"ECDSA {(hash_name or '?').upper()} / {key.label}"


def verify_aa_signature(
    dg15_spki: bytes, infos: Sequence[SecurityInfo], challenge: bytes, signature: bytes
) -> tuple[bool, str]:
    key = load_public_key(dg15_spki)
    if key.kind == "rsa":
        return verify_rsa_aa(signature, challenge, key)
    return verify_ecdsa_aa(signature, challenge, key, ecdsa_hash(infos))


def perform_active_authentication(
    channel: ApduChannel,
    dg15_spki: bytes,
    dg14_infos: Sequence[SecurityInfo] = (),
    *,
    challenge: bytes | None = None,
) -> AaResult:
    """INTERNAL AUTHENTICATE with a fresh 8-byte challenge (or a server-supplied one), then verify."""
    started = time.perf_counter()
    rnd = os.urandom(CHALLENGE_LENGTH) if challenge is None else bytes(challenge)
    if len(rnd) != CHALLENGE_LENGTH:
        raise ValueError("the AA challenge is 8 bytes")
    try:
        key = load_public_key(dg15_spki)
    except NfcError as exc:
        return AaResult(StepStatus.FAILED, "aa-key-unusable", "", rnd, f"DG15 key unusable ({exc.reason})")
    try:
        answer = channel.send(CommandApdu(0x00, 0x88, 0x00, 0x00, rnd, le=256))
    except (StatusWordError, SecureMessagingError) as exc:
        sw = getattr(exc, "sw", None)
        detail = "chip refused INTERNAL AUTHENTICATE" + (f" ({sw:04X})" if sw else "")
        return AaResult(
            StepStatus.FAILED,
            "clone-suspected",
            key.label,
            rnd,
            detail,
            (time.perf_counter() - started) * 1000,
        )
    try:
        if key.kind == "rsa":
            ok, algorithm = verify_rsa_aa(answer.data, rnd, key)
        else:
            ok, algorithm = verify_ecdsa_aa(answer.data, rnd, key, ecdsa_hash(dg14_infos))
    except NfcError as exc:
        return AaResult(StepStatus.FAILED, exc.reason, key.label, rnd, str(exc), (time.perf_counter() - started) * 1000)
    ms = (time.perf_counter() - started) * 1000
    if ok:
        return AaResult(StepStatus.PASSED, None, algorithm, rnd, "chip signed the challenge with the DG15 key", ms)
    return AaResult(StepStatus.FAILED, "clone-suspected", algorithm, rnd, "signature over the challenge is invalid", ms)
