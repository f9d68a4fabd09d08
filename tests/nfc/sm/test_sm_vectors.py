"""Secure messaging against ICAO 9303-11 Appendix D.4 (3DES) and real-document traces (AES, gmrtd)."""

from __future__ import annotations

import pytest

from nfc.errors import SecureMessagingError
from nfc.iso7816.apdu import CommandApdu, ResponseApdu
from nfc.iso7816.channel import ApduChannel
from nfc.sm.session import SmSession
from nfc.transport.base import CardConnection
from nfc.virtual.card_sm import CardSmSession

H = bytes.fromhex
D4_ENC, D4_MAC = H("979EC13B1CBFE9DCD01AB0FED307EAE5"), H("F1CB1F1FB5ADF208806B89DC579DC1F8")
D4_SSC = 0x887022120C06C226


def test_d4_three_protected_exchanges() -> None:
    sm = SmSession("3DES", D4_ENC, D4_MAC, D4_SSC)
    assert sm.max_short_read == 231 and sm.cipher_name == "3DES"

    wire = sm.protect(CommandApdu(0x00, 0xA4, 0x02, 0x0C, H("011E")))
    assert wire.encode() == H("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
    plain = sm.unprotect(ResponseApdu.decode(H("990290008E08FA855A5D4C50A8ED9000")))
    assert plain == ResponseApdu(b"", 0x90, 0x00)

    wire = sm.protect(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4))
    assert wire.encode() == H("0CB000000D9701048E08ED6705417E96BA5500")
    plain = sm.unprotect(ResponseApdu.decode(H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000")))
    assert plain.data == H("60145F01") and plain.sw == 0x9000

    wire = sm.protect(CommandApdu(0x00, 0xB0, 0x00, 0x04, le=0x12))
    assert wire.encode() == H("0CB000040D9701128E082EA28A70F3C7B53500")
    plain = sm.unprotect(
        ResponseApdu.decode(
            H("871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000")
        )
    )
    assert plain.data == H("04303130365F36063034303030305C026175")
    assert sm.ssc == 0x887022120C06C22C


def test_d4_card_side_produces_the_printed_responses() -> None:
    card = CardSmSession("3DES", D4_ENC, D4_MAC, D4_SSC)
    command = card.unprotect_command(
        CommandApdu.decode(H("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"))
    )
    assert command == CommandApdu(0x00, 0xA4, 0x02, 0x0C, H("011E"))
    assert card.protect_response(ResponseApdu(b"", 0x90, 0x00)).encode() == H(
        "990290008E08FA855A5D4C50A8ED9000"
    )
    command = card.unprotect_command(CommandApdu.decode(H("0CB000000D9701048E08ED6705417E96BA5500")))
    assert command.le == 4 and command.data == b""
    answer = card.protect_response(ResponseApdu(H("60145F01"), 0x90, 0x00))
    assert answer.encode() == H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000")


def test_9c_aes_encode() -> None:
    sm = SmSession(
        "AES-128", H("cc86415f2ed7e8fd663b754265695ae1"), H("581e84b8ee06c4d3eee30461498d7fb3"), 0xBA
    )
    assert sm.max_short_read == 223
    wire = sm.protect(CommandApdu(0x00, 0x22, 0x41, 0xA4, H("800a04007f000702020302028401c3")))
    assert wire.encode() == H("0c2241a41d871101980953d37f67558690045d78a853b18a8e08929767a2cef172e200")
    assert sm.ssc == 0xBB


R_9C = (
    "8781e1012fabf9e0655d7e987fd28a8aeb19c9cadd990d49399799ed1fe465bcea56da9ba3024291d40d23d7f1e00485d71faddc6d"
    "8c1382e8028dd22efdcc72ed47663d56d20dd6c4b867956fe0507313083ae7fc54fb46133f184febbe13ad6fd3e2616a1f4a829e75"
    "ada1a0e443ca738288f6014be8a7745d8259b089e6bee35bcc4bf5b63db5fdd84244f67eca099213b70a861b4487225aa68af68427"
    "8fceb4cb809de42be3ee95b0e0d72bcdb0ed47cb56efc264e04a9397a90e81ad1d81efa2d14b2ca8ec7bd997f4b1c1fd344d5dee85"
    "89c38b227ca4cb35810060a7cc76403e990290008e083eb47ef4fa82afc99000"
)
P_9C = (
    "a729901d1a71874700133107ec53306404307bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f8aa581"
    "4a503ad4eb04a8c7dd22ce2826043004a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d57cb4390295dbc9"
    "943ab78696fa504c110461041d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e03436d646aaef87"
    "b2e247d4af1e8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff99129280e4646217791811142820341263c5315"
    "0231008cb91e82a3"
)


def test_9c_aes_decode_223_bytes() -> None:
    sm = SmSession(
        "AES-128", H("a8e85e938514ec67ae33cda3d43d3c48"), H("27f1adeb705a049a305b0c619b14b9b3"), 0x0B
    )
    plain = sm.unprotect(ResponseApdu.decode(H(R_9C)))
    assert plain.data == H(P_9C) and len(plain.data) == 223 and plain.sw == 0x9000


def test_9b_first_command_after_pace_cam() -> None:
    sm = SmSession("AES-128", H("a8e85e938514ec67ae33cda3d43d3c48"), H("27f1adeb705a049a305b0c619b14b9b3"), 0)
    wire = sm.protect(CommandApdu(0x00, 0xA4, 0x02, 0x0C, H("011D")))
    assert wire.encode() == H("0ca4020c1d87110147ee2e3bd440fb596167f2bb6cd6395e8e08a105747484314bcf00")
    assert sm.unprotect(ResponseApdu.decode(H("990290008e085f570baddd1002d29000"))).sw == 0x9000


R_4B = (
    "8781e901d04ca80f527df94f4a430d3d6e6cb6c2af4c6756c068a93132d147fa27833125304132981b8bd8009448e89f259e"
    "ec8552b54285cef9d8f1b7fb31b9f279221c7e925f4951811f3fe2e01d76e68dbc7cde9c873c5f61862f3c5469792a72f92c"
    "8943b890436f5e9feaead9f2a361fcd7a615493d1b3519865f32ee9a125886588eb21fee0e709353d0731139fdc958d6b212"
    "7fad6947b438998b526819803f70f78614cd42f4a6619c6af95dfd2ab09bedf71e707abc39a250aee68006d522ad37d15967"
    "4984a07d11c001022c853aeb7acdb059ede5721a3b9f20441bda7e242ee8df1369d25316990290008e08fd2493147866f0ed"
    "9000"
)

SIG_4B = (
    "474256306840c0ab1b63c10e1c26bdfef4a0dd843920283cc4e6e70a60f2bd25dc7725f9677bc1cde66379dc28b38e8490f3"
    "3afb2d10f9980c44c0bfc175d2b6684218f535c92fdd3e18db770a9ccbf91db3c7f0138e6d9e94b9bc8371761e3abed5e5e9"
    "b260279cfb238b58ae0d6a01da51c74c2a3ecd62c448bd9f20127f7384587287fa971204234e55b1a856c3e5aaaa620bb799"
    "a68fbae08ee132bb61683eba9b0b40dc1e54641cad975b16991cab50af82e3f3985afd19e7427a125f5b4b9878b12a5d2e01"
    "c7eedca3bb41c6fc05dccd818bce379d04b1f2f5d43487d3"
)


def test_4b_internal_authenticate_with_le_00() -> None:
    sm = SmSession("3DES", H("b99d546108eaa251570876b6d3456dce"), H("e3857ca24946251c151c540e13f2cd51"), 0xCC)
    wire = sm.protect(CommandApdu(0x00, 0x88, 0x00, 0x00, H("96302b0f3d7e7864"), le=256))
    assert wire.encode() == H("0c88000020871101ed7f8cb47a4eea086324a7f9dd7427809701008e0897f54bae49aa71f800")
    plain = sm.unprotect(ResponseApdu.decode(H(R_4B)))
    assert plain.data == H(SIG_4B) and plain.sw == 0x9000


def test_9e_aes256_and_3des_after_chip_authentication() -> None:
    sm = SmSession("3DES", H("8ae910a12991fbfe5e37c2c726a2df29"), H("1adac8970843d9bf8570737a04a8d50d"), 0)
    wire = sm.protect(CommandApdu(0x00, 0xA4, 0x02, 0x0C, H("010E")))
    assert wire.encode() == H("0ca4020c15870901db66e918fe3525f98e08d870008cea2ba80000")
    assert sm.unprotect(ResponseApdu.decode(H("990290008e08420dea0a913418ae9000"))).sw == 0x9000


def test_plain_answer_drops_the_channel_session() -> None:
    class PlainCard(CardConnection):
        reader_name = "test"

        def transmit(self, apdu: bytes) -> bytes:
            return H("6988")

        @property
        def atr(self) -> bytes:
            return b""

        def reset(self) -> None:
            pass

        def close(self) -> None:
            pass

    channel = ApduChannel(PlainCard(), sm=SmSession("AES-128", bytes(16), bytes(16), 0))
    with pytest.raises(SecureMessagingError) as info:
        channel.transmit(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=16))
    assert info.value.sw == 0x6988 and channel.sm is None


def test_plain_data_answer_is_a_downgrade() -> None:
    sm = SmSession("AES-128", bytes(16), bytes(16), 0)
    sm.protect(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4))
    with pytest.raises(SecureMessagingError) as info:
        sm.unprotect(ResponseApdu(H("60145F01"), 0x90, 0x00))
    assert info.value.sw == 0x9000


