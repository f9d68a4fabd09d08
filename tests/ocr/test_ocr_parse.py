"""Check digits, layouts and field-type decoding, on ICAO 9303 specimens and the synthetic CCCD of the notes."""

from __future__ import annotations

import numpy as np
import pytest

from ocr.mrz import parse
from ocr.mrz.checks import check_digit
from ocr.mrz.parse import (
    BLUR_OBJECTOR_VETO,
    CLASSES,
    OBJECTOR_VETO,
    MrzResult,
    check_blind_disagreement,
    check_digits_passed,
    confirms,
    contradicted,
    decode,
    evaluate,
    faint_overload,
    holds_still,
    network_mend,
    no_twin_seen,
    objector_vetoes,
    passes_check_digits,
    rival_under,
    split_name,
    surely_mended,
    unambiguous_under,
    unchecked_glyphs,
)

TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
CCCD = ("IDVNM0900000018001090000001<<9", "9001011M3001019VNM<<<<<<<<<<<6", "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<")


def onehot(lines: tuple[str, ...], p: float = 0.97) -> list[np.ndarray]:
    out = []
    for line in lines:
        m = np.full((len(line), len(CLASSES)), (1 - p) / (len(CLASSES) - 1), np.float32)
        for i, c in enumerate(line):
            m[i, CLASSES.index(c)] = p
        out.append(m)
    return out


def test_icao_check_digits() -> None:
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("120415") == "9"
    assert check_digit("D23145890") == "7"


def test_check_digits_passed_counts_the_layouts_check_digits() -> None:
    assert check_digits_passed(evaluate("TD3", TD3)) == (5, 5)  # number, birth, expiry, personal, composite
    assert check_digits_passed(evaluate("TD1-CCCD", CCCD)) == (5, 5)  # … and the ID number's
    broken = (TD1[0], TD1[1][:6] + "0" + TD1[1][7:], TD1[2])  # the birth-date check digit, and so the composite
    assert check_digits_passed(evaluate("TD1", broken)) == (2, 4)


def test_a_reading_is_contradicted_by_another_passing_reading_of_a_covered_character() -> None:
    reading = evaluate("TD1", TD1)
    twin = evaluate("TD1", (TD1[0].replace("D23", "N23"), TD1[1], TD1[2]))  # `D`/`N`: 10 apart, check-blind
    assert passes_check_digits(twin) and twin.lines != reading.lines
    assert contradicted(reading, [twin]) and contradicted(twin, [reading])
    assert not contradicted(reading, [reading])
    # another name is not a covered character: the confirming rules look after names
    renamed = evaluate("TD1", (TD1[0], TD1[1], TD1[2].replace("ANNA", "ANNE")))
    assert not contradicted(reading, [renamed])
    # another format, or text that is no reading of the same MRZ (another candidate), says nothing
    assert not contradicted(reading, [evaluate("TD3", TD3)])
    other = evaluate("TD1", (TD1[0], "1111111M1111111UTO<<<<<<<<<<<1", "ZZZZZZZZ<<ZZZZ<ZZZZZ<<<<<<<<<<"))
    assert not contradicted(reading, [other])


def test_the_blur_objector_vetoes_an_uncovered_character_it_reads_more_likely_than_not_as_another() -> None:
    # the blur objector's bar (BLUR_OBJECTOR_VETO): a name letter it reads as another letter at 0.53 refuses the
    # reading (session 16: a motion-blurred name `X` the three other networks read `I` at 0.95-0.99)
    reading = evaluate("TD3", TD3)
    name_a = TD3[0].index("ANNA")
    for p, char, vetoed in ((0.53, "K", True), (0.45, "K", False), (0.9, "4", False)):
        probs = onehot(TD3, 0.97)
        probs[0][name_a] = (1 - p) / (len(CLASSES) - 1)
        probs[0][name_a][CLASSES.index(char)] = p
        assert objector_vetoes(reading, probs, BLUR_OBJECTOR_VETO) is vetoed, (p, char)
        assert not objector_vetoes(reading, probs)  # under the objector's own bar, 0.9, none of them
    assert BLUR_OBJECTOR_VETO < OBJECTOR_VETO


