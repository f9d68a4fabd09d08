"""KDF, DES parity, 3DES/retail MAC and AES-CMAC against ICAO 9303-11 Appendix D and the CCCD notes."""

from __future__ import annotations

import hashlib
import warnings

import pytest
from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import algorithms

from nfc.crypto.kdf import KDF_ENC, KDF_MAC, KDF_PI, adjust_des_parity, derive_key, sha1
from nfc.crypto.symmetric import (
    aes_cmac,
    des3_cbc_decrypt,
    des3_cbc_encrypt,
    mac8,
    pad_iso9797_m2,
    retail_mac,
    unpad_iso9797_m2,
)
from nfc.errors import ParseError

H = bytes.fromhex


def test_d1_bac_key_derivation() -> None:
    seed = sha1(b"L898902C<369080619406236")[:16]
    assert seed == H("239AB9CB282DAF66231DC5A4DF6BFBAE")
    assert derive_key(seed, KDF_ENC, "3DES") == H("AB94FDECF2674FDFB9B391F85D7F76F2")
    assert derive_key(seed, KDF_MAC, "3DES") == H("7962D9ECE03D1ACD4C76089DCE131543")


def test_d1_second_sample_seed() -> None:
    assert sha1(b"D23145890734934071279507122")[:16] == H("B366AD857DDCA2B08C0E299811714730")


def test_parity_adjustment() -> None:
    assert adjust_des_parity(H("AB94FCEDF2664EDF")) == H("AB94FDECF2674FDF")
    assert adjust_des_parity(H("B9B291F85D7F77F2")) == H("B9B391F85D7F76F2")
    for byte in adjust_des_parity(bytes(range(256))):
        assert bin(byte).count("1") % 2 == 1


def test_cccd_bac_example_section_11() -> None:
    seed = sha1(b"200012345790010113001019")[:16]
    assert seed == H("03E8EE75657FB4EF5208F8EAC4DDC135")
    assert derive_key(seed, KDF_ENC, "3DES") == H("C16E088ADC291C3208675467BC586BF4")
    assert derive_key(seed, KDF_MAC, "3DES") == H("61323779161C1C49578962B6408FDC6B")
    full = sha1(b"200012345790010113001019")
    assert full == H("03E8EE75657FB4EF5208F8EAC4DDC135521E2208")
    assert derive_key(full, KDF_PI, "AES-128") == H("FE4F022782FC086526A36E9C3EDEA5F4")


def test_cccd_chip_section_4_example() -> None:
    seed = sha1(b"090000001890010113001019")[:16]
    assert seed == H("34A730C05E10BA3BC67E9A42CF7B54FD")
    assert derive_key(seed, KDF_ENC, "3DES") == H("9B8A4A1C3E260280C1ADEC709B85E320")
    assert derive_key(seed, KDF_MAC, "3DES") == H("B5FE49D3A838A4F41A83F104D0455B5D")


@pytest.mark.parametrize(
    ("password", "k_pi"),
    [("123456", "591468CDA83D65219CCCB8560233600F"), ("000001", "66F0EF4FBA597AFA5AEEBEFF94B8A752")],
)
def test_can_password_key(password: str, k_pi: str) -> None:
    assert derive_key(password.encode(), KDF_PI, "AES-128") == H(k_pi)


def test_g1_mrz_password_key() -> None:
    k = sha1(b"T22000129364081251010318")
    assert k == H("7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD")
    assert derive_key(k, KDF_PI, "AES-128") == H("89DED1B26624EC1E634C1989302849DD")


def test_kdf_lengths_and_hashes() -> None:
    shared = b"\x01" * 32
    assert len(derive_key(shared, 1, "AES-192")) == 24
    assert derive_key(shared, 1, "AES-256") == hashlib.sha256(shared + b"\0\0\0\1").digest()
    with pytest.raises(ValueError):
        derive_key(shared, 1, "DES")


def test_d3_cryptogram_and_retail_mac() -> None:
    k_enc, k_mac = H("AB94FDECF2674FDFB9B391F85D7F76F2"), H("7962D9ECE03D1ACD4C76089DCE131543")
    s = H("781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B")
    e_ifd = des3_cbc_encrypt(k_enc, s)
    assert e_ifd == H("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
    assert retail_mac(k_mac, pad_iso9797_m2(e_ifd)) == H("5F1448EEA8AD90A7")
    assert retail_mac(k_mac, e_ifd, pad=True) == H("5F1448EEA8AD90A7")
    assert mac8("3DES", k_mac, e_ifd) == H("5F1448EEA8AD90A7")
    assert des3_cbc_decrypt(k_enc, e_ifd) == s


def test_no_deprecation_warning_for_3des() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        des3_cbc_encrypt(bytes(range(16)), bytes(16))
        retail_mac(bytes(range(16)), bytes(8))


def test_aes_cmac_matches_library() -> None:
    key, data = bytes(range(16)), b"abc" * 11
    ref = cmac.CMAC(algorithms.AES(key))
    ref.update(data)
    expected = ref.finalize()
    assert aes_cmac(key, data) == expected
    assert mac8("AES-128", key, data) == expected[:8]


def test_padding_round_trip_and_errors() -> None:
    for n in range(0, 20):
        data = bytes(range(n))
        padded = pad_iso9797_m2(data, 8)
        assert len(padded) % 8 == 0 and len(padded) > n
        assert unpad_iso9797_m2(padded) == data
    with pytest.raises(ParseError):
        unpad_iso9797_m2(bytes(8))
    with pytest.raises(ParseError):
        unpad_iso9797_m2(b"")
