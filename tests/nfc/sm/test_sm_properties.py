"""Property tests: terminal ↔ card SM round trips, tamper detection, garbage in → typed errors only."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from nfc.errors import ParseError, SecureMessagingError
from nfc.iso7816.apdu import CommandApdu, ResponseApdu
from nfc.sm.session import SmSession
from nfc.virtual.card_sm import CardSmSession

CIPHERS = st.sampled_from(["3DES", "AES-128", "AES-192", "AES-256"])
KEY_SIZES = {"3DES": 16, "AES-128": 16, "AES-192": 24, "AES-256": 32}


@st.composite
def sessions(draw: st.DrawFn) -> tuple[SmSession, CardSmSession]:
    cipher = draw(CIPHERS)
    size = KEY_SIZES[cipher]
    enc = draw(st.binary(min_size=size, max_size=size))
    mac = draw(st.binary(min_size=size, max_size=size))
    ssc = draw(st.integers(0, (1 << (64 if cipher == "3DES" else 128)) - 2))
    return SmSession(cipher, enc, mac, ssc), CardSmSession(cipher, enc, mac, ssc)


commands = st.builds(
    CommandApdu,
    cla=st.sampled_from([0x00, 0x10]),
    ins=st.sampled_from([0xA4, 0xB0, 0xB1, 0x88, 0x86, 0x22]),
    p1=st.integers(0, 255),
    p2=st.integers(0, 255),
    data=st.binary(max_size=300),
    le=st.one_of(st.none(), st.integers(1, 256), st.just(65536)),
)
responses = st.builds(
    ResponseApdu,
    data=st.binary(max_size=240),
    sw1=st.sampled_from([0x90, 0x62, 0x6A, 0x69]),
    sw2=st.integers(0, 255),
)


@settings(max_examples=60, deadline=None)
@given(pair=sessions(), command=commands, response=responses)
def test_round_trip(
    pair: tuple[SmSession, CardSmSession], command: CommandApdu, response: ResponseApdu
) -> None:
    terminal, card = pair
    wire = terminal.protect(command)
    received = card.unprotect_command(CommandApdu.decode(wire.encode()))
    assert (received.cla, received.ins, received.p1, received.p2) == (
        command.cla,
        command.ins,
        command.p1,
        command.p2,
    )
    assert received.data == command.data and received.le == command.le
    back = card.protect_response(response)
    plain = terminal.unprotect(ResponseApdu.decode(back.encode()))
    assert plain.data == response.data and plain.sw == response.sw
    assert terminal.ssc == card.ssc


@settings(max_examples=60, deadline=None)
@given(pair=sessions(), response=responses, where=st.integers(0, 10_000), bit=st.integers(0, 7))
def test_any_flipped_byte_is_detected(
    pair: tuple[SmSession, CardSmSession], response: ResponseApdu, where: int, bit: int
) -> None:
    terminal, card = pair
    card.unprotect_command(terminal.protect(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=0x20)))
    protected = card.protect_response(response)
    data = bytearray(protected.data)
    data[where % len(data)] ^= 1 << bit
    try:
        terminal.unprotect(ResponseApdu(bytes(data), protected.sw1, protected.sw2))
    except SecureMessagingError:
        return
    raise AssertionError("tampered response accepted")


@settings(max_examples=60, deadline=None)
@given(pair=sessions(), command=commands, where=st.integers(0, 10_000), bit=st.integers(0, 7))
def test_card_detects_flipped_command(
    pair: tuple[SmSession, CardSmSession], command: CommandApdu, where: int, bit: int
) -> None:
    terminal, card = pair
    wire = terminal.protect(command)
    raw = bytearray(wire.encode())
    outer_le = 2 if wire.is_extended else 1  # the outer Le is not MAC-protected (DO'97 is)
    index = where % (len(raw) - outer_le)
    raw[index] ^= 1 << bit
    try:
        card.unprotect_command(CommandApdu.decode(bytes(raw)))
    except (SecureMessagingError, ParseError):
        return
    raise AssertionError("tampered command accepted")


@settings(max_examples=150, deadline=None)
@given(pair=sessions(), garbage=st.binary(max_size=300), sw=st.integers(0, 0xFFFF))
def test_garbage_gives_typed_errors_only(
    pair: tuple[SmSession, CardSmSession], garbage: bytes, sw: int
) -> None:
    terminal, card = pair
    with contextlib.suppress(SecureMessagingError, ParseError):
        terminal.unprotect(ResponseApdu(garbage, sw >> 8, sw & 0xFF))
    with contextlib.suppress(SecureMessagingError, ParseError):
        card.unprotect_command(CommandApdu.decode(b"\x0c\xb0\x00\x00" + garbage))