def test_the_objector_vetoes_an_uncovered_character_it_reads_surely_as_another_the_field_allows() -> None:
    reading = evaluate("TD3", TD3)
    assert not objector_vetoes(reading, onehot(TD3, 0.97))
    # a name `A` of "ANNA" the objector reads `K` surely: refused; unsurely, or as a character the field cannot
    # hold (a digit in a name), not
    name_a = TD3[0].index("ANNA")
    for p, char, vetoed in ((0.95, "K", True), (0.85, "K", False), (0.99, "4", False)):
        probs = onehot(TD3, 0.97)
        probs[0][name_a] = (1 - p) / (len(CLASSES) - 1)
        probs[0][name_a][CLASSES.index(char)] = p
        assert objector_vetoes(reading, probs) is vetoed, (p, char)
    # a single filler between name parts read `K`: vetoed (session 15: `U<LUYT` for `UKLUYT`) ...
    between = TD3[0].index("<MARIA")
    probs = onehot(TD3, 0.97)
    probs[0][between][:] = 0.001
    probs[0][between][CLASSES.index("K")] = 0.96
    assert objector_vetoes(reading, probs)
    # ... but not a filler in the run that ends the name, nor a covered character (the check digits judge it)
    for position in (TD3[0].index("<<<<"), len(TD3[0]) - 1):
        probs = onehot(TD3, 0.97)
        probs[0][position][:] = 0.001
        probs[0][position][CLASSES.index("K")] = 0.96
        assert not objector_vetoes(reading, probs), position
    probs = onehot(TD3, 0.97)
    probs[1][0][:] = 0.001
    probs[1][0][CLASSES.index("E")] = 0.99
    assert not objector_vetoes(reading, probs)


def test_specimens_validate() -> None:
    td3 = evaluate("TD3", TD3)
    assert td3.valid and td3.fields["document_number"] == "L898902C3"
    td1 = evaluate("TD1", TD1)
    assert td1.valid and td1.fields["birth_date"] == "740812"
    assert split_name(td1.fields["name"]) == ("ERIKSSON", "ANNA MARIA")


def test_cccd_fields_and_can() -> None:
    r = evaluate("TD1-CCCD", CCCD)
    assert r.valid and r.cccd
    assert r.fields["id_number"] == "001090000001"
    assert r.fields["can"] == "000001"
    assert r.fields["document_number"] == "090000001"
    assert r.fields["expiry_date"] == "300101"


def test_any_single_substitution_in_checked_fields_is_caught() -> None:
    lines = list(CCCD)
    for pos in range(5, 30):
        for c in "0123456789":
            if c == lines[0][pos]:
                continue
            bad = (lines[0][:pos] + c + lines[0][pos + 1 :], lines[1], lines[2])
            assert not evaluate("TD1-CCCD", bad).valid


def test_decode_maps_confusables_by_field_type() -> None:
    probs = onehot(CCCD)
    # the reader saw a letter O where a birth-date digit 0 is printed: digit field → corrected
    probs[1][1] = probs[1][1] * 0 + 0.001
    probs[1][1][CLASSES.index("O")] = 0.9
    probs[1][1][CLASSES.index("0")] = 0.08
    r = decode("TD1", probs)
    assert r.valid and r.lines == CCCD


def test_decode_refuses_non_confusable_or_unsure_characters() -> None:
    probs = onehot(CCCD)
    probs[1][1] = 0.001
    probs[1][1][CLASSES.index("X")] = 0.95  # X is no digit look-alike
    assert not decode("TD1", probs).valid
    probs = onehot(CCCD)
    probs[2][3] = 1.0 / len(CLASSES)  # name (no check digit): an unsure letter must make the read invalid
    assert not decode("TD1", probs).valid


def test_decode_generic_td3() -> None:
    r = decode("TD3", onehot(TD3))
    assert r.valid and r.format == "TD3" and not r.cccd


def test_repr_masks_personal_data() -> None:
    r = evaluate("TD1-CCCD", CCCD)
    assert "NGUYEN" not in repr(r) and "001090000001" not in repr(r)


def glyph_row(mix: dict[str, float]) -> np.ndarray:
    """Class probabilities of one glyph: ``mix`` plus a trace on every other class, normalised."""
    row = np.full(len(CLASSES), 1e-4, np.float32)
    for char, p in mix.items():
        row[CLASSES.index(char)] = p
    out: np.ndarray = row / row.sum()
    return out


def test_unchecked_glyph_partly_read_as_an_impossible_character_is_refused() -> None:
    # "N" of NGUYEN: 0.69 for N, 0.19 for "1" (no name holds a digit, and 1 is no twin of N), 0.1 for M.
    # Shared out among letters N would look 87 % sure; no check digit covers a name, so it is not read.
    probs = onehot(CCCD)
    probs[2][0] = glyph_row({"N": 0.69, "1": 0.19, "M": 0.1})
    result = decode("TD1", probs)
    assert result.lines[2][0] == "N" and not result.valid


