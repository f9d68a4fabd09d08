"""The elementary files of the LDS1 application: names, file identifiers, short EF identifiers, tags."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LdsFile:
    name: str  # "DG1", "COM", "SOD", "CardAccess"
    fid: int
    sfi: int | None
    tag: int | None  # outer tag of the file's TLV (None for EF.CardAccess: a bare SET)
    in_master_file: bool = False


def _dg(number: int, tag: int) -> LdsFile:
    return LdsFile(f"DG{number}", 0x0100 + number, number, tag)


CARD_ACCESS = LdsFile("CardAccess", 0x011C, 0x1C, None, in_master_file=True)
COM = LdsFile("COM", 0x011E, 0x1E, 0x60)
SOD = LdsFile("SOD", 0x011D, 0x1D, 0x77)
DATA_GROUPS = {
    n: _dg(n, tag)
    for n, tag in {
        1: 0x61, 2: 0x75, 3: 0x63, 4: 0x76, 5: 0x65, 6: 0x66, 7: 0x67, 8: 0x68,
        9: 0x69, 10: 0x6A, 11: 0x6B, 12: 0x6C, 13: 0x6D, 14: 0x6E, 15: 0x6F, 16: 0x70,
    }.items()
}
BY_NAME = {f.name: f for f in (CARD_ACCESS, COM, SOD, *DATA_GROUPS.values())}
BY_TAG = {f.tag: f for f in BY_NAME.values() if f.tag is not None}


def by_name(name: str) -> LdsFile:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown LDS file {name!r}") from None
