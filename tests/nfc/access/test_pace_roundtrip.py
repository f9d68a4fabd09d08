"""Terminal ↔ virtual-card PACE over ``MemoryConnection``: every mapping/curve/cipher the kiosk may meet,
wrong passwords, and the card side's strictness."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from nfc.access.keys import CanKey, MrzKey
from nfc.access.pace import pace_oid, perform_pace
from nfc.crypto.curves import EC_CURVES
from nfc.errors import AccessControlError, UnsupportedCardError, WrongKeyError
from nfc.iso7816.apdu import CommandApdu
from nfc.iso7816.channel import ApduChannel
from nfc.lds.security_infos import PaceInfo
from nfc.virtual.card_access_protocols import CardPace

Channel = Callable[[Any], ApduChannel]
CAN = CanKey("012345")
CCCD_INFO = PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13)
CA_KEY = 0x1D2C3B4A5968778695A4B3C2D1E0F


def _run(
    card_channel: Channel,
    info: PaceInfo,
    key: CanKey | MrzKey = CAN,
    card_password: bytes = b"012345",
    reference: int = 2,
) -> Any:
    card = CardPace({reference: card_password}, [info], chip_auth_private_key=CA_KEY)
    channel = card_channel(card)
    result = perform_pace(channel, key, info)
    assert card.session is not None and channel.sm is result.session
    assert channel.transmit(CommandApdu(0x00, 0xD6, 0x00, 0x00, b"data")).data == b"echo:data"
    assert channel.transmit(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=223)).data == b"echo:"
    return result


def test_cccd_configuration(card_channel: Channel) -> None:
    result = _run(card_channel, CCCD_INFO)
    assert result.mechanism == "PACE-ECDH-GM-AES-128 brainpoolP256r1"


@pytest.mark.parametrize(
    ("agreement", "mapping", "cipher", "param_id"),
    [
        ("ECDH", "GM", "AES-128", 12),  # P-256
        ("ECDH", "GM", "AES-256", 18),  # P-521
        ("ECDH", "GM", "AES-256", 17),  # brainpoolP512r1
        ("ECDH", "GM", "AES-192", 16),  # brainpoolP384r1
        ("ECDH", "GM", "AES-256", 15),  # P-384
        ("ECDH", "GM", "3DES", 13),
        ("ECDH", "GM", "AES-128", 9),  # brainpoolP192r1: no cryptography curve class
        ("ECDH", "GM", "AES-128", 11),  # brainpoolP224r1
        ("ECDH", "IM", "AES-128", 13),
        ("ECDH", "IM", "AES-256", 18),
        ("ECDH", "CAM", "AES-128", 13),
        ("DH", "GM", "AES-128", 0),
        ("DH", "IM", "AES-128", 0),
    ],
)
def test_round_trips(card_channel: Channel, agreement: str, mapping: str, cipher: str, param_id: int) -> None:
    info = PaceInfo(pace_oid(agreement, mapping, cipher), 2, param_id)
    result = _run(card_channel, info)
    assert result.cipher == cipher and result.mapping == mapping
    if mapping == "CAM":
        curve = EC_CURVES[param_id].curve
        assert result.ca_data is not None and result.chip_mapping_public_key is not None
        pk_ic = curve.multiply(CA_KEY, EC_CURVES[param_id].generator)
        assert curve.multiply(int.from_bytes(result.ca_data, "big"), pk_ic) == curve.decode(
            result.chip_mapping_public_key
        )


@pytest.mark.slow
@pytest.mark.parametrize("param_id", [1, 2, 8, 10, 14])
def test_slow_round_trips(card_channel: Channel, param_id: int) -> None:
    agreement = "DH" if param_id < 3 else "ECDH"
    _run(card_channel, PaceInfo(pace_oid(agreement, "GM", "AES-128"), 2, param_id))


def test_mrz_password(card_channel: Channel) -> None:
    key = MrzKey.for_cccd("001200012345", "900101", "300101")
    _run(card_channel, CCCD_INFO, key, key.mrz_information().encode(), reference=1)


@pytest.mark.parametrize(
    "info",
    [
        CCCD_INFO,
        PaceInfo(pace_oid("ECDH", "IM", "AES-128"), 2, 13),
        PaceInfo(pace_oid("DH", "GM", "AES-128"), 2, 0),
    ],
)
def test_wrong_can_is_wrong_key(card_channel: Channel, info: PaceInfo) -> None:
    channel = card_channel(CardPace({2: b"012345"}, [info]))
    with pytest.raises(WrongKeyError):
        perform_pace(channel, CanKey("012346"), info)
    assert channel.sm is None


def test_card_without_can_refuses_set_up(card_channel: Channel) -> None:
    channel = card_channel(CardPace({1: b"200012345790010113001019"}, [CCCD_INFO]))
    with pytest.raises(AccessControlError):
        perform_pace(channel, CAN, CCCD_INFO)


def test_unsupported_protocols() -> None:
    channel = ApduChannel(None)  # type: ignore[arg-type]  # never reached
    with pytest.raises(UnsupportedCardError):
        perform_pace(channel, CAN, PaceInfo("0.4.0.127.0.7.2.2.4.9.2", 2, 13))
    with pytest.raises(UnsupportedCardError):
        perform_pace(channel, CAN, PaceInfo(pace_oid("ECDH", "GM", "AES-128"), 2, 0))
    with pytest.raises(UnsupportedCardError):
        perform_pace(channel, CAN, PaceInfo(pace_oid("ECDH", "GM", "AES-128"), 2, None))


MSE = bytes.fromhex("800A04007F0007020204020283010284010D")


def test_card_pace_is_strict() -> None:
    card = CardPace({2: b"012345"}, [CCCD_INFO])
    assert card.handle(CommandApdu(0x00, 0x22, 0xC1, 0xA4, MSE, le=256)).sw == 0x6700  # Le on MSE:Set AT
    assert card.handle(CommandApdu(0x00, 0x22, 0xC1, 0xA6, MSE)).sw == 0x6A86
    assert card.handle(CommandApdu(0x10, 0x86, 0x00, 0x00, bytes.fromhex("7C00"), le=256)).sw == 0x6985
    assert (
        card.handle(CommandApdu(0x00, 0x22, 0xC1, 0xA4, MSE.replace(b"\x83\x01\x02", b"\x83\x01\x03"))).sw
        == 0x6A88
    )
    assert card.handle(CommandApdu(0x00, 0x22, 0xC1, 0xA4, MSE[:-1] + b"\x0c")).sw == 0x6A88  # unknown param
    assert card.handle(CommandApdu(0x00, 0x22, 0xC1, 0xA4, MSE)).sw == 0x9000
    assert (
        card.handle(CommandApdu(0x00, 0x86, 0x00, 0x00, bytes.fromhex("7C00"), le=256)).sw != 0x9000
    )  # no chaining
    assert card.handle(CommandApdu(0x00, 0x22, 0xC1, 0xA4, MSE)).sw == 0x9000
    assert card.handle(CommandApdu(0x10, 0x86, 0x00, 0x00, bytes.fromhex("7C028000"), le=256)).sw == 0x6A80
    assert card.handle(CommandApdu(0x00, 0x22, 0xC1, 0xA4, MSE)).sw == 0x9000
    assert card.handle(CommandApdu(0x10, 0x86, 0x00, 0x00, b"\x7c\x05\x81", le=256)).sw == 0x6A80  # garbage
    assert card.session is None


def test_card_rejects_off_curve_point(card_channel: Channel) -> None:
    card = CardPace({2: b"012345"}, [CCCD_INFO])
    assert card.handle(CommandApdu(0x00, 0x22, 0xC1, 0xA4, MSE)).sw == 0x9000
    assert card.handle(CommandApdu(0x10, 0x86, 0x00, 0x00, bytes.fromhex("7C00"), le=256)).sw == 0x9000
    bad_point = b"\x04" + bytes(64)
    data = b"\x7c\x43\x81\x41" + bad_point
    assert card.handle(CommandApdu(0x10, 0x86, 0x00, 0x00, data, le=256)).sw == 0x6A80


def test_pace_host_cpu_time(card_channel: Channel) -> None:
    started = time.process_time()
    _run(card_channel, CCCD_INFO)
    assert time.process_time() - started < 2.0  # both sides; ~30 ms measured
