"""Garbage from either side gives typed errors or status words, never a crash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nfc.access.keys import CanKey
from nfc.access.pace import pace_oid, perform_pace
from nfc.errors import NfcError
from nfc.iso7816.apdu import CommandApdu
from nfc.iso7816.channel import ApduChannel
from nfc.lds.security_infos import PaceInfo
from nfc.transport.base import CardConnection
from nfc.virtual.card_access_protocols import CardBac, CardPace

INFOS = [
    PaceInfo(pace_oid("ECDH", "GM", "AES-128"), 2, 13),
    PaceInfo(pace_oid("ECDH", "IM", "AES-128"), 2, 13),
    PaceInfo(pace_oid("DH", "GM", "AES-128"), 2, 0),
]


class GarbageCard(CardConnection):
    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers

    def transmit(self, apdu: bytes) -> bytes:
        return (self.answers.pop(0) if self.answers else b"") + b"\x90\x00"

    @property
    def atr(self) -> bytes:
        return b""

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def _wrap(tag: int, value: bytes) -> bytes:
    return bytes((0x7C, len(value) + 2, tag, len(value))) + value


@settings(max_examples=80, deadline=None)
@given(
    info=st.sampled_from(INFOS),
    answers=st.lists(
        st.one_of(
            st.binary(max_size=80),
            st.builds(_wrap, st.sampled_from([0x80, 0x82, 0x84, 0x86]), st.binary(max_size=65)),
        ),
        max_size=5,
    ),
)
def test_terminal_survives_garbage(info: PaceInfo, answers: list[bytes]) -> None:
    channel = ApduChannel(GarbageCard([b"", *answers]))
    try:
        perform_pace(channel, CanKey("123456"), info)
    except NfcError:
        return
    raise AssertionError("PACE succeeded against garbage")


@settings(max_examples=150, deadline=None)
@given(
    commands=st.lists(
        st.builds(
            CommandApdu,
            cla=st.sampled_from([0x00, 0x10, 0x0C]),
            ins=st.sampled_from([0x22, 0x86, 0x84, 0x82]),
            p1=st.sampled_from([0x00, 0xC1]),
            p2=st.sampled_from([0x00, 0xA4]),
            data=st.binary(max_size=80),
            le=st.one_of(st.none(), st.just(256), st.just(8)),
        ),
        max_size=6,
    )
)
def test_card_side_survives_garbage(commands: list[CommandApdu]) -> None:
    pace = CardPace({2: b"123456"}, INFOS)
    bac = CardBac("200012345790010113001019")
    mse = CommandApdu(0x00, 0x22, 0xC1, 0xA4, bytes.fromhex("800A04007F0007020204020283010284010D"))
    pace.handle(mse)
    for command in commands:
        assert 0x6000 <= pace.handle(command).sw <= 0x9000
        assert 0x6000 <= bac.handle(command).sw <= 0x9000
    assert pace.session is None and bac.session is None
