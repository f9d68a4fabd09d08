"""Chip Authentication v1 (ICAO 9303-11 §6.2, BSI TR-03110) and the PACE-CAM check.

Terminal side: pick the chip's CA key from DG14 (key id selection), make an ephemeral key pair on the
same domain parameters, send it (3DES: MSE:Set KAT; AES: MSE:Set AT + GENERAL AUTHENTICATE), derive
KSenc/KSmac = KDF(shared, 1/2) with SSC 0, switch the channel's secure messaging and prove the switch
with SELECT + READ BINARY. A chip without the private key (a clone) derives different keys, so the
first protected answer fails its MAC: that is the "clone suspected" signal.

CA only proves something when DG14 is covered by a valid EF.SOD (the verdict checks that).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import core

from nfc.access.pace.groups import DhGroup, EcGroup
from nfc.crypto.kdf import KDF_ENC, KDF_MAC, derive_key
from nfc.errors import NfcError, ParseError, SecureMessagingError, StatusWordError, TransportError
from nfc.iso7816.apdu import CommandApdu
from nfc.iso7816.channel import ApduChannel
from nfc.lds.security_infos import ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, SecurityInfo
from nfc.sm.session import SmSession
from nfc.verify.ca_keys import CaKey, load_ca_key
from nfc.verify.report import StepResult, StepStatus

ID_CA_DH = "0.4.0.127.0.7.2.2.3.1"
ID_CA_ECDH = "0.4.0.127.0.7.2.2.3.2"
ID_PK_DH = "0.4.0.127.0.7.2.2.1.1"
ID_PK_ECDH = "0.4.0.127.0.7.2.2.1.2"
CA_CIPHERS = {1: "3DES", 2: "AES-128", 3: "AES-192", 4: "AES-256"}
DG14_FID = b"\x01\x0e"
PROOF_READ_LENGTH = 4


@dataclass(frozen=True)
class CaResult:
    status: StepStatus
    reason: str | None
    protocol: str | None  # dotted OID actually used
    mechanism: str  # "CA-ECDH-AES-128 brainpoolP256r1"
    key_id: int | None
    session: SmSession | None = field(default=None, repr=False)  # the new SM session on success
    detail: str = ""
    ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is StepStatus.PASSED

    def to_step(self) -> StepResult:
        return StepResult(
            "chip-authentication", self.status, self.detail, self.reason, self.mechanism or None, ms=self.ms
        )


@dataclass(frozen=True)
class CaChoice:
    protocol: str
    cipher: str
    key: ChipAuthenticationPublicKeyInfo
    key_id: int | None


def mechanism_name(protocol: str, cipher: str) -> str:
    kind = "ECDH" if protocol.startswith(ID_CA_ECDH) else "DH"
    return f"CA-{kind}-{cipher}"


def choose_protocol(infos: Iterable[SecurityInfo]) -> CaChoice | None:
    """The CA protocol and key to use. ChipAuthenticationInfo names protocol and key id; without it
    (older chips, icao-vectors §9e) the protocol is inferred as 3DES from the key type."""
    infos = tuple(infos)
    keys = [i for i in infos if isinstance(i, ChipAuthenticationPublicKeyInfo)]
    if not keys:
        return None
    choices: list[CaChoice] = []
    for info in infos:
        if not isinstance(info, ChipAuthenticationInfo):
            continue
        prefix, _, last = info.protocol.rpartition(".")
        if prefix not in (ID_CA_DH, ID_CA_ECDH) or not last.isdigit() or int(last) not in CA_CIPHERS:
            continue
        wanted_pk = ID_PK_ECDH if prefix == ID_CA_ECDH else ID_PK_DH
        matching = [k for k in keys if k.protocol == wanted_pk and (info.key_id is None or k.key_id == info.key_id)]
        if matching:
            choices.append(CaChoice(info.protocol, CA_CIPHERS[int(last)], matching[0], info.key_id))
    if choices:
        # strongest cipher first (AES-256 > ... > 3DES); stable for equal ones
        return max(choices, key=lambda c: list(CA_CIPHERS.values()).index(c.cipher))
    key = keys[0]
    protocol = (ID_CA_ECDH if key.protocol == ID_PK_ECDH else ID_CA_DH) + ".1"
    return CaChoice(protocol, "3DES", key, key.key_id)


def _key_reference(key_id: int) -> bytes:
    return key_id.to_bytes(max(1, (key_id.bit_length() + 7) // 8), "big")


def _private_scalar(group: EcGroup | DhGroup, random_bytes: Callable[[int], bytes]) -> int:
    order = group.order
    size = (order.bit_length() + 7) // 8
    for _ in range(64):
        candidate = int.from_bytes(random_bytes(size), "big")
        if 1 <= candidate < order:
            return candidate
    raise NfcError("random source keeps giving scalars out of range")


def perform_chip_authentication(
    channel: ApduChannel,
    infos: Sequence[SecurityInfo],
    *,
    random_bytes: Callable[[int], bytes] = os.urandom,
    dg14: bytes | None = None,
) -> CaResult:
    """Run CA on ``channel`` (normally already under BAC/PACE secure messaging). On success the
    channel's ``sm`` is the new session. ``dg14`` (as read earlier) lets the proof read compare the
    first bytes. Transport errors propagate; protocol failures are returned as FAILED results."""
    started = time.perf_counter()
    choice = choose_protocol(infos)
    if choice is None:
        return CaResult(StepStatus.SKIPPED, "not-supported", None, "", None, detail="no CA key in DG14")

    def result(status: StepStatus, reason: str | None, detail: str, session: SmSession | None = None) -> CaResult:
        return CaResult(
            status,
            reason,
            choice.protocol,
            mechanism,
            choice.key_id,
            session,
            detail,
            (time.perf_counter() - started) * 1000,
        )

    mechanism = mechanism_name(choice.protocol, choice.cipher)
    try:
        ca_key: CaKey = load_ca_key(choice.key.subject_public_key_info)
    except NfcError as exc:
        return result(StepStatus.FAILED, "ca-key-unusable", f"CA public key unusable ({exc.reason})")
    mechanism = f"{mechanism} {ca_key.label}"
    private = _private_scalar(ca_key.group, random_bytes)
    terminal_public = ca_key.group.public_key(private)
    shared = ca_key.group.shared_secret(private, ca_key.public)
    key_ref = (
        b""
        if choice.key_id is None
        else b"\x84" + bytes([len(_key_reference(choice.key_id))]) + _key_reference(choice.key_id)
    )

    try:
        if choice.cipher == "3DES":
            data = b"\x91" + _length(len(terminal_public)) + terminal_public + key_ref
            channel.send(CommandApdu(0x00, 0x22, 0x41, 0xA6, data))
        else:
            oid = bytes(core.ObjectIdentifier(choice.protocol).contents)
            channel.send(CommandApdu(0x00, 0x22, 0x41, 0xA4, b"\x80" + bytes([len(oid)]) + oid + key_ref))
            inner = b"\x80" + _length(len(terminal_public)) + terminal_public
            answer = channel.send(CommandApdu(0x00, 0x86, 0x00, 0x00, b"\x7c" + _length(len(inner)) + inner, le=256))
            if answer.data[:1] not in (b"", b"\x7c"):
                return result(StepStatus.FAILED, "chip-authentication-refused", "unexpected GENERAL AUTHENTICATE data")
    except StatusWordError as exc:
        return result(StepStatus.FAILED, "chip-authentication-refused", f"chip refused CA ({exc.sw:04X})")
    except SecureMessagingError:
        return result(StepStatus.FAILED, "chip-authentication-refused", "secure messaging broke during CA")

    session = SmSession(
        choice.cipher,
        derive_key(shared, KDF_ENC, choice.cipher),
        derive_key(shared, KDF_MAC, choice.cipher),
        0,
    )
    channel.sm = session
    try:
        channel.send(CommandApdu(0x00, 0xA4, 0x02, 0x0C, DG14_FID))
        head = channel.send(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=PROOF_READ_LENGTH)).data
    except (SecureMessagingError, StatusWordError) as exc:
        channel.sm = None  # keys are wrong on one side: the session is gone either way
        detail = "chip could not continue secure messaging with the new keys"
        if isinstance(exc, StatusWordError):
            detail += f" ({exc.sw:04X})"
        return result(StepStatus.FAILED, "clone-suspected", detail)
    except TransportError:
        channel.sm = None
        raise
    if dg14 is not None and not hmac.compare_digest(head, dg14[: len(head)]):
        channel.sm = None
        return result(StepStatus.FAILED, "clone-suspected", "DG14 read under the new keys differs")
    return result(StepStatus.PASSED, None, "new session keys proven by a protected read", session)


def _length(n: int) -> bytes:
    """BER length octets."""
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


# --- PACE-CAM ------------------------------------------------------------------------------------
def check_pace_cam(chip_mapping_public_key: bytes, ca_data: bytes, chip_ca_public_key_info: bytes) -> StepResult:
    """ICAO 9303-11 §4.4.3.5.2: PK_MAP,IC == CA_IC · PK_IC, with PK_IC from EF.CardSecurity's
    ChipAuthenticationPublicKeyInfo SPKI (as verified by its signature), CA_IC as PACE decrypted it."""
    started = time.perf_counter()
    try:
        key = load_ca_key(chip_ca_public_key_info)
        if not isinstance(key.group, EcGroup):
            return StepResult("pace-cam", StepStatus.SKIPPED, "PACE-CAM is defined for ECDH only", "not-supported")
        curve = key.group.domain.curve
        pk_ic = key.group.decode_public(key.public)
        expected = curve.decode(chip_mapping_public_key)
        product = curve.multiply(int.from_bytes(ca_data, "big"), pk_ic)
    except (ParseError, NfcError) as exc:
        return StepResult("pace-cam", StepStatus.FAILED, f"CAM values unusable ({exc.reason})", "clone-suspected")
    ms = (time.perf_counter() - started) * 1000
    if product == expected:
        return StepResult("pace-cam", StepStatus.PASSED, "PK_MAP,IC = CA_IC · PK_IC", algorithm=key.label, ms=ms)
    return StepResult(
        "pace-cam",
        StepStatus.FAILED,
        "PK_MAP,IC does not match CA_IC · PK_IC",
        "clone-suspected",
        key.label,
        ms=ms,
    )


def check_pace_cam_result(pace: Any, infos: Sequence[SecurityInfo]) -> StepResult | None:
    """The CAM check from a ``PaceResult`` (``mapping == "CAM"``) and the SecurityInfos holding the
    chip's static key (EF.CardSecurity). None when PACE did not use CAM."""
    if getattr(pace, "mapping", None) != "CAM":
        return None
    mapping_key, ca_data = getattr(pace, "chip_mapping_public_key", None), getattr(pace, "ca_data", None)
    keys = [i for i in infos if isinstance(i, ChipAuthenticationPublicKeyInfo) and i.protocol == ID_PK_ECDH]
    if mapping_key is None or ca_data is None or not keys:
        return StepResult("pace-cam", StepStatus.NOT_CHECKED, "CAM values or chip key missing", "missing")
    return check_pace_cam(mapping_key, ca_data, keys[0].subject_public_key_info)
