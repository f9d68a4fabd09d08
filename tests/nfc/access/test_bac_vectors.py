"""BAC against ICAO 9303-11 Appendix D.3 (scripted card) and the virtual card (round trips)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from nfc.access.bac import perform_bac
from nfc.access.keys import MrzKey
from nfc.errors import WrongKeyError
from nfc.iso7816.apdu import CommandApdu
from nfc.iso7816.channel import ApduChannel
from nfc.virtual.card_access_protocols import CardBac

ICAO_KEY = MrzKey("L898902C", "690806", "940623")
EXT_AUTH = "0082000028 72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2 5F1448EEA8AD90A7 28"
CARD_ANSWER = "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449"
RND_IFD, K_IFD = bytes.fromhex("781723860C06C226"), bytes.fromhex("0B795240CB7049B01C19B33E32804F0B")

Scripted = Callable[[Sequence[tuple[str, str]]], ApduChannel]


def test_icao_mrz_information() -> None:
    assert ICAO_KEY.mrz_information() == "L898902C<369080619406236"


def test_d3_mutual_authentication_then_d4(scripted: Scripted, fixed_random: Any) -> None:
    channel = scripted([("0084000008", "4608F919887022129000"), (EXT_AUTH, CARD_ANSWER + "9000")])
    session = perform_bac(channel, ICAO_KEY, random_bytes=fixed_random(RND_IFD, K_IFD))
    assert channel.sm is session
    assert session.ssc == 0x887022120C06C226 and session.cipher_name == "3DES"
    # the derived KSenc/KSmac must reproduce Appendix D.4's first protected APDU
    wire = session.protect(CommandApdu(0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("011E")))
    assert wire.encode().hex().upper() == "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"


@pytest.mark.parametrize("sw", ["6300", "6982"])
def test_card_refusal_is_wrong_key(scripted: Scripted, fixed_random: Any, sw: str) -> None:
    channel = scripted([("0084000008", "4608F919887022129000"), (EXT_AUTH, sw)])
    with pytest.raises(WrongKeyError):
        perform_bac(channel, ICAO_KEY, random_bytes=fixed_random(RND_IFD, K_IFD))
    assert channel.sm is None


def test_bad_card_cryptogram_is_wrong_key(scripted: Scripted, fixed_random: Any) -> None:
    tampered = CARD_ANSWER[:-2] + "48"
    channel = scripted([("0084000008", "4608F919887022129000"), (EXT_AUTH, tampered + "9000")])
    with pytest.raises(WrongKeyError):
        perform_bac(channel, ICAO_KEY, random_bytes=fixed_random(RND_IFD, K_IFD))


def test_card_side_answers_d3(fixed_random: Any) -> None:
    rnd_ic = bytes.fromhex("4608F91988702212")
    k_ic = bytes.fromhex("0B4F80323EB3191CB04970CB4052790B")
    card = CardBac(ICAO_KEY.mrz_information(), random_bytes=fixed_random(rnd_ic, k_ic))
    assert card.handle(CommandApdu.decode(bytes.fromhex("0084000008"))).data == rnd_ic
    answer = card.handle(CommandApdu.decode(bytes.fromhex(EXT_AUTH.replace(" ", ""))))
    assert answer.encode().hex().upper() == CARD_ANSWER + "9000"
    assert card.session is not None and card.session.ssc == 0x887022120C06C226


def test_cccd_round_trip_and_wrong_key(card_channel: Callable[[Any], ApduChannel]) -> None:
    key = MrzKey.for_cccd("001200012345", "900101", "300101")
    assert key.mrz_information() == "200012345790010113001019"
    channel = card_channel(CardBac(key.mrz_information()))
    perform_bac(channel, key)
    assert channel.transmit(CommandApdu(0x00, 0xD6, 0x00, 0x00, b"ping")).data == b"echo:ping"

    wrong = MrzKey.for_cccd("001200012345", "900102", "300101")
    channel = card_channel(CardBac(key.mrz_information()))
    with pytest.raises(WrongKeyError):
        perform_bac(channel, wrong)


def test_card_bac_is_strict() -> None:
    card = CardBac("200012345790010113001019")
    assert card.handle(CommandApdu(0x00, 0x84, 0x00, 0x00, le=16)).sw == 0x6700
    assert card.handle(CommandApdu(0x00, 0x82, 0x00, 0x00, bytes(40), le=40)).sw == 0x6985  # no challenge
    card.handle(CommandApdu(0x00, 0x84, 0x00, 0x00, le=8))
    assert card.handle(CommandApdu(0x00, 0x82, 0x00, 0x00, bytes(40), le=40)).sw == 0x6300
    assert card.session is None


def test_bac_host_cpu_time(card_channel: Callable[[Any], ApduChannel]) -> None:
    key = MrzKey.for_cccd("001200012345", "900101", "300101")
    channel = card_channel(CardBac(key.mrz_information()))
    started = time.process_time()
    perform_bac(channel, key)
    assert time.process_time() - started < 1.0  # includes the virtual card's share; ~1 ms in practice