def test_unchecked_glyph_split_with_its_confusable_twin_is_read() -> None:
    # the "O" a name cannot hold as "0": probability on its twin counts for it
    lines = (CCCD[0], CCCD[1], "NGUYEN<<VAN<O<<<<<<<<<<<<<<<<<")
    probs = onehot(lines)
    probs[2][12] = glyph_row({"O": 0.56, "0": 0.44})
    result = decode("TD1", probs)
    assert result.valid and result.lines[2] == lines[2]


def _td3_with_optional(optional: str) -> tuple[str, str]:
    from ocr.mrz.checks import check_digit

    opt = optional.ljust(14, "<")
    head = TD3[1][:28]
    line2 = head + opt + check_digit(opt)
    line2 += check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    return TD3[0], line2


def _doubt(probs: list[np.ndarray], position: int, char: str, twin: str, p: float) -> None:
    probs[1][position] = glyph_row({char: p, twin: 1 - p})


def test_two_twin_swaps_that_cancel_in_every_check_are_refused() -> None:
    # "0" → "O" adds 24 × weight; at weights 7 and 3 (optional data positions 0 and 4) the two swaps add
    # 240: "O888O" passes the same check digits as "08880". Only sure glyphs may then decide.
    truth = _td3_with_optional("08880")
    swapped = (truth[0], truth[1][:28] + "O888O" + truth[1][33:])
    assert evaluate("TD3", swapped).valid  # the check digits cannot tell
    probs = onehot(swapped)
    _doubt(probs, 28, "O", "0", 0.9)
    _doubt(probs, 32, "O", "0", 0.8)
    result = decode("TD3", probs)
    assert result.lines == swapped and not result.valid
    # read surely, the same glyphs are accepted
    sure = onehot(swapped)
    assert decode("TD3", sure).valid


def test_a_doubt_that_a_surely_read_twin_could_cancel_is_refused() -> None:
    # as seen on a fresh photo set: "B" in doubt against "8", and a "Z" read surely with a trace of "2". 8→B
    # (+3 at weight 7) and 2→Z (+33 at weight 3) add 120: "B111Z" passes the same check digits as "81112"
    truth = _td3_with_optional("81112")
    swapped = (truth[0], truth[1][:28] + "B111Z" + truth[1][33:])
    assert evaluate("TD3", swapped).valid
    probs = onehot(swapped)
    _doubt(probs, 28, "B", "8", 0.64)
    probs[1][32] = glyph_row({"Z": 0.997, "2": 0.003})
    result = decode("TD3", probs)
    assert result.lines == swapped and not result.valid
    # a "Z" without a trace of "2" leaves the doubt to the check digits
    probs[1][32] = glyph_row({"Z": 1.0})
    assert decode("TD3", probs).valid


def test_a_reading_is_unambiguous_under_another_networks_probabilities_only_if_they_see_no_rival() -> None:
    # one network read the cancelling pair "O888O" surely; the other doubts both glyphs: it sees "08880" too
    truth = _td3_with_optional("08880")
    swapped = (truth[0], truth[1][:28] + "O888O" + truth[1][33:])
    reading = decode("TD3", onehot(swapped))
    assert reading.valid
    doubting = onehot(swapped)
    _doubt(doubting, 28, "O", "0", 0.98)
    _doubt(doubting, 32, "O", "0", 0.89)
    assert not unambiguous_under(reading, doubting)
    # the same glyphs read as surely by the other network: no rival reading
    assert unambiguous_under(reading, onehot(swapped))
    # a doubt no other reading could satisfy (weights 7 and 1 do not cancel) is left to the check digits
    lone = _td3_with_optional("08088")
    lone_probs = onehot(lone)
    _doubt(lone_probs, 28, "0", "O", 0.8)
    assert unambiguous_under(decode("TD3", onehot(lone)), lone_probs)


def test_twin_doubts_that_no_other_reading_satisfies_are_accepted() -> None:
    # weights 7 and 1 (positions 0 and 2): swapping both changes the check digit, so it decides
    truth = _td3_with_optional("08088")
    probs = onehot(truth)
    _doubt(probs, 28, "0", "O", 0.8)
    _doubt(probs, 30, "0", "O", 0.8)
    result = decode("TD3", probs)
    assert result.valid and result.lines == truth


