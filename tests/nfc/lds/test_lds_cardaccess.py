"""SecurityInfos: the CCCD EF.CardAccess (cccd-chip.md §2), the BSI 201-byte EF.CardAccess
(icao-vectors.md §10) and the DE DG14 of icao-vectors.md §9d."""

from __future__ import annotations

import pytest

from nfc.errors import ParseError
from nfc.lds.cardaccess import build_security_infos, parse_security_infos
from nfc.lds.dg14 import build_dg14, parse_dg14
from nfc.lds.security_infos import (
    ActiveAuthenticationInfo,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo,
    PaceDomainParameterInfo,
    PaceInfo,
    TerminalAuthenticationInfo,
    UnknownSecurityInfo,
)

CCCD_CARD_ACCESS = bytes.fromhex(
    "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d"
)
BSI_CARD_ACCESS = bytes.fromhex(
    "3181C6300D060804007F00070202020201023012060A04007F000702020302020201020201013012060A04007F0007020204020202"
    "010202010D301C060904007F000702020302300C060704007F0007010202010D020101302F060804007F00070202061623687474"
    "70733A2F2F7777772E686A702D636F6E73756C74696E672E636F6D2F686F6D65303E060804007F000702020831323012060A0400"
    "7F00070202030202020102020102301C060904007F000702020302300C060704007F0007010202010D020102"
)
DE_DG14 = bytes.fromhex(
    "6E82019A31820196300D060804007F00070202020201013012060A04007F0007020204020202010202010D3012060A04007F0007"
    "020204060202010202010D3013060A04007F00070202030202020101020200C330820146060904007F0007020201023082013330"
    "81EC06072A8648CE3D02013081E0020101302C06072A8648CE3D0101022100A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D5"
    "2620282013481D1F6E5377304404207D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9042026DC5C"
    "6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B60441048BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1"
    "E3BD23C23A4453BD9ACE3262547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997022100A9FB57DBA1"
    "EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7020101034200047036BC5D0BCF31913B59103BB6F2C0C98C99"
    "EF4C19B9517340B76BFE4EE2194C76C3F3314E021D4B092DB5A32AB7D6E297F2FBEAE45AA28DEFC4DA750FEAD54E020200C3"
)


def test_cccd_card_access() -> None:
    infos = parse_security_infos(CCCD_CARD_ACCESS)
    assert infos == (
        TerminalAuthenticationInfo("0.4.0.127.0.7.2.2.2", 1),
        ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.2", 1, None),
        PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13),
    )
    assert build_security_infos(infos) == CCCD_CARD_ACCESS


def test_bsi_card_access() -> None:
    infos = parse_security_infos(BSI_CARD_ACCESS)
    assert len(BSI_CARD_ACCESS) == 201
    assert infos[:3] == (
        TerminalAuthenticationInfo("0.4.0.127.0.7.2.2.2", 2),
        ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.2", 2, 1),
        PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13),
    )
    # CA domain parameters (id-CA-ECDH), CardInfoLocator (id-CI), PrivilegedTerminalInfo (which nests
    # two more SecurityInfos): no class for them, kept raw
    unknown = infos[3:]
    assert [type(i) for i in unknown] == [UnknownSecurityInfo] * 3
    assert [i.protocol for i in unknown] == [
        "0.4.0.127.0.7.2.2.3.2", "0.4.0.127.0.7.2.2.6", "0.4.0.127.0.7.2.2.8",
    ]
    assert isinstance(unknown[1], UnknownSecurityInfo) and b"hjp-consulting" in unknown[1].raw
    assert build_security_infos(infos) == BSI_CARD_ACCESS


def test_de_dg14_explicit_parameters() -> None:
    infos = parse_dg14(DE_DG14)
    assert [type(i) for i in infos] == [
        TerminalAuthenticationInfo, PaceInfo, PaceInfo, ChipAuthenticationInfo,
        ChipAuthenticationPublicKeyInfo,
    ]
    ca = infos[3]
    pk = infos[4]
    assert isinstance(ca, ChipAuthenticationInfo) and ca.key_id == 0xC3
    assert isinstance(pk, ChipAuthenticationPublicKeyInfo)
    assert (pk.protocol, pk.key_id) == ("0.4.0.127.0.7.2.2.1.2", 0xC3)
    assert pk.subject_public_key_info[:4] == bytes.fromhex("30820133")
    assert len(pk.subject_public_key_info) == 0x137
    assert build_dg14(infos) == DE_DG14


@pytest.mark.parametrize("folder", ["bsi2008", "hjp-rsapss"])
def test_real_dg14(shared_data, folder: str) -> None:  # type: ignore[no-untyped-def]
    data = (shared_data / "lds" / folder / "Datagroup14.bin").read_bytes()
    infos = parse_dg14(data)
    kinds = {type(i) for i in infos}
    assert {ChipAuthenticationPublicKeyInfo, ChipAuthenticationInfo, TerminalAuthenticationInfo} <= kinds
    assert build_dg14(infos) == data


def test_spki_kept_byte_for_byte(shared_data) -> None:  # type: ignore[no-untyped-def]
    data = (shared_data / "lds" / "bsi2008" / "Datagroup14.bin").read_bytes()
    key_info = next(i for i in parse_dg14(data) if isinstance(i, ChipAuthenticationPublicKeyInfo))
    spki = key_info.subject_public_key_info
    assert spki[:2] == b"\x30\x82" and len(spki) == 4 + int.from_bytes(spki[2:4], "big")
    assert data.index(spki) > 0  # explicit brainpool parameters: loading the key is nfc.verify's job


def test_domain_parameter_and_aa_infos_round_trip() -> None:
    infos = (
        PaceDomainParameterInfo("0.4.0.127.0.7.2.2.4.2", bytes.fromhex("300C060704007F0007010202010D"), 7),
        ActiveAuthenticationInfo("2.23.136.1.1.5", 1, "1.2.840.10045.4.3.2"),
    )
    assert parse_security_infos(build_security_infos(infos)) == infos


def test_empty_set() -> None:
    assert parse_security_infos(bytes.fromhex("3100")) == ()


@pytest.mark.parametrize(
    "hexdata",
    [
        "3003020101",  # not a SET
        "31050403010203",  # SET member not a SEQUENCE
        "3105300306012B",  # SecurityInfo without requiredData
        "310830060600020101",  # empty OID
        "3134",  # truncated
        "31847FFFFFFF",  # absurd length
    ],
)
def test_malformed(hexdata: str) -> None:
    with pytest.raises(ParseError):
        parse_security_infos(bytes.fromhex(hexdata))
