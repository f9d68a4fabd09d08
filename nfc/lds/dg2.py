"""DG2: facial images, ISO/IEC 19794-5:2005 records inside the CBEFF structure of ICAO 9303-10 §4.7.2.

``75 { 7F61 { 02 count, 7F60 { A1 header, 5F2E|7F2E BDB }... } }``; each BDB is a 19794-5 record:
``'FAC\\0' '010\\0' len(4) count(2)`` then per face ``len(4) | facial information (20) | feature points
(8 each) | image information (12) | image``. The headers are parsed (no searching for JPEG magic bytes,
which breaks on JPEG2000 and on data that happens to contain them).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from nfc.errors import ParseError
from nfc.lds.tlv import encode_tlv, iter_tlvs, unwrap

TAG_DG2 = 0x75
TAG_GROUP = 0x7F61
TAG_COUNT = 0x02
TAG_INSTANCE = 0x7F60
TAG_HEADER = 0xA1
TAG_BDB = 0x5F2E
TAG_BDB_CONSTRUCTED = 0x7F2E
WHAT = "DG2"

FORMAT_ID = b"FAC\x00"
VERSION_2005 = b"010\x00"
RECORD_HEADER = 14
FACE_INFO = 20
FEATURE_POINT = 8
IMAGE_INFO = 12
_FORMATS = {0: "jpeg", 1: "jpeg2000"}
#: ICAO faces are ~0.2 MP; refuse to decode anything claiming more than 16 MP (decompression bombs)
MAX_FACE_PIXELS = 4096 * 4096

# CBEFF biometric header template as ICAO specimens write it: type face (02), subtype none,
# format owner ISO/IEC JTC 1 SC 37 (0101), format type face image (0008)
_BHT = bytes.fromhex("810102" "820100" "87020101" "88020008")


@dataclass(frozen=True, repr=False)
class FaceImage:
    format: str  # "jpeg" | "jpeg2000"
    data: bytes  # the encoded image, as stored
    width: int  # as declared in the record header
    height: int
    image_type: int  # 0 basic, 1 full frontal, 2 token frontal
    color_space: int  # 0 unspecified, 1 RGB24, 2 YUV422, 3 8-bit grey, 4 other
    source_type: int = 0  # 0 unspecified, 2 digital still, 6 scanned, ...
    feature_points: int = 0
    gender: int = 0  # 0 unspecified, 1 male, 2 female, 0xFF unknown (19794-5 coding)

    def decode(self) -> Image.Image:
        """The image decoded by Pillow (JPEG2000 through its OpenJPEG plug-in)."""
        try:
            image = Image.open(io.BytesIO(self.data))  # reads the header only
            if image.width * image.height > MAX_FACE_PIXELS:
                raise ParseError(WHAT, "image dimensions too large for a face image")
            image.load()
        except ParseError:
            raise
        except Exception as exc:  # Pillow raises many types on corrupt input (OSError, SyntaxError, ...)
            raise ParseError(WHAT, f"{self.format} image cannot be decoded ({type(exc).__name__})") from None
        return image

    def __repr__(self) -> str:
        return (
            f"FaceImage(format={self.format!r}, data=<{len(self.data)} bytes>, width={self.width}, "
            f"height={self.height}, image_type={self.image_type}, color_space={self.color_space})"
        )


def _uint(data: bytes, offset: int, size: int) -> int:
    return int.from_bytes(data[offset : offset + size], "big")


def _parse_record(bdb: bytes) -> list[FaceImage]:
    if len(bdb) < RECORD_HEADER or bdb[:4] != FORMAT_ID:
        raise ParseError(WHAT, "biometric data block is not an ISO 19794-5 facial record")
    if bdb[4:8] != VERSION_2005:
        raise ParseError(WHAT, "unsupported ISO 19794-5 record version")
    record_length = _uint(bdb, 8, 4)
    if not RECORD_HEADER <= record_length <= len(bdb):
        raise ParseError(WHAT, "facial record length disagrees with the data block", 8)
    count = _uint(bdb, 12, 2)
    faces: list[FaceImage] = []
    pos = RECORD_HEADER
    for _ in range(count):
        if record_length - pos < FACE_INFO:
            raise ParseError(WHAT, "facial record truncated", pos)
        face_length = _uint(bdb, pos, 4)
        end = pos + face_length
        points = _uint(bdb, pos + 4, 2)
        image_info = pos + FACE_INFO + points * FEATURE_POINT
        if face_length < FACE_INFO + IMAGE_INFO or end > record_length or image_info + IMAGE_INFO > end:
            raise ParseError(WHAT, "face record length inconsistent", pos)
        data_type = bdb[image_info + 1]
        if data_type not in _FORMATS:
            raise ParseError(WHAT, f"unsupported image data type {data_type}", image_info + 1)
        faces.append(
            FaceImage(
                format=_FORMATS[data_type],
                data=bdb[image_info + IMAGE_INFO : end],
                width=_uint(bdb, image_info + 2, 2),
                height=_uint(bdb, image_info + 4, 2),
                image_type=bdb[image_info],
                color_space=bdb[image_info + 6],
                source_type=bdb[image_info + 7],
                feature_points=points,
                gender=bdb[pos + 6],
            )
        )
        pos = end
    return faces


def parse_dg2(data: bytes) -> tuple[FaceImage, ...]:
    group = unwrap(unwrap(data, TAG_DG2, WHAT), TAG_GROUP, WHAT)
    declared: int | None = None
    faces: list[FaceImage] = []
    instances = 0
    for tlv in iter_tlvs(group, WHAT):
        if tlv.tag == TAG_COUNT:
            if declared is not None or len(tlv.value) != 1:
                raise ParseError(WHAT, "bad instance count", tlv.start)
            declared = tlv.value[0]
        elif tlv.tag == TAG_INSTANCE:
            instances += 1
            blocks = [t for t in iter_tlvs(tlv.value, WHAT) if t.tag in (TAG_BDB, TAG_BDB_CONSTRUCTED)]
            if len(blocks) != 1:
                raise ParseError(WHAT, "biometric instance must hold one data block", tlv.start)
            faces += _parse_record(blocks[0].value)
        else:
            raise ParseError(WHAT, f"unexpected tag {tlv.tag:X} in biometric group", tlv.start)
    if declared is None or declared != instances:
        raise ParseError(WHAT, "instance count missing or different from the instances present")
    return tuple(faces)


def build_dg2(image: bytes, fmt: str, width: int, height: int) -> bytes:
    """A structurally correct DG2 holding one full-frontal face in 24-bit RGB (for the virtual card)."""
    data_type = {v: k for k, v in _FORMATS.items()}.get(fmt)
    if data_type is None:
        raise ValueError("format must be 'jpeg' or 'jpeg2000'")
    if not (0 <= width <= 0xFFFF and 0 <= height <= 0xFFFF):
        raise ValueError("width and height must fit in 16 bits")
    face_info = bytes(FACE_INFO - 4)  # no feature points, everything unspecified
    image_info = (
        bytes([1, data_type]) + width.to_bytes(2, "big") + height.to_bytes(2, "big")
        + bytes([1, 2]) + bytes(4)  # RGB24, digital still; device type and quality unspecified
    )
    face = face_info + image_info + image
    face = (len(face) + 4).to_bytes(4, "big") + face
    record = FORMAT_ID + VERSION_2005 + (RECORD_HEADER + len(face)).to_bytes(4, "big") + b"\x00\x01"
    instance = encode_tlv(TAG_HEADER, _BHT) + encode_tlv(TAG_BDB, record + face)
    group = encode_tlv(TAG_COUNT, b"\x01") + encode_tlv(TAG_INSTANCE, instance)
    return encode_tlv(TAG_DG2, encode_tlv(TAG_GROUP, group))