def test_a_single_swap_no_check_digit_can_see_is_refused_unless_sure() -> None:
    # "<" and "K" differ by 20 in check value: optional data "12<4" and "12K4" pass the same check digits
    truth = _td3_with_optional("12<4")
    probs = onehot(truth)
    _doubt(probs, 30, "<", "K", 0.85)
    assert not decode("TD3", probs).valid
    _doubt(probs, 30, "<", "K", 0.995)
    assert decode("TD3", probs).valid


def test_unchecked_glyphs_are_not_drawn_into_an_ambiguity() -> None:
    # the cancelling "O888O" pair is ambiguous; a name glyph read at 0.9 has nothing to do with it
    truth = _td3_with_optional("08880")
    swapped = (truth[0], truth[1][:28] + "O888O" + truth[1][33:])
    probs = onehot(swapped)
    _doubt(probs, 28, "O", "0", 0.9)
    _doubt(probs, 32, "O", "0", 0.8)
    probs[0][6] = glyph_row({swapped[0][6]: 0.9, "B": 0.1})
    result = decode("TD3", probs)
    assert not result.valid
    assert result.confidence["name"] >= 0.85


def test_after_three_fillers_the_name_holds_only_fillers() -> None:
    # a blurred chevron reads like the arms of K: in the name's trailing fillers it is a filler
    name = "NGUYEN<<KIEN<<<<<<<<<<<<<<<<<<"
    lines = (CCCD[0], CCCD[1], name)
    probs = onehot(lines)
    probs[2][20] = glyph_row({"K": 0.7, "<": 0.3})
    probs[2][8] = glyph_row({"K": 0.9, "<": 0.1})  # the K of KIEN is inside the name: left alone
    result = decode("TD1", probs)
    assert result.lines[2] == name and result.valid
    # a glyph like neither shape there is not a filler the reader saw: refused, not guessed
    probs[2][20] = glyph_row({"E": 0.9, "<": 0.1})
    refused = decode("TD1", probs)
    assert refused.lines[2][20] == "E" and not refused.valid
    # without the rule's three fillers in a row (a name running to the end), K stays a letter
    long_name = "NGUYEN<<KIEN<ABCDEFGHIJKLMNOPQ"
    probs = onehot((CCCD[0], CCCD[1], long_name))
    probs[2][29] = glyph_row({"Q": 0.9, "<": 0.1})
    assert decode("TD1", probs).lines[2] == long_name


def test_a_second_look_stands_only_where_the_first_surely_read_the_same_unchecked_fields() -> None:
    specimen = TD3
    sure = [[1.0] * 44, [1.0] * 44]
    second = evaluate("TD3", specimen, sure)
    assert second.valid
    # the first look misread the document number (a check digit covers it): the second may mend that
    misread_number = evaluate("TD3", (specimen[0], "L896" + specimen[1][4:]), sure)
    assert not misread_number.valid and confirms(misread_number, second)
    # ... but not a name, which no check digit covers: it must read the same, and surely, in both
    other_name = evaluate("TD3", (specimen[0].replace("ERIKSSON", "ERIKSSOM"), "L896" + specimen[1][4:]), sure)
    assert not confirms(other_name, second)
    unsure_name = evaluate("TD3", (specimen[0], "L896" + specimen[1][4:]), [[1.0] * 5 + [0.7] * 39, [1.0] * 44])
    assert not confirms(unsure_name, second)
    assert not confirms(evaluate("TD1", CCCD), second)


def test_a_witness_need_read_the_code_fields_only_more_likely_than_not() -> None:
    reading = evaluate("TD3", TD3, [[1.0] * 44, [1.0] * 44])
    # the document code and a state read alike at 0.6: short lists, and the reading itself read them surely
    unsure_codes = [[0.6] * 5 + [1.0] * 39, [1.0] * 10 + [0.6] * 3 + [1.0] * 31]
    witness = evaluate("TD3", TD3, unsure_codes)
    assert witness.confidence["issuing_state"] == 0.6 and witness.confidence["nationality"] == 0.6
    assert confirms(witness, reading)
    # ... but not below the code bar, nor where a second look asks for the full bar
    assert not confirms(evaluate("TD3", TD3, [[0.45] * 5 + [1.0] * 39, [1.0] * 44]), reading)
    assert not confirms(witness, reading, 0.98, 0.98)
    # names and sex keep the full bar
    unsure_sex = evaluate("TD3", TD3, [[1.0] * 44, [1.0] * 20 + [0.6] + [1.0] * 23])
    assert not confirms(unsure_sex, reading)
    # and a code field read otherwise is never vouched for, however surely
    other_state = evaluate("TD3", (TD3[0].replace("P<UTO", "P<UTA"), TD3[1]), [[1.0] * 44, [1.0] * 44])
    assert not confirms(other_state, reading)


