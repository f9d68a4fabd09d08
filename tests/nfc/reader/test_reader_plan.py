"""The reading plan against the in-process virtual CCCD: access choice, per-file statuses, fallbacks,
SM failures, removal, and the APDU economy the plan promises."""

from __future__ import annotations

import dataclasses
import math

import pytest

from nfc.access.keys import CanKey, MrzKey
from nfc.errors import CardRemovedError, WrongKeyError
from nfc.lds.mrz import parse_mrz
from nfc.model import FileStatus
from nfc.reader import ReadPlan, read_card
from nfc.transport.memory import MemoryConnection
from nfc.virtual.builder import VirtualCccd
from nfc.virtual.card import CardContent, CardSettings, VirtualCard
from nfc.virtual.faults import FaultPlan

NO_CHIP_AUTH = ReadPlan(chip_authentication=False, active_authentication=False)


def mrz_key(built: VirtualCccd) -> MrzKey:
    return parse_mrz("\n".join(built.mrz)).access_key()


def test_pace_with_can_reads_every_file_in_order(built_card: VirtualCccd) -> None:
    card = built_card.card()
    events: list[str] = []
    early: list[tuple[object, object]] = []

    result = read_card(
        MemoryConnection(card), CanKey(built_card.citizen.can), NO_CHIP_AUTH,
        progress=lambda p: events.append(f"{p.step}:{p.name}"),
        on_early_data=lambda mrz, dg13: early.append((mrz, dg13)),
    )

    assert result.access.protocol == "PACE" and result.access.password == "CAN"
    assert result.access.mechanism == "PACE-ECDH-GM-AES-128 brainpoolP256r1"
    assert result.complete
    for name in ("COM", "DG1", "DG2", "DG13", "DG14", "DG15", "SOD"):
        assert result.files[name].status is FileStatus.OK, name
        assert result.files[name].data == built_card.file(name)
    assert "DG3" not in result.files  # EAC-only biometrics are not asked for by default
    assert result.personal_data is not None and result.personal_data.id_number == built_card.citizen.id_number
    assert result.mrz is not None and result.mrz.cccd_id_number == built_card.citizen.id_number
    assert result.faces and result.faces[0].data and result.faces[0].decode().size == (360, 480)
    # identity first (speculative look-ups), the big photo last
    assert events.index("file:DG13") < events.index("file:DG2")
    assert len(early) == 1 and early[0][1] is not None
    assert "123" not in repr(result) and built_card.citizen.full_name not in repr(result)


def test_apdu_economy_no_select_no_probe(built_card: VirtualCccd) -> None:
    result = read_card(MemoryConnection(built_card.card()), CanKey(built_card.citizen.can), NO_CHIP_AUTH)
    for name in ("DG1", "DG2", "DG13", "DG14", "DG15", "SOD"):
        size = len(built_card.file(name))
        assert result.files[name].apdus == math.ceil(size / 223), name  # SFI read: no SELECT, no probe


def test_mrz_key_falls_back_to_bac_when_pace_mrz_is_refused(built_card: VirtualCccd) -> None:
    result = read_card(MemoryConnection(built_card.card()), mrz_key(built_card), NO_CHIP_AUTH)
    assert result.access.protocol == "BAC"
    assert result.access.fallback_reason
    assert result.complete and result.files["DG13"].data == built_card.file("DG13")


def test_pace_with_mrz_when_the_card_accepts_it(built_card: VirtualCccd) -> None:
    card = VirtualCard(built_card.content, built_card.secrets, CardSettings(pace_mrz=True))
    result = read_card(MemoryConnection(card), mrz_key(built_card), NO_CHIP_AUTH)
    assert (result.access.protocol, result.access.password) == ("PACE", "MRZ")


def test_bac_when_the_card_has_no_card_access(built_card: VirtualCccd) -> None:
    content = dataclasses.replace(built_card.content, card_access=None)
    result = read_card(MemoryConnection(VirtualCard(content, built_card.secrets)), mrz_key(built_card), NO_CHIP_AUTH)
    assert result.access.protocol == "BAC" and "PACEInfo" in (result.access.fallback_reason or "")
    assert result.complete


def test_wrong_can_is_a_wrong_key_error(built_card: VirtualCccd) -> None:
    wrong = "000000" if built_card.citizen.can != "000000" else "111111"
    with pytest.raises(WrongKeyError):
        read_card(MemoryConnection(built_card.card()), CanKey(wrong), NO_CHIP_AUTH)


def test_locked_dg3_is_reported_not_fatal(built_card: VirtualCccd) -> None:
    plan = dataclasses.replace(NO_CHIP_AUTH, files=("DG1", "DG3", "DG13", "SOD"))
    result = read_card(MemoryConnection(built_card.card()), CanKey(built_card.citizen.can), plan)
    assert result.files["DG3"].status is FileStatus.LOCKED
    assert result.files["DG13"].status is FileStatus.OK
    assert result.complete


