"""Active Authentication: the real RSA trace with the two-byte trailer (icao-vectors §4b), ICAO Appendix F
structure, card-side signing round trips (RSA BC/xxCC, ECDSA plain/DER) and the clone case."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from nfc.errors import NfcError
from nfc.iso7816.apdu import CommandApdu
from nfc.iso7816.channel import ApduChannel
from nfc.lds.dg15 import parse_dg15
from nfc.lds.security_infos import ActiveAuthenticationInfo
from nfc.transport.base import CardConnection
from nfc.verify.active import (
    open_9796_2,
    parse_9796_2_frame,
    perform_active_authentication,
    verify_aa_signature,
    verify_rsa_aa,
)
from nfc.verify.algorithms import digest
from nfc.verify.certs import load_public_key
from nfc.verify.report import StepStatus
from nfc.virtual.card_chip_auth import CardActiveAuthentication, sign_9796_2

# icao-vectors.md §4b (gmrtd activeauth/active_auth_test.go TestDoActiveAuth)
DG15_4B = bytes.fromhex(
    "6F8201023081FF300D06092A864886F70D01010105000381ED003081E90281E100BB8F93F4DC95E205CDA17C6927AB1E365B13065D"
    "03CD12E0FCE95D96840529453202F56CC4C13F77CD062930C8BC89A2873B257045C286E601CF3C09323A53103314902804AA10A314"
    "628CE222206A8866946A36B442041BB54AC81E6855DD1D6E16101833D65A191C20AC8B33B8A1A32920F46043F8031CF2BC17417030"
    "865FC5BE5A39DEE423BCBA3CA8177168EB23CFE01BA43EC87711B1CFFF85DB46F300DD8AE317B50D543B573E119E23AF7070D0B2FE"
    "D6A3B2313A5EC02A531AAED1741F4390D1013E2A0F081EAC5DC8B0A1B2C6BDB1206F08D30E3643E1E5BDF536110203010001"
)
RND_4B = bytes.fromhex("96302b0f3d7e7864")
SIG_4B = bytes.fromhex(
    "474256306840c0ab1b63c10e1c26bdfef4a0dd843920283cc4e6e70a60f2bd25dc7725f9677bc1cde66379dc28b38e8490f33afb2d"
    "10f9980c44c0bfc175d2b6684218f535c92fdd3e18db770a9ccbf91db3c7f0138e6d9e94b9bc8371761e3abed5e5e9b260279cfb23"
    "8b58ae0d6a01da51c74c2a3ecd62c448bd9f20127f7384587287fa971204234e55b1a856c3e5aaaa620bb799a68fbae08ee132bb61"
    "683eba9b0b40dc1e54641cad975b16991cab50af82e3f3985afd19e7427a125f5b4b9878b12a5d2e01c7eedca3bb41c6fc05dccd81"
    "8bce379d04b1f2f5d43487d3"
)
# ICAO 9303-11 Appendix F (RSA-1024, SHA-1, trailer BC); no key pair is published, so only structure
F_M1 = bytes.fromhex(
    "9D2784A67F8E7C659973EA1AEA25D95B6C8F91E5002F369F0FBDCE8A3CEC1991B543F1696546C5524CF23A5303CD6C98599F40B79F"
    "377B5F3A1406B3B4D8F96784D23AA88DB7E1032A405E69325FA91A6E86F5C71AEA978264C4A207446DAD4E7292E2DCDA3024B47DA8"
)
F_M2 = bytes.fromhex("F173589974BF40C6")
F_H = bytes.fromhex("C063AA1E6D22FBD976AB0FE73D94D2D9C6D88127")


class _Card(CardConnection):
    """Connection to a CardActiveAuthentication applet (plain APDUs)."""

    def __init__(self, applet: CardActiveAuthentication) -> None:
        self.applet = applet
        self.sent: list[bytes] = []

    def transmit(self, apdu: bytes) -> bytes:
        self.sent.append(apdu)
        return self.applet.handle(CommandApdu.decode(apdu)).encode()

    @property
    def atr(self) -> bytes:
        return b""

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_real_trace_with_two_byte_trailer_verifies() -> None:
    spki = parse_dg15(DG15_4B)
    ok, algorithm = verify_aa_signature(spki, (), RND_4B, SIG_4B)
    assert ok and algorithm == "RSA-1792 ISO 9796-2 SHA256"
    recovered = open_9796_2(SIG_4B, load_public_key(spki))
    assert recovered.hash == "sha256" and len(recovered.digest) == 32


def test_real_trace_fails_with_another_challenge() -> None:
    spki = parse_dg15(DG15_4B)
    assert not verify_aa_signature(spki, (), bytes(8), SIG_4B)[0]
    altered = SIG_4B[:-1] + bytes([SIG_4B[-1] ^ 1])
    assert not verify_aa_signature(spki, (), RND_4B, altered)[0]


def test_appendix_f_frame_structure() -> None:
    frame = b"\x6a" + F_M1 + F_H + b"\xbc"
    assert len(frame) * 8 == 1024 and len(F_M1) * 8 == 848
    recovered = parse_9796_2_frame(frame)
    assert recovered.hash == "sha1" and recovered.m1 == F_M1 and recovered.digest == F_H
    assert digest("sha1", recovered.m1 + F_M2) == F_H  # H = SHA-1(M1 ‖ M2)


@pytest.mark.parametrize("bad", [b"\x4a" + F_M1 + F_H + b"\xbc", b"\x6a" + F_M1 + F_H + b"\xbd", b"\x6a\xbc"])
def test_bad_frames_are_rejected(bad: bytes) -> None:
    with pytest.raises(NfcError):
        parse_9796_2_frame(bad)


@pytest.mark.parametrize("hash_name", ["sha1", "sha224", "sha256", "sha384", "sha512"])
def test_card_side_rsa_round_trip(hash_name: str) -> None:
    key = _rsa(1024)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    challenge = bytes(range(8))
    signature = sign_9796_2(key, challenge, hash_name)
    assert signature[-0:] and len(signature) == 128
    ok, algorithm = verify_aa_signature(spki, (), challenge, signature)
    assert ok and algorithm.endswith(hash_name.upper())


def test_small_rsa_modulus_refused() -> None:
    small = rsa.RSAPublicNumbers(65537, (1 << 767) + 12345).public_key()  # 768-bit modulus (gmrtd #347)
    spki = small.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(NfcError, match="too small"):
        verify_rsa_aa(b"\x01", bytes(8), load_public_key(spki))


def test_signature_with_leading_zero_is_left_padded() -> None:
    """A raw RSA result shorter than the modulus must be left-padded (gmrtd #106)."""
    key = _rsa(1024)
    spki = _spki(key)
    for i in range(4096):  # P(no leading zero in 4096 tries) ≈ 1e-7
        challenge = i.to_bytes(8, "big")
        signature = sign_9796_2(key, challenge, "sha1")
        if signature[0] == 0:
            assert verify_aa_signature(spki, (), challenge, signature.lstrip(b"\x00"))[0]
            return
    pytest.fail("no signature with a leading zero byte")


@pytest.mark.parametrize("encoding", ["plain", "der"])
def test_ecdsa_plain_and_der(encoding: str) -> None:
    key = ec.generate_private_key(ec.BrainpoolP256R1())
    challenge = b"\x01\x02\x03\x04\x05\x06\x07\x08"
    r, s = decode_dss_signature(
        key.sign(challenge, ec.ECDSA(__import__("cryptography.hazmat.primitives.hashes", fromlist=["SHA256"]).SHA256()))
    )
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") if encoding == "plain" else encode_dss_signature(r, s)
    info = ActiveAuthenticationInfo("2.23.136.1.1.5", 1, "1.2.840.10045.4.3.2")
    ok, algorithm = verify_aa_signature(_spki(key), (info,), challenge, signature)
    assert ok and algorithm.startswith("ECDSA SHA256")
    assert not verify_aa_signature(_spki(key), (info,), bytes(8), signature)[0]


def test_perform_aa_against_the_virtual_applet() -> None:
    key = _rsa(1024)
    connection = _Card(CardActiveAuthentication(key))
    result = perform_active_authentication(ApduChannel(connection), _spki(key))
    assert result.ok and result.status is StepStatus.PASSED
    apdu = connection.sent[0]
    assert apdu[:5] == bytes.fromhex("0088000008") and apdu[5:13] == result.challenge and apdu[13:] == b"\x00"


def test_server_supplied_challenge_is_used() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    connection = _Card(CardActiveAuthentication(key, hash_name="sha256"))
    challenge = bytes.fromhex("0011223344556677")
    info = ActiveAuthenticationInfo("2.23.136.1.1.5", 1, "1.2.840.10045.4.3.2")
    result = perform_active_authentication(ApduChannel(connection), _spki(key), (info,), challenge=challenge)
    assert result.ok and result.challenge == challenge and connection.sent[0][5:13] == challenge


def test_fresh_challenges_differ() -> None:
    key = _rsa(1024)
    seen = {
        perform_active_authentication(ApduChannel(_Card(CardActiveAuthentication(key))), _spki(key)).challenge
        for _ in range(3)
    }
    assert len(seen) == 3


def test_clone_without_key_is_suspected() -> None:
    key = _rsa(1024)
    result = perform_active_authentication(ApduChannel(_Card(CardActiveAuthentication(None))), _spki(key))
    assert result.status is StepStatus.FAILED and result.reason == "clone-suspected"
    assert result.to_step().reason == "clone-suspected"


def test_clone_with_wrong_key_is_suspected() -> None:
    result = perform_active_authentication(
        ApduChannel(_Card(CardActiveAuthentication(_rsa(1024, "other")))), _spki(_rsa(1024))
    )
    assert result.reason == "clone-suspected"


_KEYS: dict[tuple[int, str], rsa.RSAPrivateKey] = {}


def _rsa(bits: int, label: str = "") -> rsa.RSAPrivateKey:
    if (bits, label) not in _KEYS:
        _KEYS[bits, label] = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return _KEYS[bits, label]


def _spki(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