def test_networks_must_agree_where_the_check_digits_cannot_tell_two_readings_apart() -> None:
    sure = [[1.0] * 44, [1.0] * 44]
    reading = evaluate("TD3", TD3, sure)
    # C (12) and M (22) are 10 apart: L898902M3 passes every check digit L898902C3 passes
    blind_swap = evaluate("TD3", (TD3[0], TD3[1].replace("L898902C3", "L898902M3")), sure)
    assert blind_swap.valid
    assert not confirms(blind_swap, reading) and not confirms(reading, blind_swap)
    # a disagreement the check digits do see (8 and 6) is left to them
    seen_swap = evaluate("TD3", (TD3[0], TD3[1].replace("L898902C3", "L896902C3")), sure)
    assert not seen_swap.valid and confirms(seen_swap, reading)


def _slid(reading_lines: tuple[str, ...], result: object) -> list[np.ndarray]:
    """Per line, sure class probabilities of ``reading_lines`` at ``result``'s unchecked glyphs."""
    return [np.array([glyph_row({line[i]: 1.0}) for i in pos]).reshape(len(pos), len(CLASSES))
            for line, pos in zip(reading_lines, unchecked_glyphs(result), strict=True)]  # type: ignore[arg-type]


def test_a_reading_holds_still_only_if_slid_cells_read_its_unchecked_glyphs_alike() -> None:
    reading = evaluate("TD3", TD3, [[1.0] * 44, [1.0] * 44])
    name_glyphs = [i for i, c in enumerate(TD3[0]) if c != "<"]
    assert [list(p) for p in unchecked_glyphs(reading)] == [name_glyphs, [10, 11, 12, 20]]
    assert holds_still(reading, _slid(TD3, reading))
    # a name letter, or a state's, that turns into another one when the cells slide: the classifier cannot
    # tell them apart
    assert not holds_still(reading, _slid((TD3[0].replace("ERIKSSON", "ERIKSSOM"), TD3[1]), reading))
    assert not holds_still(reading, _slid((TD3[0].replace("P<UTO", "P<UTD"), TD3[1]), reading))
    assert not holds_still(reading, _slid((TD3[0], TD3[1].replace("UTO74", "UTD74")), reading))
    # a slid cell that reads no glyph slid off a thin one
    assert holds_still(reading, _slid((TD3[0].replace("ANNA<MARIA", "ANNA<MAR<A"), TD3[1]), reading))
    cccd = evaluate("TD1", CCCD, [[1.0] * 30] * 3)
    assert holds_still(cccd, _slid(CCCD, cccd))


def test_a_slid_cell_turns_into_another_letter_only_if_it_reads_it_surely() -> None:
    reading = evaluate("TD3", TD3, [[1.0] * 44, [1.0] * 44])
    slid = _slid(TD3, reading)
    name_n = TD3[0].index("ERIKSSON") + 7  # the final `N`, an unchecked name glyph
    row = list(unchecked_glyphs(reading)[0]).index(name_n)
    # the cell slid half off the glyph: most probability on a digit the name cannot hold, `M` the best
    # letter but weak. The glyph has not turned into an `M`
    slid[0][row] = glyph_row({"0": 0.55, "M": 0.3, "N": 0.15})
    assert holds_still(reading, slid)
    slid[0][row] = glyph_row({"0": 0.35, "M": 0.55, "N": 0.1})  # now it reads `M` more surely than STEADY_RIVAL
    assert not holds_still(reading, slid)


