"""PN532 frames against the example frames of NXP UM0701-02 §6.2 / libnfc / nfcpy (byte-exact)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nfc.errors import CardRemovedError, NoCardError, TransportError, TransportTimeoutError
from nfc.transport import pn532_frames as f


def h(text: str) -> bytes:
    return bytes.fromhex(text)


SELECT_EMRTD = h("00 A4 04 0C 07 A0 00 00 02 47 10 01")


@pytest.mark.parametrize(("code", "params", "frame"), [
    (f.GET_FIRMWARE_VERSION, "", "00 00 FF 02 FE D4 02 2A 00"),
    (f.SAM_CONFIGURATION, "01 14 01", "00 00 FF 05 FB D4 14 01 14 01 02 00"),
    (f.SAM_CONFIGURATION, "01", "00 00 FF 03 FD D4 14 01 17 00"),
    (f.SAM_CONFIGURATION, "01 00 00", "00 00 FF 05 FB D4 14 01 00 00 17 00"),
    (f.IN_LIST_PASSIVE_TARGET, "01 00", "00 00 FF 04 FC D4 4A 01 00 E1 00"),
    (f.IN_LIST_PASSIVE_TARGET, "01 03 00", "00 00 FF 05 FB D4 4A 01 03 00 DE 00"),
    (f.IN_DATA_EXCHANGE, "01" + SELECT_EMRTD.hex(),
     "00 00 FF 0F F1 D4 40 01 00 A4 04 0C 07 A0 00 00 02 47 10 01 36 00"),
    (f.IN_DATA_EXCHANGE, "01 00 84 00 00 08", "00 00 FF 08 F8 D4 40 01 00 84 00 00 08 5F 00"),
    (f.IN_RELEASE, "01", "00 00 FF 03 FD D4 52 01 D9 00"),
])
def test_command_frames_match_published_bytes(code: int, params: str, frame: str) -> None:
    assert f.encode_command(code, h(params)) == h(frame)


def test_firmware_response_decodes() -> None:
    decoder = f.FrameDecoder()
    decoder.feed(h("00 00 FF 06 FA D5 03 32 01 06 07 E8 00"))
    frame = decoder.next_frame()
    assert frame == f.Frame(f.FrameKind.INFO, 0xD5, h("03 32 01 06 07"))
    assert decoder.next_frame() is None
    expected = h("00 00 FF 06 FA D5 03 32 01 06 07 E8 00")
    assert f.encode_response(f.GET_FIRMWARE_VERSION, h("32 01 06 07")) == expected


def test_ack_nack_error_frames() -> None:
    assert h("00 00 FF 00 FF 00") == f.ACK
    assert h("00 00 FF FF 00 00") == f.NACK
    decoder = f.FrameDecoder()
    decoder.feed(f.ACK + f.NACK + h("00 00 FF 01 FF 7F 81 00"))
    kinds = [decoder.next_frame() for _ in range(3)]
    assert [k.kind for k in kinds if k] == [f.FrameKind.ACK, f.FrameKind.NACK, f.FrameKind.ERROR]
    assert decoder.next_frame() is None


def test_decoder_skips_wakeup_and_garbage_and_accepts_bytewise_feed() -> None:
    decoder = f.FrameDecoder()
    stream = f.WAKEUP + h("13 37") + f.ACK + h("00 00 FF 06 FA D5 03 32 01 06 07 E8 00")
    frames = []
    for byte in stream:
        decoder.feed(bytes([byte]))
        while (frame := decoder.next_frame()) is not None:
            frames.append(frame)
    assert [fr.kind for fr in frames] == [f.FrameKind.ACK, f.FrameKind.INFO]
    assert frames[1].data == h("03 32 01 06 07")
    assert decoder.pending <= 1


def test_wakeup_is_long_preamble() -> None:
    assert h("55 55") + bytes(14) == f.WAKEUP


@pytest.mark.parametrize("bad", [
    "00 00 FF 06 FB D5 03 32 01 06 07 E8 00",   # LCS off by one
    "00 00 FF 06 FA D5 03 32 01 06 07 E9 00",   # DCS off by one
])
def test_checksum_errors_are_typed_and_decoder_recovers(bad: str) -> None:
    decoder = f.FrameDecoder()
    decoder.feed(h(bad) + f.ACK)
    with pytest.raises(f.Pn532ChecksumError):
        while decoder.next_frame() is None:
            pass
    frames = []
    while (frame := decoder.next_frame()) is not None:
        frames.append(frame)
    assert frames[-1].kind is f.FrameKind.ACK


def test_extended_frame_layout_and_round_trip() -> None:
    data = bytes([f.IN_DATA_EXCHANGE, 0x01]) + bytes(range(256)) + bytes(6)   # 264 bytes + TFI = 265
    frame = f.encode_frame(f.HOST_TO_PN532, data)
    assert frame[:8] == h("00 00 FF FF FF 01 09 F6")       # LENM 01 LENL 09, LCS = -(01+09)
    assert frame[-1] == 0 and (sum(frame[8:-1]) & 0xFF) == 0
    decoder = f.FrameDecoder()
    decoder.feed(frame)
    assert decoder.next_frame() == f.Frame(f.FrameKind.INFO, 0xD4, data)
    # a short payload may also be sent in extended form (UM0701-02 §6.2.1.2)
    short = f.encode_frame(f.HOST_TO_PN532, b"\x02", extended=True)
    assert short == h("00 00 FF FF FF 00 02 FE D4 02 2A 00")
    decoder.feed(short)
    assert decoder.next_frame() == f.Frame(f.FrameKind.INFO, 0xD4, b"\x02")


def test_oversized_frames_rejected_without_allocation() -> None:
    with pytest.raises(ValueError):
        f.encode_frame(f.HOST_TO_PN532, bytes(265))
    decoder = f.FrameDecoder()
    decoder.feed(h("00 00 FF FF FF FF F0 11"))   # claims 65,520 bytes
    with pytest.raises(f.Pn532FrameError):
        decoder.next_frame()


def test_list_passive_target_and_pseudo_atr() -> None:
    # NbTg 1, Tg 1, SENS_RES 00 04, SEL_RES 20, UID 4 bytes, ATS 05 78 80 70 02 (no historical bytes)
    data = h("01 01 00 04 20 04 08 11 22 33 05 78 80 70 02")
    target = f.parse_list_passive_target(data)
    assert target is not None and target.iso_dep and target.number == 1
    assert target.uid == h("08 11 22 33") and target.ats == h("05 78 80 70 02")
    assert "11" not in repr(target)     # UID stays out of logs
    assert f.pseudo_atr(target.ats) == h("3B 80 80 01 01")   # the well-known empty-history ATR
    assert f.parse_list_passive_target(b"\x00") is None
    with pytest.raises(f.Pn532FrameError):
        f.parse_list_passive_target(h("01 01 00 04 20 07 08 11"))


def test_pseudo_atr_carries_historical_bytes_with_tck() -> None:
    ats = h("0A 78 80 70 02") + h("80 73 C8 21 10")
    atr = f.pseudo_atr(ats)
    assert atr[:4] == h("3B 85 80 01") and atr[4:9] == h("80 73 C8 21 10")
    tck = 0
    for byte in atr[1:]:
        tck ^= byte
    assert tck == 0                              # TCK makes the XOR of T0..TCK zero


@pytest.mark.parametrize(("status", "error"), [
    (0x01, TransportTimeoutError), (0x29, CardRemovedError), (0x2B, CardRemovedError),
    (0x27, NoCardError), (0x02, TransportError), (0x41, TransportTimeoutError),
])
def test_status_errors(status: int, error: type[Exception]) -> None:
    assert isinstance(f.status_error(status), error)
    assert f.status_error(0x00) is None and f.status_error(0x40) is None


@given(st.binary(max_size=600))
def test_decoder_never_crashes_on_noise(noise: bytes) -> None:
    decoder = f.FrameDecoder()
    decoder.feed(noise)
    for _ in range(len(noise) + 1):
        try:
            if decoder.next_frame() is None:
                break
        except f.Pn532FrameError:
            continue
    assert decoder.pending <= len(noise)


@given(st.binary(min_size=1, max_size=264))
def test_encode_decode_round_trip(data: bytes) -> None:
    decoder = f.FrameDecoder()
    decoder.feed(f.encode_frame(f.PN532_TO_HOST, data))
    assert decoder.next_frame() == f.Frame(f.FrameKind.INFO, 0xD5, data)
