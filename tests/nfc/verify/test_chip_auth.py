"""Chip Authentication: byte-exact against the real traces (icao-vectors §9d AES Set AT + GA, §9e 3DES
Set KAT), the card-side applet for every cipher and ECDH/DH, clones, key selection, and the PACE-CAM
check (ICAO Appendix I.1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dh, ec

from nfc.crypto.curves import domain_parameters
from nfc.errors import SecureMessagingError
from nfc.iso7816.apdu import CommandApdu, ResponseApdu
from nfc.iso7816.channel import ApduChannel
from nfc.lds.dg14 import parse_dg14
from nfc.lds.security_infos import ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, SecurityInfo
from nfc.sm.session import SmSession
from nfc.transport.base import CardConnection
from nfc.verify.chip import ID_PK_DH, ID_PK_ECDH, check_pace_cam, choose_protocol, perform_chip_authentication
from nfc.verify.report import StepStatus
from nfc.virtual.card_chip_auth import CardChipAuthentication
from nfc.virtual.card_sm import CardSmSession
from nfc.virtual.test_pki import explicit_ec_spki

DG14_DE = bytes.fromhex(
    "6E82019A31820196300D060804007F00070202020201013012060A04007F0007020204020202010202010D3012060A04007F0007020204"
    "060202010202010D3013060A04007F00070202030202020101020200C330820146060904007F000702020102308201333081EC06072A86"
    "48CE3D02013081E0020101302C06072A8648CE3D0101022100A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F"
    "6E5377304404207D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9042026DC5C6CE94A4B44F330B5D9BB"
    "D77CBF958416295CF7E1CE6BCCDC18FF8C07B60441048BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262"
    "547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997022100A9FB57DBA1EEA9BC3E660A909D838D718C397A"
    "A3B561A6F7901E0E82974856A7020101034200047036BC5D0BCF31913B59103BB6F2C0C98C99EF4C19B9517340B76BFE4EE2194C76C3"
    "F3314E021D4B092DB5A32AB7D6E297F2FBEAE45AA28DEFC4DA750FEAD54E020200C3"
)


class Scripted(CardConnection):
    """Checks every C-APDU byte for byte against a trace and answers with the traced R-APDU; after the
    trace, ``tail`` answers (computed with the card-side SM for the proof read)."""

    def __init__(self, script: list[tuple[str, str]], tail: Callable[[bytes], bytes] | None = None) -> None:
        self.script = [(bytes.fromhex(c), bytes.fromhex(r)) for c, r in script]
        self.tail = tail

    def transmit(self, apdu: bytes) -> bytes:
        if not self.script:
            assert self.tail is not None, "more commands than the trace has"
            return self.tail(apdu)
        expected, answer = self.script.pop(0)
        assert apdu.hex().upper() == expected.hex().upper()
        return answer

    @property
    def atr(self) -> bytes:
        return b""

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def _card_reader(cipher: str, ks_enc: str, ks_mac: str, traced: list[str], data: bytes) -> Callable[[bytes], bytes]:
    """Card side of the proof read under the new keys: replays the traced commands first (checking
    our card SM agrees with the trace), then answers READ BINARY with ``data``."""
    card = CardSmSession(cipher, bytes.fromhex(ks_enc), bytes.fromhex(ks_mac), 0)
    for command_hex, response_hex in zip(traced[::2], traced[1::2], strict=True):
        card.unprotect_command(CommandApdu.decode(bytes.fromhex(command_hex)))
        assert card.protect_response(ResponseApdu.status(0x9000)).encode().hex().upper() == response_hex.upper()

    def answer(apdu: bytes) -> bytes:
        command = card.unprotect_command(CommandApdu.decode(apdu))
        assert command.ins == 0xB0 and command.le == 4
        return card.protect_response(ResponseApdu.status(0x9000, data[:4])).encode()

    return answer


def test_trace_9d_aes_set_at_general_authenticate() -> None:
    new_select = (
        "0CA4020C1D871101FAD37EADBCDE7E6A0833035A9FFF5B708E0836560BBCE1FECD5F00",
        "990290008E0829D0E1EBBB61BE7A9000",
    )
    connection = Scripted(
        [
            (
                "0C2241A41D871101980953D37F67558690045D78A853B18A8E08929767A2CEF172E200",
                "990290008E08FC873EBB62219C8A9000",
            ),
            (
                "0C8600006087510161912C367A6322D24AA1D4522DC47A7345369257672DF1D1163D506EB6489395D8083FAD393A394297CE8703C4"
                "2F22C864C1F4C8E70EE1CF9B497ACF6579190D90F36CF9E16FE2149FF57247285D9E1E9701008E08A1D7A16EFBFD932C00",
                "87110123E7159AC9B0EF92CE1F6755B89697E3990290008E088972F1595E1508C29000",
            ),
            new_select,
        ],
        tail=_card_reader(
            "AES-128", "AF0EEDB52E87B945FC5503B1C6875C1C", "CEB85BEDCECFF1DD1E25DFB672C4A5BF", list(new_select), DG14_DE
        ),
    )
    channel = ApduChannel(
        connection,
        sm=SmSession(
            "AES-128",
            bytes.fromhex("CC86415F2ED7E8FD663B754265695AE1"),
            bytes.fromhex("581E84B8EE06C4D3EEE30461498D7FB3"),
            0xBA,
        ),
    )
    terminal_sk = bytes.fromhex("84A5145885678EE9307C28C52736896267511203B7B8009C5FE27ABCBAECDCAA")
    result = perform_chip_authentication(channel, parse_dg14(DG14_DE), random_bytes=lambda n: terminal_sk, dg14=DG14_DE)
    assert result.ok, result.detail
    assert result.key_id == 0xC3 and result.mechanism == "CA-ECDH-AES-128 brainpoolP256r1"
    assert channel.sm is result.session and channel.sm is not None and channel.sm.cipher_name == "AES-128"


def test_trace_9e_3des_set_kat_without_ca_info() -> None:
    point = bytes.fromhex(
        "048367FC170D90AD53A28C6526A9C7EC4F5C59C4F7F5D992583F951A1654B4D1D6332163A33D82CBF24515"
        "4887A8812ED9A55C15AD9D5C5C463851875BBA9AEABD"
    )
    named = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    infos = [ChipAuthenticationPublicKeyInfo(ID_PK_ECDH, explicit_ec_spki(named), None)]
    new_select = ("0ca4020c15870901db66e918fe3525f98e08d870008cea2ba80000", "990290008e08420dea0a913418ae9000")
    connection = Scripted(
        [
            (
                "0c2241a65d8751013ae386873df68bd7e9f8d7ab2e696ced29eeb8da78d502645b5e97d566361341e2eaa56318f6d84bf0bc44f7"
                "808afaf14798d16048aab03545f017f557d2cce9dee724f099e3d643abd0fb03e567d9b18e08f2d238dede5abbf100",
                "990290008e089666ac14d11e8c2c9000",
            ),
            new_select,
        ],
        tail=_card_reader(
            "3DES",
            "8ae910a12991fbfe5e37c2c726a2df29",
            "1adac8970843d9bf8570737a04a8d50d",
            list(new_select),
            b"\x6e\x82\x01\x00",
        ),
    )
    # icao-vectors §9e says "SSC 0" for the old session; the traced APDU decrypts only with SSC 0xC6
    # before the command (gmrtd's test runs after other protected commands).
    channel = ApduChannel(
        connection,
        sm=SmSession(
            "AES-256",
            bytes.fromhex("17da5d46e356f5b31c3d65b1369ef531ca811effc76967d2b62335e1ad9fe5cb"),
            bytes.fromhex("5cb99a25e6081581fac80c8da621087939b6bde273f2f7c65693b3a0ea3051ed"),
            0xC6,
        ),
    )
    terminal_sk = bytes.fromhex("d9c3b06a4dcb735351429403fcb56db520dc882512d775971f724d6112f96586")
    result = perform_chip_authentication(channel, infos, random_bytes=lambda n: terminal_sk)
    assert result.ok, result.detail
    assert result.protocol == "0.4.0.127.0.7.2.2.3.2.1" and result.mechanism.startswith("CA-ECDH-3DES")


class AppletCard(CardConnection):
    """Old SM session + CardChipAuthentication + a DG14 file, like the virtual card's CA path."""

    def __init__(self, applet: CardChipAuthentication, cipher: str, dg14: bytes) -> None:
        self.applet = applet
        self.sm = CardSmSession(cipher, bytes(16) if cipher != "AES-256" else bytes(32), bytes(range(16)), 0)
        self.dg14 = dg14

    def transmit(self, apdu: bytes) -> bytes:
        sm = self.sm
        try:
            command = sm.unprotect_command(CommandApdu.decode(apdu))
        except SecureMessagingError:
            return bytes.fromhex("6988")
        new = None
        if command.ins in (0x22, 0x86):
            response, new = self.applet.handle(command)
        elif command.ins == 0xA4:
            response = ResponseApdu.status(0x9000)
        else:
            response = ResponseApdu.status(0x9000, self.dg14[: command.le or 0])
        wrapped = sm.protect_response(response).encode()
        if new is not None:
            self.sm = new
        return wrapped

    @property
    def atr(self) -> bytes:
        return b""

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def _spki(key: ec.EllipticCurvePrivateKey | dh.DHPrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _run(
    private: object,
    infos: list[SecurityInfo],
    applet_key: object = None,
    key_id: int | None = None,
    cipher: str = "AES-128",
) -> tuple[StepStatus, str | None, ApduChannel]:
    dg14 = b"\x6e\x10" + bytes(16)
    applet = CardChipAuthentication(private if applet_key is None else applet_key, infos, key_id=key_id)
    card = AppletCard(applet, cipher, dg14)
    channel = ApduChannel(
        card, sm=SmSession(cipher, bytes(16) if cipher != "AES-256" else bytes(32), bytes(range(16)), 0)
    )
    result = perform_chip_authentication(channel, infos, dg14=dg14)
    return result.status, result.reason, channel


@pytest.mark.parametrize("suffix,cipher", [(1, "3DES"), (2, "AES-128"), (3, "AES-192"), (4, "AES-256")])
def test_ecdh_every_cipher_against_the_applet(suffix: int, cipher: str) -> None:
    key = ec.generate_private_key(ec.BrainpoolP256R1())
    infos: list[SecurityInfo] = [
        ChipAuthenticationPublicKeyInfo(ID_PK_ECDH, explicit_ec_spki(_spki(key)), None),
        ChipAuthenticationInfo(f"0.4.0.127.0.7.2.2.3.2.{suffix}", 1, None),
    ]
    status, reason, channel = _run(key, infos)
    assert status is StepStatus.PASSED, reason
    assert channel.sm is not None and channel.sm.cipher_name == cipher


def test_dh_chip_authentication() -> None:
    group = domain_parameters(2)  # RFC 5114 2048-bit MODP with 256-bit subgroup
    params = dh.DHParameterNumbers(group.p, group.g, group.q).parameters()  # type: ignore[union-attr]
    key = params.generate_private_key()
    infos: list[SecurityInfo] = [
        ChipAuthenticationPublicKeyInfo(ID_PK_DH, _spki(key), 1),
        ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.1.2", 1, 1),
    ]
    status, reason, _ = _run(key, infos, key_id=1)
    assert status is StepStatus.PASSED, reason


def test_clone_without_the_private_key_is_suspected() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    infos: list[SecurityInfo] = [
        ChipAuthenticationPublicKeyInfo(ID_PK_ECDH, _spki(key), None),
        ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.2", 1, None),
    ]
    status, reason, channel = _run(None, infos, applet_key=None)
    assert status is StepStatus.FAILED and reason == "clone-suspected"
    assert channel.sm is None  # the session is gone; the reader must re-authenticate


def test_clone_with_a_wrong_key_is_suspected() -> None:
    key, wrong = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    infos: list[SecurityInfo] = [ChipAuthenticationPublicKeyInfo(ID_PK_ECDH, _spki(key), None)]
    status, reason, _ = _run(key, infos, applet_key=wrong, cipher="AES-128")
    assert status is StepStatus.FAILED and reason == "clone-suspected"


def test_key_id_selection_prefers_strongest_matching_pair() -> None:
    a = ChipAuthenticationPublicKeyInfo(ID_PK_ECDH, b"\x30\x00", 1)
    b = ChipAuthenticationPublicKeyInfo(ID_PK_ECDH, b"\x30\x01", 2)
    infos: list[SecurityInfo] = [
        a,
        b,
        ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.1", 1, 1),
        ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.4", 1, 2),
    ]
    choice = choose_protocol(infos)
    assert choice is not None and choice.key is b and choice.cipher == "AES-256" and choice.key_id == 2
    assert choose_protocol([ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.2", 1, None)]) is None


def test_no_ca_key_is_skipped() -> None:
    result = perform_chip_authentication(ApduChannel(Scripted([])), [])
    assert result.status is StepStatus.SKIPPED


# ICAO 9303-11 Appendix I.1 (icao-vectors §8)
CAM_PK_MAP_IC = bytes.fromhex(
    "04A234236AA9B9621E8EFB73B5245C0E09D2576E5277183C1208BDD55280CAE8B304F365713A356E65A451E165ECC9AC0AC46E3771342C"
    "8FE5AEDD092685338E23"
)
CAM_CA_IC = bytes.fromhex("85DC3FA93D0952BFA82F5FD189EE75BD82F11D1F0B8ED4BF5319AC9B53C426B3")
CAM_PK_INFO = bytes.fromhex(
    "3062060904007F0007020201023052300C060704007F0007010202010D034200041872709494399E7470A6431BE25E83EEE24FEA568C2E"
    "D28DB48E05DB3A610DC884D256A40E35EFCB59BF6753D3A489D28C7A4D973C2DA138A6E7A4A08F68E16F02010D"
)


def _cam_spki() -> bytes:
    # ChipAuthenticationPublicKeyInfo ::= SEQUENCE { protocol OID, chipAuthenticationPublicKey SPKI, keyId }
    from asn1crypto import core

    return bytes(core.Sequence.load(CAM_PK_INFO)[1].dump())


def test_pace_cam_appendix_i1() -> None:
    step = check_pace_cam(CAM_PK_MAP_IC, CAM_CA_IC, _cam_spki())
    assert step.status is StepStatus.PASSED and step.algorithm == "brainpoolP256r1"


def test_pace_cam_detects_a_wrong_ca_value() -> None:
    wrong = CAM_CA_IC[:-1] + bytes([CAM_CA_IC[-1] ^ 1])
    step = check_pace_cam(CAM_PK_MAP_IC, wrong, _cam_spki())
    assert step.status is StepStatus.FAILED and step.reason == "clone-suspected"


def test_pace_cam_from_a_pace_result() -> None:
    from types import SimpleNamespace

    from nfc.verify.chip import check_pace_cam_result

    info = ChipAuthenticationPublicKeyInfo(ID_PK_ECDH, _cam_spki(), 13)
    cam = SimpleNamespace(mapping="CAM", chip_mapping_public_key=CAM_PK_MAP_IC, ca_data=CAM_CA_IC)
    step = check_pace_cam_result(cam, [info])
    assert step is not None and step.status is StepStatus.PASSED
    assert check_pace_cam_result(SimpleNamespace(mapping="GM"), [info]) is None
    missing = check_pace_cam_result(cam, [])
    assert missing is not None and missing.status is StepStatus.NOT_CHECKED
