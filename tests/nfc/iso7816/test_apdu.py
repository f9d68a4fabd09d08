from hypothesis import given
from hypothesis import strategies as st

from nfc.iso7816.apdu import CommandApdu, ResponseApdu


def test_short_case4_encoding_matches_icao_select() -> None:
    apdu = CommandApdu(0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("011E"))
    assert apdu.encode() == bytes.fromhex("00A4020C02011E")


def test_le_256_encodes_as_00_and_65536_as_0000() -> None:
    assert CommandApdu(0, 0xB0, 0, 0, le=256).encode() == bytes.fromhex("00B0000000")
    assert CommandApdu(0, 0xB0, 0, 0, le=65536).encode() == bytes.fromhex("00B00000000000")
    assert CommandApdu(0, 0x86, 0, 0, b"\x7c\x00", le=65536).encode() == bytes.fromhex("008600000000027C000000")


@given(
    data=st.binary(max_size=600),
    le=st.one_of(st.none(), st.integers(min_value=1, max_value=65536)),
    extended=st.booleans(),
)
def test_command_round_trip(data: bytes, le: int | None, extended: bool) -> None:
    apdu = CommandApdu(0x0C, 0xB0, 0x01, 0x02, data, le, extended)
    decoded = CommandApdu.decode(apdu.encode())
    assert decoded.data == data
    assert decoded.le == le
    if data or le is not None:  # a bare header has no length fields to mark it extended
        assert decoded.is_extended == apdu.is_extended


def test_response_decode() -> None:
    r = ResponseApdu.decode(bytes.fromhex("0102039000"))
    assert r.data == b"\x01\x02\x03" and r.ok and r.sw == 0x9000