def test_a_cccd_line_2_ends_in_fillers_and_a_network_unsure_of_one_still_witnesses_the_rest() -> None:
    sure = decode("TD1", onehot(CCCD))
    assert sure.valid and sure.cccd
    # a filler of line 2's optional data read K (0.79): K and < are 20 apart, so no check digit sees the swap
    probs = onehot(CCCD)
    probs[1][27] = glyph_row({"K": 0.79, "<": 0.2})
    unsure = decode("TD1", probs)
    # a CCCD holds only fillers there: decoded as one, the glyph is a filler the network was not sure of
    assert unsure.cccd and unsure.lines == CCCD and not unsure.valid
    assert unsure.confidence["optional_data_2"] < 0.55
    # it still witnesses a reading of everything else alike (read as a generic TD1, it held a K there)
    assert confirms(unsure, sure)
    # a card of another state that uses that space is read as a generic TD1
    other = (CCCD[0], CCCD[1][:18] + "AB12" + CCCD[1][22:29])
    composite = other[0][5:30] + other[1][0:7] + other[1][8:15] + other[1][18:29]
    other = (*other[:1], other[1] + check_digit(composite), CCCD[2])
    read = decode("TD1", onehot(other))
    assert read.valid and not read.cccd and read.lines == other


def test_a_reading_has_a_rival_when_the_other_networks_sure_glyphs_pass_the_check_digits_too() -> None:
    # personal number "ZE184226B": glyphs 3 apart weigh alike in both check digits over them, so "1"->"2"
    # with "2"->"1" passes both (seen as "P...9" for "9...5" on a fresh synthetic set)
    swapped = (TD3[0], TD3[1][:30] + "2" + TD3[1][31:33] + "1" + TD3[1][34:])
    reading = decode("TD3", onehot(swapped))
    assert reading.valid and reading.lines != TD3
    # the other network surely read the true glyphs: its characters pass every check digit as well
    assert rival_under(reading, onehot(TD3))
    # the right reading has no rival under the same probabilities; under the misread ones it has: the check
    # digits cannot tell which network is right, so neither reading stands
    truth = decode("TD3", onehot(TD3))
    assert not rival_under(truth, onehot(TD3)) and rival_under(truth, onehot(swapped))
    # one glyph the other network reads differently is a misread the check digit catches, not a rival
    single = onehot(TD3)
    single[1][30] = glyph_row({"7": 0.99})
    assert not rival_under(truth, single)
    # a disagreement below RIVAL_BAR (0.5) is left to the check digits
    unsure = onehot(TD3)
    unsure[1][30] = glyph_row({"2": 0.4, "1": 0.35, "7": 0.25})
    unsure[1][33] = glyph_row({"1": 0.4, "2": 0.35, "7": 0.25})
    assert not rival_under(truth, unsure)


def _td1_long_number(extension: str) -> tuple[str, str, str]:
    """TD1 whose document number continues in the optional data (ICAO 9303-5 §4.2.4)."""
    line1 = "I<UTOD23145890<" + extension + check_digit("D23145890" + extension)
    line1 = line1.ljust(30, "<")
    line2 = "7408122F1204159UTO<<<<<<<<<<<"
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    return line1, line2 + check_digit(composite), TD1[2]


def test_a_long_document_number_is_checked_and_its_rivals_are_too() -> None:
    truth = _td1_long_number("123456")
    read = evaluate("TD1", truth)
    assert read.valid and read.fields["document_number"] == "D23145890123456"
    assert read.fields["optional_data_1"] == "<" * 8
    # "2"->"3" at 16 and "5"->"4" at 19: 3 apart, alike in the long number's check digit and the composite
    assert truth[0][16] == "2" and truth[0][19] == "5"
    swapped = (truth[0][:16] + "3" + truth[0][17:19] + "4" + truth[0][20:], *truth[1:])
    misread = evaluate("TD1", swapped)
    assert misread.valid and misread.lines != truth
    assert rival_under(misread, onehot(truth)) and not rival_under(read, onehot(truth))


def _td1_optional(optional_1: str, optional_2: str) -> tuple[str, str, str]:
    """The TD1 specimen with optional data in both lines (glyphs only the composite check digit weighs)."""
    line1 = (TD1[0][:15] + optional_1).ljust(30, "<")
    line2 = (TD1[1][:18] + optional_2).ljust(29, "<")
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    return line1, line2 + check_digit(composite), TD1[2]


def _faint_at(lines: tuple[str, ...], *positions: tuple[int, int]) -> list[list[bool]]:
    faint = [[False] * len(line) for line in lines]
    for line, pos in positions:
        faint[line][pos] = True
    return faint


