"""PACE, terminal side (ICAO 9303-11 §4.4): MSE:Set AT, then four chained GENERAL AUTHENTICATE steps.

Mappings: GM and IM over ECDH and DH, and ECDH-CAM (the chip's encrypted Chip Authentication data
is decrypted and returned; checking it against EF.CardSecurity is the verifier's job).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from nfc.access.keys import AccessKey
from nfc.access.pace.groups import random_scalar, standard_group
from nfc.access.pace.protocols import pace_algorithm
from nfc.access.pace.steps import (
    decrypt_ca_data,
    decrypt_nonce,
    dynamic_auth_data,
    parse_dynamic_auth_data,
    password_bytes,
    password_key,
    password_reference,
    session_keys,
    token,
    tokens_equal,
)
from nfc.crypto.curves import domain_parameters
from nfc.crypto.symmetric import block_size
from nfc.errors import AccessControlError, ParseError, UnsupportedCardError, WrongKeyError
from nfc.iso7816.apdu import CommandApdu, ResponseApdu
from nfc.iso7816.channel import ApduChannel
from nfc.iso7816.status import SW_AUTH_FAILED, SW_AUTH_METHOD_BLOCKED, SW_OK, SW_SECURITY_NOT_SATISFIED
from nfc.lds.security_infos import PaceInfo
from nfc.sm.session import SmSession

_REFUSAL_WORDS = frozenset({SW_AUTH_FAILED, SW_SECURITY_NOT_SATISFIED, SW_AUTH_METHOD_BLOCKED})


@dataclass(frozen=True)
class PaceResult:
    session: SmSession = field(repr=False)
    protocol_oid: str
    mechanism: str  # e.g. "PACE-ECDH-GM-AES-128 brainpoolP256r1"
    cipher: str
    parameter_id: int
    mapping: str  # "GM" | "IM" | "CAM"
    chip_public_key: bytes  # the chip's ephemeral public key (GA3), needed by CA/CAM checks
    terminal_public_key: bytes
    chip_mapping_public_key: bytes | None = None  # GM/CAM: the chip's mapping key (PK_MAP,IC)
    encrypted_ca_data: bytes | None = None  # CAM: as sent in GA4 (tag 8A)
    ca_data: bytes | None = None  # CAM: decrypted CA_IC, to check PK_MAP,IC == CA_IC · PK_IC later


def _is_refusal(sw: int) -> bool:
    return sw in _REFUSAL_WORDS or (sw & 0xFFF0) == 0x63C0


def perform_pace(
    channel: ApduChannel,
    key: AccessKey,
    info: PaceInfo,
    *,
    random_bytes: Callable[[int], bytes] = os.urandom,
    ephemeral_keys: Sequence[int] | None = None,
) -> PaceResult:
    """Run PACE with ``key`` (CAN or MRZ), install the new SM session (SSC 0) on ``channel``.

    ``ephemeral_keys`` is a test hook: the terminal's private keys in the order they are used
    (GM/CAM: mapping key, then ephemeral key; IM: ephemeral key). The IM terminal nonce comes from
    ``random_bytes``. Raises ``WrongKeyError`` when the card refuses the password at the last step,
    ``AccessControlError`` for other protocol failures, ``UnsupportedCardError`` for unknown OIDs.
    """
    algorithm = pace_algorithm(info.protocol)
    if info.parameter_id is None:
        raise UnsupportedCardError("PACE with proprietary domain parameters is not supported")
    try:
        domain = domain_parameters(info.parameter_id)
    except KeyError:
        raise UnsupportedCardError(f"unknown PACE parameter id {info.parameter_id}") from None
    if (algorithm.agreement == "ECDH") != hasattr(domain, "n"):
        raise UnsupportedCardError("PACE protocol and domain parameters do not match")
    keys = list(ephemeral_keys or ())
    group = standard_group(domain)

    def next_private() -> int:
        return keys.pop(0) if keys else random_scalar(group.order, random_bytes)

    channel.sm = None  # PACE runs in plain; a previous session is void
    reference = password_reference(key)
    k_pi = password_key(reference, password_bytes(key), algorithm.cipher)
    mse_data = (
        bytes((0x80, len(algorithm.oid_bytes)))
        + algorithm.oid_bytes
        + bytes((0x83, 0x01, reference, 0x84, 0x01, info.parameter_id))
    )
    answer = channel.transmit(CommandApdu(0x00, 0x22, 0xC1, 0xA4, mse_data))
    if answer.sw != SW_OK:
        if _is_refusal(answer.sw):
            raise WrongKeyError(f"the card refused this PACE password ({answer.sw:04X} to MSE:Set AT)")
        raise AccessControlError(f"the card rejected PACE set-up (MSE:Set AT answered {answer.sw:04X})")

    step1 = _general_authenticate(channel, (), last=False, step=1)
    encrypted_nonce = _require(step1, 0x80, 1)
    if (
        not encrypted_nonce
        or len(encrypted_nonce) % block_size(algorithm.cipher)
        or len(encrypted_nonce) > 64
    ):
        raise AccessControlError("PACE nonce has a bad length")
    nonce = decrypt_nonce(algorithm.cipher, k_pi, encrypted_nonce)

    chip_mapping_key: bytes | None = None
    if algorithm.mapping == "IM":
        terminal_nonce = random_bytes(len(nonce))
        _general_authenticate(channel, ((0x81, terminal_nonce),), last=False, step=2)
        mapped = group.map_integrated(nonce, terminal_nonce, algorithm.cipher)
    else:
        map_private = next_private()
        step2 = _general_authenticate(channel, ((0x81, group.public_key(map_private)),), last=False, step=2)
        chip_mapping_key = _require(step2, 0x82, 2)
        mapped = group.map_generic(nonce, map_private, chip_mapping_key)

    eph_private = next_private()
    terminal_public = mapped.public_key(eph_private)
    step3 = _general_authenticate(channel, ((0x83, terminal_public),), last=False, step=3)
    chip_public = _require(step3, 0x84, 3)
    if chip_public == terminal_public:
        raise AccessControlError("the card echoed the terminal's ephemeral key")
    shared = mapped.shared_secret(eph_private, chip_public)
    ks_enc, ks_mac = session_keys(algorithm.cipher, shared)

    terminal_token = token(algorithm, mapped, ks_mac, chip_public)
    step4 = _general_authenticate(channel, ((0x85, terminal_token),), last=True, step=4)
    chip_token = _require(step4, 0x86, 4)
    if not tokens_equal(token(algorithm, mapped, ks_mac, terminal_public), chip_token):
        raise AccessControlError("the card's PACE authentication token does not verify")

    encrypted_ca = ca_data = None
    if algorithm.mapping == "CAM":
        encrypted_ca = _require(step4, 0x8A, 4)
        try:
            ca_data = decrypt_ca_data(ks_enc, encrypted_ca)
        except ParseError:
            raise AccessControlError("the card's PACE-CAM data does not decrypt") from None

    session = SmSession(algorithm.cipher, ks_enc, ks_mac, 0)
    channel.sm = session
    return PaceResult(
        session=session,
        protocol_oid=algorithm.oid,
        mechanism=algorithm.mechanism(domain.name),
        cipher=algorithm.cipher,
        parameter_id=info.parameter_id,
        mapping=algorithm.mapping,
        chip_public_key=chip_public,
        terminal_public_key=terminal_public,
        chip_mapping_public_key=chip_mapping_key,
        encrypted_ca_data=encrypted_ca,
        ca_data=ca_data,
    )


def _general_authenticate(
    channel: ApduChannel, objects: tuple[tuple[int, bytes], ...], *, last: bool, step: int
) -> dict[int, bytes]:
    data = dynamic_auth_data(*objects)
    command = CommandApdu(0x00 if last else 0x10, 0x86, 0x00, 0x00, data, le=256)
    if command.is_extended:
        command = CommandApdu(command.cla, 0x86, 0x00, 0x00, data, le=65536)
    answer: ResponseApdu = channel.transmit(command)
    if answer.sw != SW_OK:
        if last and _is_refusal(answer.sw):
            raise WrongKeyError(f"the card refused the PACE password ({answer.sw:04X})")
        raise AccessControlError(f"PACE step {step} failed: the card answered {answer.sw:04X}")
    try:
        return parse_dynamic_auth_data(answer.data, f"PACE step {step} answer")
    except ParseError as exc:
        raise AccessControlError(f"PACE step {step}: malformed answer ({exc})") from None


def _require(objects: dict[int, bytes], tag: int, step: int) -> bytes:
    value = objects.get(tag)
    if value is None:
        raise AccessControlError(f"PACE step {step}: the card's answer lacks tag {tag:02X}")
    return value
