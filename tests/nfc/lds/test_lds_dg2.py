"""DG2 built for the virtual card parses back and decodes; malformed CBEFF/19794-5 is rejected."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from nfc.errors import ParseError
from nfc.lds.dg2 import FaceImage, build_dg2, parse_dg2


def _jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, format="JPEG")
    return out.getvalue()


def test_build_parse_decode_jpeg() -> None:
    image = _jpeg(120, 160)
    data = build_dg2(image, "jpeg", 120, 160)
    (face,) = parse_dg2(data)
    assert (face.format, face.width, face.height) == ("jpeg", 120, 160)
    assert (face.image_type, face.color_space) == (1, 1)
    assert face.data == image
    decoded = face.decode()
    assert decoded.size == (120, 160)
    assert decoded.getpixel((5, 5))[0] > 150  # type: ignore[index]


def test_build_layout() -> None:
    data = build_dg2(b"\xff\xd8\xff\xe0", "jpeg", 1, 1)
    # 75 → 7F61 → 02 01 01, 7F60 → A1 header (face, ISO SC37 owner, type 0008) + 5F2E
    assert data[:2] == b"\x75\x4e" and data[2:4] == b"\x7f\x61"
    assert bytes.fromhex("020101" "7F60") in data
    assert bytes.fromhex("A10E8101028201008702010188020008" "5F2E") in data
    assert bytes.fromhex("46414300" "30313000" "00000032" "0001" "00000024") in data


def test_feature_points_and_magic_bytes_in_header() -> None:
    # one feature point whose 8 bytes look like JPEG magic: header parsing must skip it, not search for it
    image = _jpeg(8, 8)
    points = b"\xff\xd8\xff\xe0\xff\xd8\xff\xe0"
    face_info = bytes.fromhex("0001" "01" "00" "00" "000000" "0000" "000000" "000000")  # 1 point, male
    image_info = bytes.fromhex("01" "00" "0008" "0008" "01" "02" "0000" "0000")
    body = face_info + points + image_info + image
    face = (len(body) + 4).to_bytes(4, "big") + body
    record = b"FAC\x00010\x00" + (14 + len(face)).to_bytes(4, "big") + b"\x00\x01" + face

    def tlv(tag: bytes, value: bytes) -> bytes:
        assert len(value) < 0x10000
        return tag + b"\x82" + len(value).to_bytes(2, "big") + value

    instance = bytes.fromhex("A10E8101028201008702010188020008") + tlv(b"\x5f\x2e", record)
    data = tlv(b"\x75", tlv(b"\x7f\x61", bytes.fromhex("020101") + tlv(b"\x7f\x60", instance)))
    (parsed,) = parse_dg2(data)
    assert parsed.data == image and parsed.feature_points == 1 and parsed.gender == 1
    assert parsed.decode().size == (8, 8)


def test_repr_hides_image() -> None:
    face = FaceImage("jpeg", b"\xff\xd8secret", 1, 1, 1, 1)
    assert "secret" not in repr(face)


def test_undecodable_image_is_parse_error() -> None:
    face = FaceImage("jpeg", b"\xff\xd8\xff\xe0 not a jpeg", 1, 1, 1, 1)
    with pytest.raises(ParseError):
        face.decode()


def _mutate(data: bytes, marker: bytes, replacement: bytes) -> bytes:
    assert marker in data
    return data.replace(marker, replacement, 1)


@pytest.mark.parametrize(
    ("marker", "replacement"),
    [
        (b"FAC\x00", b"FAX\x00"),  # not a 19794-5 record
        (b"010\x00", b"030\x00"),  # 19794-5:2011 layout: unsupported
        (bytes.fromhex("020101"), bytes.fromhex("020102")),  # count says 2 instances, 1 present
        (bytes.fromhex("0001" "00000024"), bytes.fromhex("0001" "000000FF")),  # face length beyond record
        (bytes.fromhex("00000000" "0100"), bytes.fromhex("00000000" "0107")),  # image data type 7
    ],
)
def test_malformed(marker: bytes, replacement: bytes) -> None:
    data = build_dg2(b"\xff\xd8\xff\xe0", "jpeg", 1, 1)
    with pytest.raises(ParseError):
        parse_dg2(_mutate(data, marker, replacement))


def test_build_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        build_dg2(b"", "png", 1, 1)
    with pytest.raises(ValueError):
        build_dg2(b"", "jpeg", 70000, 1)


def test_decompression_bomb_refused_before_decoding() -> None:
    out = io.BytesIO()
    Image.new("L", (8, 8)).save(out, format="JPEG")
    jpeg = bytearray(out.getvalue())
    sof = jpeg.index(b"\xff\xc0")  # baseline SOF0: FF C0 len(2) precision(1) height(2) width(2)
    jpeg[sof + 5 : sof + 9] = (20000).to_bytes(2, "big") * 2
    with pytest.raises(ParseError):
        FaceImage("jpeg", bytes(jpeg), 8, 8, 1, 3).decode()


@settings(max_examples=40, deadline=None)
@given(pos=st.integers(0, 10_000), value=st.integers(0, 255))
def test_mutated_image_decodes_or_parse_error(pos: int, value: int) -> None:
    image = bytearray(_JPEG_16)
    image[pos % len(image)] = value
    with contextlib.suppress(ParseError):
        FaceImage("jpeg", bytes(image), 16, 16, 1, 1).decode()


_JPEG_16 = _jpeg(16, 16)