def test_one_check_digit_alone_may_not_answer_for_two_faint_glyphs() -> None:
    # "575" in glare read "5T9" by every network (the session-9 retrain): only the composite weighs optional data 2,
    # and the two misreads cancel in it
    lines = _td1_optional("AB12", "575")
    reading = evaluate("TD1", lines)
    assert reading.valid
    assert faint_overload(reading, _faint_at(lines, (1, 19), (1, 20)))
    # the composite check digit itself answers to the composite alone
    assert faint_overload(reading, _faint_at(lines, (1, 18), (1, 29)))
    # optional data 1 of a TD1 too (before a long document number's own check digit is known)
    assert faint_overload(reading, _faint_at(lines, (0, 15), (1, 20)))
    # one faint glyph: a misread there is one the check digit catches
    assert not faint_overload(reading, _faint_at(lines, (1, 19)))
    # the document number is weighed by its own check digit and by the composite: two cancelling misreads
    # would have to cancel in both
    assert not faint_overload(reading, _faint_at(lines, (0, 6), (0, 8)))
    assert not faint_overload(reading, _faint_at(lines, (1, 0), (1, 2)))
    # fillers in glare do not count
    assert not faint_overload(reading, _faint_at(lines, (1, 19), (1, 25), (1, 26)))
    # nor glyphs no check digit weighs (the name: other rules keep it)
    assert not faint_overload(reading, _faint_at(lines, (1, 19), (2, 0), (2, 1)))


def test_readings_differ_check_blind_where_a_covered_character_swaps_for_one_10_20_or_30_apart() -> None:
    truth = evaluate("TD3", TD3)
    # "L" (21) read "B" (11) in the document number: every check digit over it still passes
    blind = evaluate("TD3", (TD3[0], "B" + TD3[1][1:]))
    assert blind.valid and check_blind_disagreement(blind, truth) and check_blind_disagreement(truth, blind)
    # "L" read "M" (22): a difference the check digits see
    seen = evaluate("TD3", (TD3[0], "M" + TD3[1][1:]))
    assert not seen.valid and not check_blind_disagreement(seen, truth)
    # names are not covered: other rules keep them
    name = evaluate("TD3", (TD3[0][:5] + "O" + TD3[0][6:], TD3[1]))
    assert not check_blind_disagreement(name, truth)


def test_a_glyph_mended_to_a_character_with_a_check_blind_twin_must_be_read_surely() -> None:
    # the reader reads a TD1 optional-data filler `<` as `4` (the composite refutes it); the second opinion reads
    # `K` there, which weighs as `<` does in the composite: its reading passes every check (session 12, seed 38)
    reader_probs = onehot(TD1)
    reader_probs[0][28] = glyph_row({"4": 0.72, "L": 0.25})
    reader = decode("TD1", reader_probs)
    assert not reader.valid and reader.lines[0][28] == "4"
    second_probs = onehot(TD1)
    second_probs[0][28] = glyph_row({"K": 0.89, "4": 0.05})
    second = decode("TD1", second_probs)
    assert second.valid and second.lines[0][28] == "K"
    assert not surely_mended(reader, second, second_probs)
    second_probs[0][28] = glyph_row({"K": 0.97, "4": 0.02})
    assert surely_mended(reader, decode("TD1", second_probs), second_probs)


def test_a_mended_digit_where_no_letter_is_allowed_needs_no_extra_sureness() -> None:
    # a birth-date digit: no character its field allows is check-blind to it, so the check digit that refutes
    # the reader's `9` vouches for the second opinion's `4` against every alternative
    pos = TD1[1].index("7408122") + 1  # the `4`
    reader_probs = onehot(TD1)
    reader_probs[1][pos] = glyph_row({"9": 0.8, "4": 0.15})
    reader = decode("TD1", reader_probs)
    second_probs = onehot(TD1)
    second_probs[1][pos] = glyph_row({"4": 0.7, "9": 0.25})
    second = decode("TD1", second_probs)
    assert not reader.valid and second.valid and second.lines == TD1
    assert surely_mended(reader, second, second_probs)


def _reader_misreads_0_as_O(probs: list[np.ndarray]) -> tuple[str, str]:
    """The specimen TD3 with its document number's `0` (line 2, position 5) read `O` (0.64) by the reader."""
    misread = (TD3[0], TD3[1][:5] + "O" + TD3[1][6:])
    probs[1][5] = glyph_row({"O": 0.64, "0": 0.36})
    return misread


def _misread_and_mender() -> tuple[list[np.ndarray], tuple[str, str], MrzResult, list[np.ndarray]]:
    """The reader's probabilities, lines and reading of _reader_misreads_0_as_O, and another network's
    probabilities reading that glyph `0` (0.6)."""
    reader_probs = onehot(TD3)
    misread = _reader_misreads_0_as_O(reader_probs)
    other = onehot(TD3)
    other[1][5] = glyph_row({"0": 0.6, "O": 0.4})
    return reader_probs, misread, decode("TD3", reader_probs), other


