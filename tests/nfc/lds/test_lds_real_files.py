"""Every real LDS file in ../shared/data/lds parses completely (JMRTD bsi2008/loes2006, HJP test set)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from nfc.lds.com import EfCom, build_com, parse_com
from nfc.lds.dg1 import build_dg1, parse_dg1
from nfc.lds.dg2 import parse_dg2
from nfc.lds.dg15 import build_dg15, parse_dg15
from nfc.lds.mrz import MrzData
from nfc.lds.parse import parse_file
from nfc.lds.security_infos import ChipAuthenticationPublicKeyInfo
from nfc.lds.sod import Sod
from nfc.lds.tlv import header_length_of

# (folder, file, LDS name)
REAL_FILES = [
    ("bsi2008", "EF_COM.bin", "COM"),
    ("bsi2008", "Datagroup1.bin", "DG1"),
    ("bsi2008", "Datagroup2.bin", "DG2"),
    ("bsi2008", "Datagroup3.bin", "DG3"),
    ("bsi2008", "Datagroup4.bin", "DG4"),
    ("bsi2008", "Datagroup14.bin", "DG14"),
    ("bsi2008", "Datagroup15.bin", "DG15"),
    ("bsi2008", "EF_SOD.bin", "SOD"),
    ("loes2006", "ef011E.bin", "COM"),
    ("loes2006", "ef0101.bin", "DG1"),
    ("loes2006", "ef0102.bin", "DG2"),
    ("loes2006", "ef010F.bin", "DG15"),
    ("loes2006", "ef011D.bin", "SOD"),
    ("hjp-rsapss", "EF_COM.bin", "COM"),
    ("hjp-rsapss", "Datagroup1.bin", "DG1"),
    ("hjp-rsapss", "Datagroup14.bin", "DG14"),
    ("hjp-rsapss", "Datagroup15.bin", "DG15"),
    ("hjp-rsapss", "EF_SOD.bin", "SOD"),
]


def _read(shared_data: Path, folder: str, name: str) -> bytes:
    return (shared_data / "lds" / folder / name).read_bytes()


@pytest.mark.parametrize(("folder", "file", "name"), REAL_FILES)
def test_parse_file_and_header_length(shared_data: Path, folder: str, file: str, name: str) -> None:
    data = _read(shared_data, folder, file)
    # the reading plan learns the full length from the first chunk
    assert header_length_of(data[:8])[1] == len(data)
    result = parse_file(name, data)
    expected = {"COM": EfCom, "DG1": MrzData, "DG2": tuple, "DG3": bytes, "DG4": bytes, "DG14": tuple,
                "DG15": bytes, "SOD": Sod}[name]
    assert isinstance(result, expected)


def test_com_values(shared_data: Path) -> None:
    com = parse_com(_read(shared_data, "loes2006", "ef011E.bin"))
    assert (com.lds_version, com.unicode_version, com.lds_version_text) == ("0107", "040000", "1.7")
    assert com.data_groups == ("DG1", "DG2", "DG15")
    hjp = parse_com(_read(shared_data, "hjp-rsapss", "EF_COM.bin"))
    assert hjp.data_groups == ("DG1", "DG2", "DG3", "DG4", "DG14")
    for folder, file in (("loes2006", "ef011E.bin"), ("hjp-rsapss", "EF_COM.bin"), ("bsi2008", "EF_COM.bin")):
        data = _read(shared_data, folder, file)
        assert build_com(parse_com(data)) == data


def test_icao_d4_com() -> None:
    data = bytes.fromhex("60145F0104303130365F36063034303030305C026175")
    com = parse_com(data)
    assert com == EfCom("0106", "040000", (0x61, 0x75))
    assert com.data_groups == ("DG1", "DG2")
    assert build_com(com) == data


@pytest.mark.parametrize(("folder", "file"), [("bsi2008", "Datagroup1.bin"), ("loes2006", "ef0101.bin"),
                                              ("hjp-rsapss", "Datagroup1.bin")])
def test_dg1_specimens(shared_data: Path, folder: str, file: str) -> None:
    data = _read(shared_data, folder, file)
    mrz = parse_dg1(data)
    assert mrz.format == "TD3" and mrz.document_code == "P"
    assert mrz.all_check_digits_valid
    assert mrz.cccd_id_number is None
    assert build_dg1(mrz.lines) == data
    mrz.access_key()  # BAC inputs are well-formed


def test_bsi_dg1_fields(shared_data: Path) -> None:
    mrz = parse_dg1(_read(shared_data, "bsi2008", "Datagroup1.bin"))
    # BSI specimen "Erika Mustermann", document C11T002JM (icao-vectors.md §12)
    assert (mrz.issuing_state, mrz.document_number, mrz.surname, mrz.given_names) == (
        "D", "C11T002JM", "MUSTERMANN", "ERIKA")


@pytest.mark.parametrize(("folder", "file", "fmt", "size"), [
    ("bsi2008", "Datagroup2.bin", "jpeg2000", (413, 531)),
    ("loes2006", "ef0102.bin", "jpeg2000", (449, 598)),
])
def test_dg2_decodes(shared_data: Path, folder: str, file: str, fmt: str, size: tuple[int, int]) -> None:
    faces = parse_dg2(_read(shared_data, folder, file))
    assert len(faces) == 1
    face = faces[0]
    assert face.format == fmt and face.image_type == 1
    # the JP2 signature box sits exactly where the 19794-5 header says the image starts
    assert face.data[:12] == bytes.fromhex("0000000C6A5020200D0A870A")
    image = face.decode()
    assert image.size == size
    assert image.getbbox() is not None  # real pixels, not an empty canvas


@pytest.mark.parametrize(("folder", "file"), [("loes2006", "ef010F.bin"), ("hjp-rsapss", "Datagroup15.bin")])
def test_dg15_rsa_keys_load(shared_data: Path, folder: str, file: str) -> None:
    data = _read(shared_data, folder, file)
    spki = parse_dg15(data)
    assert isinstance(load_der_public_key(spki), rsa.RSAPublicKey)
    assert build_dg15(spki) == data


def test_dg15_bsi_negative_modulus_kept_as_is(shared_data: Path) -> None:
    # The BSI 2008 specimen encodes its 1024-bit modulus without the leading 00 (a negative DER
    # INTEGER). DG15 parsing keeps the bytes (the SOD hash covers them); OpenSSL refuses the key, so
    # Active Authentication has to repair it. This test pins that quirk.
    data = _read(shared_data, "bsi2008", "Datagroup15.bin")
    spki = parse_dg15(data)
    assert build_dg15(spki) == data
    assert bytes.fromhex("308188028180CF") in spki  # INTEGER of 128 bytes whose top bit is set
    with pytest.raises(ValueError):
        load_der_public_key(spki)


def test_dg14_bsi_key_info(shared_data: Path) -> None:
    infos = parse_file("DG14", _read(shared_data, "bsi2008", "Datagroup14.bin"))
    assert isinstance(infos, tuple)
    assert any(isinstance(i, ChipAuthenticationPublicKeyInfo) for i in infos)


@pytest.mark.parametrize(("file", "tag"), [("Datagroup3.bin", 0x7F61), ("Datagroup4.bin", 0x7F61)])
def test_dg3_dg4_unwrap(shared_data: Path, file: str, tag: int) -> None:
    name = file.replace("Datagroup", "DG").removesuffix(".bin")
    content = parse_file(name, _read(shared_data, "bsi2008", file))
    assert isinstance(content, bytes)
    assert header_length_of(content)[0] == tag