def test_absent_file_is_reported(built_card: VirtualCccd) -> None:
    plan = dataclasses.replace(NO_CHIP_AUTH, files=("DG1", "DG11", "SOD"))
    result = read_card(MemoryConnection(built_card.card()), CanKey(built_card.citizen.can), plan)
    assert result.files["DG11"].status is FileStatus.ABSENT
    assert result.complete


@pytest.mark.parametrize("fault", ["bad-mac-at=20", "plain-sw-at=25:6988", "bad-mac-at=9"])
def test_sm_failure_reauthenticates_and_resumes(built_card: VirtualCccd, fault: str) -> None:
    card = built_card.card(faults=FaultPlan.parse(fault))
    result = read_card(MemoryConnection(card), CanKey(built_card.citizen.can), NO_CHIP_AUTH)
    assert result.complete
    for name in ("DG1", "DG2", "DG13", "SOD"):
        assert result.files[name].data == built_card.file(name), name
    assert card.protocols_used.count("PACE") == 1  # the last power cycle's session only
    assert result.apdu_count > read_card(
        MemoryConnection(built_card.card()), CanKey(built_card.citizen.can), NO_CHIP_AUTH).apdu_count


def test_card_removed_mid_read_raises_and_gives_no_result(built_card: VirtualCccd) -> None:
    card = built_card.card(faults=FaultPlan(remove_after=30))
    with pytest.raises(CardRemovedError):
        read_card(MemoryConnection(card), CanKey(built_card.citizen.can), NO_CHIP_AUTH)


def test_small_block_chip_gets_smaller_blocks(built_card: VirtualCccd) -> None:
    card = VirtualCard(built_card.content, built_card.secrets, CardSettings(max_short_le=192))
    result = read_card(MemoryConnection(card), CanKey(built_card.citizen.can), NO_CHIP_AUTH)
    assert result.complete
    assert result.files["DG2"].data == built_card.file("DG2")
    assert result.files["DG2"].apdus >= math.ceil(len(built_card.file("DG2")) / 160)


def test_extended_length_only_when_both_sides_allow(built_card: VirtualCccd) -> None:
    key = CanKey(built_card.citizen.can)
    both = VirtualCard(built_card.content, built_card.secrets, CardSettings(extended_length=True))
    result = read_card(MemoryConnection(both, extended_length=True), key, NO_CHIP_AUTH)
    assert result.complete and result.files["DG2"].apdus <= math.ceil(len(built_card.file("DG2")) / 4096)
    reader_only = built_card.card()  # chip does not advertise extended length
    short = read_card(MemoryConnection(reader_only, extended_length=True), key, NO_CHIP_AUTH)
    assert short.files["DG2"].apdus == math.ceil(len(built_card.file("DG2")) / 223)


def test_odd_ins_read_beyond_32767(built_card: VirtualCccd) -> None:
    big = bytes(range(256)) * 160  # 40 KB payload
    from nfc.lds.tlv import encode_tlv

    dg11 = encode_tlv(0x6B, big)
    files = dict(built_card.content.files) | {0x010B: dg11}
    card = VirtualCard(CardContent(files, card_access=built_card.content.card_access), built_card.secrets)
    plan = dataclasses.replace(NO_CHIP_AUTH, files=("DG1", "DG11", "SOD"))
    result = read_card(MemoryConnection(card), CanKey(built_card.citizen.can), plan)
    assert result.files["DG11"].data == dg11
    assert any(ins == 0xB1 for ins, _, _ in card.log)


def test_corrupt_file_is_failed_and_the_read_is_not_complete(built_card: VirtualCccd) -> None:
    files = dict(built_card.content.files)
    dg13 = bytearray(files[0x010D])
    dg13[5] = 0x85  # a length byte inside DG13 that now points past the end
    files[0x010D] = bytes(dg13)
    card = VirtualCard(CardContent(files, card_access=built_card.content.card_access), built_card.secrets)
    result = read_card(MemoryConnection(card), CanKey(built_card.citizen.can), NO_CHIP_AUTH)
    assert result.files["DG13"].status is FileStatus.FAILED
    assert result.files["DG13"].error and result.files["DG13"].error.startswith("bad-data")
    assert result.personal_data is None
    assert not result.complete


def test_declared_length_beyond_the_file_is_not_complete(built_card: VirtualCccd) -> None:
    files = dict(built_card.content.files)
    files[0x010D] = bytes.fromhex("6D820400") + b"\x30" * 20  # says 1 KiB, holds 20 bytes
    card = VirtualCard(CardContent(files, card_access=built_card.content.card_access), built_card.secrets)
    result = read_card(MemoryConnection(card), CanKey(built_card.citizen.can), NO_CHIP_AUTH)
    assert result.files["DG13"].status is FileStatus.FAILED
    assert not result.complete