def test_a_network_mend_puts_in_the_one_character_another_network_read_that_passes_the_check_digits() -> None:
    reader_probs, misread, reading, other = _misread_and_mender()
    assert reading.lines == misread and not reading.valid
    found = network_mend(reading, reader_probs, [onehot(misread), other])
    assert found is not None
    lines, probs = found
    assert lines == TD3
    # the mended glyph's row is the other network's; every other row is the reader's
    assert np.array_equal(probs[1][5], other[1][5])
    assert all(np.array_equal(probs[k][j], reader_probs[k][j]) for k in range(2) for j in range(44)
               if (k, j) != (1, 5))
    assert decode("TD3", probs).valid


def test_a_network_mend_needs_a_network_that_read_the_character_surely_enough() -> None:
    reader_probs = onehot(TD3)
    reading = decode("TD3", reader_probs)
    assert reading.valid and network_mend(reading, reader_probs, [onehot(TD3)]) is None  # nothing to mend
    misread = _reader_misreads_0_as_O(reader_probs)
    reading = decode("TD3", reader_probs)
    # no other network reads the glyph otherwise: the check digits alone do not choose a character
    assert network_mend(reading, reader_probs, [onehot(misread), onehot(misread)]) is None
    # one that does, below RIVAL_BAR (0.5), is not enough either
    unsure = onehot(misread)
    unsure[1][5] = glyph_row({"0": 0.45, "O": 0.3, "Q": 0.25})
    assert network_mend(reading, reader_probs, [unsure]) is None


def test_a_network_mend_is_refused_where_two_changes_the_networks_read_pass_the_check_digits() -> None:
    reader_probs, misread, reading, other = _misread_and_mender()
    # `9` read `5` at position 2 (weight 1, as position 5's) mends the same check digits as `O` read `0`
    # (-4 against -24): the check digits cannot choose between the two networks' characters
    other[1][2] = glyph_row({"5": 0.7, "9": 0.3})
    assert evaluate("TD3", (misread[0], misread[1][:2] + "5" + misread[1][3:])).valid
    assert network_mend(reading, reader_probs, [other]) is None


def test_a_network_mend_never_changes_a_glyph_no_check_digit_covers() -> None:
    # a name letter another network reads otherwise is no candidate, even where it alone would be left
    reader_probs = onehot(TD3)
    misread = _reader_misreads_0_as_O(reader_probs)
    reading = decode("TD3", reader_probs)
    other = onehot(misread)
    other[0][5] = glyph_row({"F": 0.99})  # the name's `E`
    assert network_mend(reading, reader_probs, [other]) is None


def test_a_mended_glyph_s_check_blind_twins_must_be_unseen_by_every_network(monkeypatch: pytest.MonkeyPatch) -> None:
    reader_probs = onehot(TD3)
    misread = _reader_misreads_0_as_O(reader_probs)
    reader = decode("TD3", reader_probs)
    truth = decode("TD3", onehot(TD3))
    other = onehot(TD3)
    other[1][5] = glyph_row({"0": 0.6, "O": 0.4})
    assert reader.lines == misread and truth.valid
    # `0`'s twins (`A`, `K`, `U`: values 10, 20, 30 apart) are given next to nothing, and two check digits (the
    # document number's and the composite) answer for the glyph
    assert no_twin_seen(reader, truth, [reader_probs, other])
    # a network that gives `U` (30 apart) a little: the check digits could not tell `U` from `0`
    seeing = onehot(TD3)
    seeing[1][5] = glyph_row({"0": 0.6, "O": 0.38, "U": 0.02})
    assert not no_twin_seen(reader, truth, [reader_probs, other, seeing])
    # only glyphs the mend changed are asked about
    assert no_twin_seen(truth, truth, [seeing])
    # a glyph only the composite answers for (TD1 line-1 optional data): however unseen its twins, the mend
    # would have spent that one check digit on choosing it
    td1 = decode("TD1", onehot(TD1))
    changed = decode("TD1", onehot((TD1[0][:16] + "C" + TD1[0][17:], *TD1[1:])))
    assert td1.valid and not no_twin_seen(changed, td1, [onehot(TD1)])
    monkeypatch.setattr(parse, "TWIN_WITNESSES", 1)
    assert no_twin_seen(changed, td1, [onehot(TD1)])