def test_plain_answer_is_a_downgrade() -> None:
    sm = SmSession("3DES", D4_ENC, D4_MAC, D4_SSC)
    sm.protect(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4))
    with pytest.raises(SecureMessagingError) as info:
        sm.unprotect(ResponseApdu.status(0x6988))
    assert info.value.sw == 0x6988


def test_missing_do99_and_missing_mac() -> None:
    card = CardSmSession("AES-128", bytes(16), bytes(range(16)), 0)
    term = SmSession("AES-128", bytes(16), bytes(range(16)), 0)
    card.unprotect_command(term.protect(CommandApdu(0, 0xB0, 0, 0, le=4)))
    codec = card._codec  # build a response without DO'99 by hand, MAC'd correctly
    ssc = codec.next_ssc()
    body = b"\x87\x11\x01" + codec.encrypt(ssc, b"abcd")
    with pytest.raises(SecureMessagingError, match="DO'99"):
        term.unprotect(ResponseApdu(body + b"\x8e\x08" + codec.mac(ssc, body), 0x90, 0x00))
    with pytest.raises(SecureMessagingError, match="DO'8E"):
        SmSession("AES-128", bytes(16), bytes(16), 0).unprotect(ResponseApdu(H("99029000"), 0x90, 0x00))


def test_extended_command_keeps_extended_encoding() -> None:
    term = SmSession("AES-256", bytes(32), bytes(range(32)), 5)
    card = CardSmSession("AES-256", bytes(32), bytes(range(32)), 5)
    command = CommandApdu(0x00, 0x86, 0x00, 0x00, bytes(300), le=65536)
    wire = term.protect(command)
    assert wire.is_extended and wire.encode()[4] == 0x00
    unwrapped = card.unprotect_command(CommandApdu.decode(wire.encode()))
    assert (unwrapped.data, unwrapped.le, unwrapped.is_extended) == (command.data, 65536, True)
