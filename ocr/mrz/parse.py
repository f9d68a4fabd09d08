"""MRZ layouts (TD1/TD2/TD3), field-type-constrained decoding and check-digit validation.

Decoding takes per-position class probabilities from the classifier and picks, at each position, the best
character *allowed by the field type* (digits in dates, letters in names, …). That is the only correction
made: a confusable glyph (``O``/``0``, ``I``/``1``, ``B``/``8`` …) is mapped into the field's alphabet, and the
result counts as read only if every check digit validates and every character is confidently recognised.
No search over alternative characters is done to force check digits to pass: a wrong key locks patients out.
Alternatives are searched to refuse: if swapping glyphs in doubt gives another reading the check digits
also accept, the digits vouch for neither (``_guard_ambiguous_readings``). The one search that mends
(``network_mend``) puts in only characters another network read, and only where exactly one such change
passes every check digit. A glyph's height may settle a
digit/letter pair the classifier is unsure of (see height_cue.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property

import numpy as np
import numpy.typing as npt

from ocr.mrz.checks import WEIGHTS, char_value, is_valid
from ocr.mrz.countries import CODES

#: classifier classes, in model output order
CLASSES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
_INDEX = {c: i for i, c in enumerate(CLASSES)}

DIGITS = frozenset("0123456789")
LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ<")
ALNUM = DIGITS | LETTERS
CHECK = DIGITS | {"<"}
SEX = frozenset("MFX<")
FILLER = frozenset("<")
_MIXED = frozenset("0A")  # subset of every alphabet holding both digits and letters
#: first character of the document code (ICAO 9303-4/-5/-6/-7): TD1 and TD2 cards A, C or I (V: MRV-B
#: visa, TD2 size), passports P (V: MRV-A visa, TD3 size)
CARD_CODE = frozenset("ACI")
TD2_CODE = frozenset("ACIV")
TD3_CODE = frozenset("PV")

#: glyph pairs OCR-B keeps apart but blur can merge; a field-type correction is trusted only along these
CONFUSABLE = {
    frozenset("O0"), frozenset("D0"), frozenset("Q0"), frozenset("U0"), frozenset("I1"), frozenset("L1"),
    frozenset("Z2"), frozenset("B8"), frozenset("S5"), frozenset("G6"), frozenset("T7"), frozenset("A4"),
    frozenset("B3"), frozenset("Z7"), frozenset("E8"), frozenset("S8"), frozenset("<0"),
}

FORMATS: dict[str, tuple[int, int]] = {"TD1": (3, 30), "TD2": (2, 36), "TD3": (2, 44)}
#: minimum probability (within the field alphabet) for a character to count as read; characters that no
#: check digit covers (document code, states, sex, name) need more, since nothing else catches a misread
MIN_CONFIDENCE = 0.55
MIN_CONFIDENCE_UNCHECKED = 0.8
#: what a glyph's confidence is lowered to when a rule refuses it (below MIN_CONFIDENCE: never valid)
REFUSED = MIN_CONFIDENCE - 0.05

#: glyph-height witness (see height_cue.py): a score at or beyond these says digit / letter
HEIGHT_SAYS_DIGIT = 0.85
HEIGHT_SAYS_LETTER = 0.15
#: the classifier is "unsure" below this; the height may then settle a confusable digit/letter pair
HEIGHT_SETTLES_BELOW = 0.9
#: the glyph must clearly be one of the two characters of the pair (their summed probability)
HEIGHT_PAIR_MASS = 0.8
#: confidence given to a pair member chosen by height (just over MIN_CONFIDENCE: the check digit decides)
HEIGHT_CHOSEN_CONFIDENCE = 0.6

Probs = npt.NDArray[np.float32]
Scores = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Span:
    line: int
    start: int
    end: int  # exclusive

    def take(self, lines: tuple[str, ...]) -> str:
        return lines[self.line][self.start : self.end]


@dataclass(frozen=True)
class Layout:
    fmt: str
    #: per line, per position, the allowed alphabet
    alphabets: tuple[tuple[frozenset[str], ...], ...]
    fields: Mapping[str, Span]
    #: (data spans, check digit span)
    checks: Mapping[str, tuple[tuple[Span, ...], Span]]

    @cached_property
    def covered(self) -> tuple[tuple[bool, ...], ...]:
        """Per position: is it inside some check-digit span (or a check digit itself)?"""
        return tuple(tuple(count > 0 for count in line) for line in self.witnesses)

    @cached_property
    def unchecked_fields(self) -> tuple[tuple[str, Span], ...]:
        """The fields no check digit covers (document code, states, sex, name): alike in every TD1 layout."""
        return tuple((name, span) for name, span in self.fields.items()
                     if not any(self.covered[span.line][span.start : span.end]))

    @cached_property
    def witnesses(self) -> tuple[tuple[int, ...], ...]:
        """Per position: how many check digits answer for it (it lies in their spans, or is the digit)."""
        n_lines, n_chars = FORMATS[self.fmt]
        count = [[0] * n_chars for _ in range(n_lines)]
        for spans, digit in self.checks.values():
            for span in (*spans, digit):
                for i in range(span.start, span.end):
                    count[span.line][i] += 1
        return tuple(tuple(line) for line in count)

    @cached_property
    def check_weights(self) -> tuple[dict[tuple[int, int], int], ...]:
        """Per check digit: (line, position) → weight of that character in it (7-3-1)."""
        out = []
        for spans, _ in self.checks.values():
            weights: dict[tuple[int, int], int] = {}
            k = 0
            for span in spans:
                for pos in range(span.start, span.end):
                    weights[(span.line, pos)] = WEIGHTS[k % 3]
                    k += 1
            out.append(weights)
        return tuple(out)


def _line(n: int, parts: list[tuple[int, frozenset[str]]]) -> tuple[frozenset[str], ...]:
    out: list[frozenset[str]] = []
    for count, alphabet in parts:
        out.extend([alphabet] * count)
    assert len(out) == n
    return tuple(out)


def _td1(cccd: bool) -> Layout:
    if cccd:  # §3: doc number = last 9 digits of the ID, 12-digit ID, "<<", check digit of the ID;
        # line 2 ends in 11 fillers before the composite check digit
        l1 = _line(30, [(1, CARD_CODE), (1, LETTERS), (3, LETTERS), (9, DIGITS), (1, DIGITS), (12, DIGITS),
                        (2, FILLER), (1, DIGITS)])
        l2 = _line(30, [(6, DIGITS), (1, DIGITS), (1, SEX), (6, DIGITS), (1, DIGITS), (3, LETTERS),
                        (11, FILLER), (1, DIGITS)])
    else:
        l1 = _line(30, [(1, CARD_CODE), (1, LETTERS), (3, LETTERS), (9, ALNUM), (1, CHECK), (15, ALNUM)])
        l2 = _line(30, [(6, DIGITS), (1, DIGITS), (1, SEX), (6, DIGITS), (1, DIGITS), (3, LETTERS),
                        (11, ALNUM), (1, DIGITS)])
    l3 = _line(30, [(30, LETTERS)])
    fields = {
        "document_code": Span(0, 0, 2), "issuing_state": Span(0, 2, 5), "document_number": Span(0, 5, 14),
        "optional_data_1": Span(0, 15, 30), "birth_date": Span(1, 0, 6), "sex": Span(1, 7, 8),
        "expiry_date": Span(1, 8, 14), "nationality": Span(1, 15, 18), "optional_data_2": Span(1, 18, 29),
        "name": Span(2, 0, 30),
    }
    checks = {
        "document_number": ((Span(0, 5, 14),), Span(0, 14, 15)),
        "birth_date": ((Span(1, 0, 6),), Span(1, 6, 7)),
        "expiry_date": ((Span(1, 8, 14),), Span(1, 14, 15)),
        "composite": ((Span(0, 5, 30), Span(1, 0, 7), Span(1, 8, 15), Span(1, 18, 29)), Span(1, 29, 30)),
    }
    if cccd:
        fields["id_number"] = Span(0, 15, 27)
        checks["id_number"] = ((Span(0, 15, 27),), Span(0, 29, 30))
    return Layout("TD1", (l1, l2, l3), fields, checks)


def _td2_td3(fmt: str) -> Layout:
    n = FORMATS[fmt][1]
    code = TD3_CODE if fmt == "TD3" else TD2_CODE
    l1 = _line(n, [(1, code), (1, LETTERS), (3, LETTERS), (n - 5, LETTERS)])
    if fmt == "TD3":
        l2 = _line(44, [(9, ALNUM), (1, CHECK), (3, LETTERS), (6, DIGITS), (1, DIGITS), (1, SEX), (6, DIGITS),
                        (1, DIGITS), (14, ALNUM), (1, CHECK), (1, DIGITS)])
        opt, opt_cd, comp = Span(1, 28, 42), Span(1, 42, 43), Span(1, 43, 44)
        composite = (Span(1, 0, 10), Span(1, 13, 20), Span(1, 21, 43))
    else:
        l2 = _line(36, [(9, ALNUM), (1, CHECK), (3, LETTERS), (6, DIGITS), (1, DIGITS), (1, SEX), (6, DIGITS),
                        (1, DIGITS), (7, ALNUM), (1, DIGITS)])
        opt, opt_cd, comp = Span(1, 28, 35), None, Span(1, 35, 36)
        composite = (Span(1, 0, 10), Span(1, 13, 20), Span(1, 21, 35))
    fields = {
        "document_code": Span(0, 0, 2), "issuing_state": Span(0, 2, 5), "name": Span(0, 5, n),
        "document_number": Span(1, 0, 9), "nationality": Span(1, 10, 13), "birth_date": Span(1, 13, 19),
        "sex": Span(1, 20, 21), "expiry_date": Span(1, 21, 27), "optional_data_1": opt,
    }
    checks = {
        "document_number": ((Span(1, 0, 9),), Span(1, 9, 10)),
        "birth_date": ((Span(1, 13, 19),), Span(1, 19, 20)),
        "expiry_date": ((Span(1, 21, 27),), Span(1, 27, 28)),
        "composite": (composite, comp),
    }
    if opt_cd is not None:
        checks["optional_data_1"] = ((opt,), opt_cd)
    return Layout(fmt, (l1, l2), fields, checks)


LAYOUTS = {"TD1": _td1(False), "TD1-CCCD": _td1(True), "TD2": _td2_td3("TD2"), "TD3": _td2_td3("TD3")}


@dataclass(frozen=True)
class MrzResult:
    """One MRZ reading. ``valid`` means: every check digit validates and every character was read with
    confidence. ``fields`` and ``lines`` hold personal data: they are masked in the repr."""

    format: str
    lines: tuple[str, ...]
    valid: bool
    fields: Mapping[str, str] = field(default_factory=dict)
    checks: Mapping[str, bool] = field(default_factory=dict)
    #: per field, the lowest character confidence (0…1)
    confidence: Mapping[str, float] = field(default_factory=dict)
    cccd: bool = False

    def __repr__(self) -> str:
        return (f"MrzResult(format={self.format!r}, valid={self.valid}, cccd={self.cccd}, "
                f"checks={dict(self.checks)!r}, lines=<{len(self.lines)} masked>)")

    @property
    def min_confidence(self) -> float:
        return min(self.confidence.values(), default=0.0)


@cache
def _allowed_indices(allowed: frozenset[str]) -> list[int]:
    """Classifier output indices of the characters a field allows (in a fixed order)."""
    return [_INDEX[c] for c in sorted(allowed)]


def _layout_of(result: MrzResult) -> Layout:
    return LAYOUTS["TD1-CCCD" if result.cccd else result.format]


@cache
def _alphabet_groups(alphabets: tuple[frozenset[str], ...]
                     ) -> tuple[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]], ...]:
    """A line's positions grouped by alphabet, each with the classifier indices it allows: a line is
    decoded a few array operations per group, not character by character."""
    groups: dict[frozenset[str], list[int]] = {}
    for i, allowed in enumerate(alphabets):
        groups.setdefault(allowed, []).append(i)
    return tuple((np.array(pos, np.intp), np.array(_allowed_indices(allowed), np.intp))
                 for allowed, pos in groups.items())


@cache
def _mixed_positions(alphabets: tuple[frozenset[str], ...]) -> npt.NDArray[np.bool_]:
    """Positions whose alphabet holds digits and letters (where a glyph's height may weigh in)."""
    return np.array([allowed >= _MIXED for allowed in alphabets], np.bool_)


def _decode_line(probs: Probs, alphabets: tuple[frozenset[str], ...], heights: Scores | None = None
                 ) -> tuple[str, list[float]]:
    best_index = np.empty(len(alphabets), np.intp)
    confs = np.empty(len(alphabets), np.float64)
    for positions, idx in _alphabet_groups(alphabets):
        sub = probs[np.ix_(positions, idx)]
        best = sub.argmax(axis=1)
        best_index[positions] = idx[best]
        confs[positions] = sub[np.arange(len(positions)), best] / np.maximum(sub.sum(axis=1), 1e-9)
    top = probs.argmax(axis=1)
    for i in np.flatnonzero(top != best_index).tolist():
        # the glyph looked like something outside this field's alphabet: trust the mapping only for a
        # known confusable pair, and then only as much as the raw evidence allows
        raw = probs[i, best_index[i]]
        if frozenset((CLASSES[top[i]], CLASSES[best_index[i]])) in CONFUSABLE:
            confs[i] = min(confs[i], float(raw + probs[i, top[i]]))
        else:
            confs[i] = min(confs[i], float(raw))
    chars = [CLASSES[k] for k in best_index.tolist()]
    conf_list: list[float] = confs.tolist()
    if heights is not None:
        for i in np.flatnonzero(_mixed_positions(alphabets) & ~np.isnan(heights)).tolist():
            chars[i], conf_list[i] = _height_witness(probs[i], alphabets[i], chars[i], conf_list[i],
                                                     float(heights[i]))
    return "".join(chars), conf_list


def _height_witness(row: Probs, allowed: frozenset[str], char: str, conf: float, score: float
                    ) -> tuple[str, float]:
    """Let the glyph's height (0 letter-tall … 1 digit-tall) weigh in on a digit/letter confusable pair."""
    says_digit, says_letter = score >= HEIGHT_SAYS_DIGIT, score <= HEIGHT_SAYS_LETTER
    if char == "<" or not (says_digit or says_letter):
        return char, conf
    partners = _pair_partners(allowed, char)
    if not partners:
        return char, conf
    other = max(partners, key=lambda c: float(row[_INDEX[c]]))
    if float(row[_INDEX[char]] + row[_INDEX[other]]) < HEIGHT_PAIR_MASS:
        return char, conf
    pick = char if char.isdigit() == says_digit else other
    # a check digit catches a swap inside the pair only if their values differ by other than 10, 20, 30
    checkable = (char_value(char) - char_value(other)) % 10 != 0
    if checkable and conf < HEIGHT_SETTLES_BELOW:
        return pick, max(HEIGHT_CHOSEN_CONFIDENCE, conf if pick == char else 0.0)
    if pick != char and not checkable and conf < HEIGHT_SETTLES_BELOW:
        return char, min(conf, REFUSED)  # nothing else could catch this misread: refuse it
    return char, conf


@cache
def _pair_partners(allowed: frozenset[str], char: str) -> tuple[str, ...]:
    """The confusable partners of ``char`` in ``allowed`` of the other kind (digit for a letter, and back)."""
    return tuple(c for c in sorted(allowed) if c != "<" and c.isdigit() != char.isdigit()
                 and frozenset((char, c)) in CONFUSABLE)


def decode(fmt: str, probs: list[Probs], heights: list[Scores | None] | None = None) -> MrzResult:
    """Field-type-constrained decoding of per-line probability matrices (line i: ``n × len(CLASSES)``);
    ``heights``: per line the glyph-height scores of height_cue.height_scores (or None)."""
    layout = LAYOUTS[fmt]
    lines, confs = _decode(layout, probs, heights)
    if fmt == "TD1" and lines[0][:5] == "IDVNM":
        cccd_lines, cccd_confs = _decode(LAYOUTS["TD1-CCCD"], probs, heights)
        cccd = evaluate("TD1-CCCD", cccd_lines, cccd_confs)
        if cccd.valid:
            return cccd
        generic = evaluate(fmt, lines, confs)
        # a Vietnamese card that is no valid generic TD1 either stays a CCCD reading the network was
        # unsure of, so it can still witness (parse.confirms) another reading of the same card
        return generic if generic.valid else cccd
    return evaluate(fmt, lines, confs)


def _decode(layout: Layout, probs: list[Probs], heights: list[Scores | None] | None = None
            ) -> tuple[tuple[str, ...], list[list[float]]]:
    lines: list[str] = []
    confs: list[list[float]] = []
    covered = layout.covered
    for i, (p, alphabets) in enumerate(zip(probs, layout.alphabets, strict=True)):
        text, conf = _decode_line(p, alphabets, heights[i] if heights else None)
        conf = [c if cov else min(c, _unchecked_confidence(row, allowed, ch))
                for c, cov, row, allowed, ch in zip(conf, covered[i], p, alphabets, text, strict=True)]
        lines.append(text)
        confs.append(conf)
    _name_trailing_fillers(layout.fields["name"], probs, lines, confs)
    _guard_ambiguous_readings(layout, probs, lines, confs)
    return tuple(lines), confs


#: a glyph counts as a filler for finding where the name ends when ``<`` has at least this probability
NAME_END_FILLER = 0.5
#: glyph shapes a blurred filler ``<`` is read as (the chevron and the arms of K)
FILLER_LOOKALIKES = "<K"


def _name_trailing_fillers(span: Span, probs: list[Probs], lines: list[str], confs: list[list[float]]) -> None:
    """ICAO 9303-3 separates name components by one ``<`` and surname from given names by two, so three
    in a row end the name: everything after them is filler. There a glyph read as ``K`` (a blurred
    chevron looks like its arms) is a filler, as sure as the glyph is either shape; a glyph like neither
    is left as read (and refused: the field holds no letters there)."""
    row_probs, line = probs[span.line], lines[span.line]
    run = 0
    for j in range(span.start, span.end):
        run = run + 1 if float(row_probs[j, _INDEX["<"]]) >= NAME_END_FILLER else 0
        if run == 3:
            break
    else:
        return
    chars = list(line)
    for k in range(j + 1, span.end):
        mass = sum(float(row_probs[k, _INDEX[c]]) for c in FILLER_LOOKALIKES)
        if chars[k] in FILLER_LOOKALIKES:
            chars[k], confs[span.line][k] = "<", max(confs[span.line][k], mass)
        else:
            confs[span.line][k] = min(confs[span.line][k], REFUSED)
    lines[span.line] = "".join(chars)


#: a glyph is "in doubt" when its runner-up within the field's alphabet has at least this probability
DOUBT = 0.01
#: a glyph read surely can still be half of a cancelling pair of misreads: its confusable twin of the other
#: kind (`2` for `Z`, `O` for `0`) is a "partner" of the glyphs in doubt when it has at least this probability
TWIN_PARTNER = 0.001
#: glyphs whose runners-up would make another reading that passes every check must be this sure
AMBIGUOUS_MIN = 0.95
#: more glyphs in doubt than this and the frame is refused outright (too many readings to weigh)
MAX_DOUBTED = 12

Swap = tuple[int, int, int]  # line, position, check-value change if swapped


def _guard_ambiguous_readings(layout: Layout, probs: list[Probs], lines: list[str],
                              confs: list[list[float]]) -> None:
    """Check digits vouch for a reading only if no other plausible reading passes them too. A single swap
    between characters whose values differ by 10, 20 or 30 (``<``/``K``, ``0``/``U``, ``1``/``L``) passes any
    check digit, and two or three swaps can cancel out (``0``→``O`` adds 24 × weight: weights 7 and 3 sum to
    10). Where swapping one to three glyphs in doubt for their runners-up gives another reading that passes
    every check digit it touches, only the glyphs can tell the readings apart: each must be read surely.
    So must a glyph in doubt whose swap is cancelled by swapping a surely read glyph for its confusable twin
    (seen, session 8: `T2H82V5V0` read `T2HBZV5V0`, `B` at 0.64 against `8`, `Z` at 0.997 against `2` at
    0.002 by both networks; 8→B and 2→Z cancel at weights 7 and 3, and the reading passed every check)."""
    doubted: list[Swap] = []
    partners: list[Swap] = []  # surely read glyphs whose confusable twin kept a little probability
    weights = layout.check_weights
    for li, (row_probs, line) in enumerate(zip(probs, lines, strict=True)):
        for j, char in enumerate(line):
            allowed = layout.alphabets[li][j]
            if len(allowed) < 2 or not any((li, j) in w for w in weights):
                continue  # no check digit weighs it: a swap there cannot complete another reading
            if confs[li][j] < 0.99:
                alt = max((c for c in allowed if c != char), key=lambda c: float(row_probs[j, _INDEX[c]]))
                if float(row_probs[j, _INDEX[alt]]) >= DOUBT:
                    doubted.append((li, j, char_value(alt) - char_value(char)))
                    continue
            partners.extend((li, j, char_value(twin) - char_value(char)) for twin in _pair_partners(allowed, char)
                            if float(row_probs[j, _INDEX[twin]]) >= TWIN_PARTNER)

    def passes_every_check(group: tuple[Swap, ...]) -> bool:
        touched = [w for w in weights if any((li, j) in w for li, j, _ in group)]
        return bool(touched) and all(sum(w.get((li, j), 0) * delta for li, j, delta in group) % 10 == 0
                                     for w in touched)

    ambiguous: set[tuple[int, int]] = set()
    if len(doubted) > MAX_DOUBTED:
        ambiguous = {(li, j) for li, j, _ in doubted}
    else:
        for size in (1, 2, 3):
            for group in itertools.combinations(doubted, size):
                if passes_every_check(group):
                    ambiguous.update((li, j) for li, j, _ in group)
        for swap in doubted:
            if any(partner[:2] != swap[:2] and passes_every_check((swap, partner)) for partner in partners):
                ambiguous.add(swap[:2])
    for li, j in ambiguous:
        if confs[li][j] < AMBIGUOUS_MIN:
            confs[li][j] = min(confs[li][j], REFUSED)


def unambiguous_under(reading: MrzResult, probs: Sequence[Probs]) -> bool:
    """Would the ambiguous-reading guard, given ``probs`` (another network's class probabilities for the same
    cells, per line), leave ``reading`` as it is? A reading one network is sure of can be one the other
    network's probabilities see another plausible reading beside (seen, session 8: two cancelling `0`→`O`
    swaps in TD1 optional data, 0.97 and 0.95 sure by the second opinion, 0.98 and 0.89 by the reader, which
    had refused its own reading of them as ambiguous)."""
    layout = _layout_of(reading)
    lines = list(reading.lines)
    confs = [[float(row[_INDEX[char]]) for row, char in zip(p, line, strict=True)]
             for p, line in zip(probs, lines, strict=True)]
    guarded = [list(line_confs) for line_confs in confs]
    _guard_ambiguous_readings(layout, list(probs), lines, guarded)
    return guarded == confs


def _unchecked_confidence(row: Probs, allowed: frozenset[str], char: str) -> float:
    """Where no check digit stands behind a character, probability the glyph gave to characters the field
    cannot hold is not shared out among the allowed ones (a glyph half like "1" in a name was not read
    cleanly) unless it went to the character's own confusable twin (``0`` for ``O``)."""
    twins = sum(float(row[i]) for i in _twin_indices(allowed, char))
    return float(row[_INDEX[char]]) + twins


@cache
def _twin_indices(allowed: frozenset[str], char: str) -> tuple[int, ...]:
    """Classifier indices of ``char``'s confusable twins that ``allowed`` does not hold."""
    return tuple(_INDEX[c] for c in CLASSES if c not in allowed and frozenset((c, char)) in CONFUSABLE)


def _span_conf(confs: list[list[float]], span: Span) -> float:
    return min(confs[span.line][span.start : span.end], default=1.0)


def evaluate(fmt: str, lines: tuple[str, ...], confs: list[list[float]] | None = None) -> MrzResult:
    """Check digits, CCCD consistency and confidence of already-decoded lines (``fmt``: a key of LAYOUTS)."""
    layout = LAYOUTS[fmt]
    n_lines, n_chars = FORMATS[layout.fmt]
    if len(lines) != n_lines or any(len(line) != n_chars for line in lines):
        return MrzResult(layout.fmt, lines, False)
    if confs is None:
        confs = [[1.0] * n_chars for _ in lines]
    checks = _check_digits(layout, lines)
    fields = {name: span.take(lines) for name, span in layout.fields.items()}
    confidence = {name: _span_conf(confs, span) for name, span in layout.fields.items()}
    for name, (_, digit) in layout.checks.items():
        confidence[f"check_{name}"] = _span_conf(confs, digit)
    cccd = fmt == "TD1-CCCD"
    structural = _structure_ok(layout, lines)
    checks["issuing_state"] = fields["issuing_state"] in CODES
    checks["nationality"] = fields["nationality"] in CODES
    covered = layout.covered
    sure = all(c >= (MIN_CONFIDENCE if cov else MIN_CONFIDENCE_UNCHECKED)
               for line_conf, line_cov in zip(confs, covered, strict=True)
               for c, cov in zip(line_conf, line_cov, strict=True))
    if cccd:
        checks["cccd_document_number"] = fields["document_number"] == fields["id_number"][3:]
        fields["can"] = fields["id_number"][-6:]
    long_number = _long_document_number(layout.fmt, lines)
    if long_number is not None:
        fields["document_number"], _, fields["optional_data_1"] = long_number
    fields["surname"], fields["given_names"] = split_name(fields["name"])
    valid = structural and all(checks.values()) and sure
    return MrzResult(layout.fmt, lines, valid, fields, checks, confidence, cccd)


def _structure_ok(layout: Layout, lines: tuple[str, ...]) -> bool:
    """Every character inside its field's alphabet (e.g. the CCCD's "<<" after the ID really is "<<")."""
    return all(c in allowed for line, alphabets in zip(lines, layout.alphabets, strict=True)
               for c, allowed in zip(line, alphabets, strict=True))


def _check_digits(layout: Layout, lines: tuple[str, ...]) -> dict[str, bool]:
    """Does each check digit of ``layout`` pass on ``lines`` (a long TD1 document number's included)?"""
    checks = {name: is_valid("".join(s.take(lines) for s in spans), digit.take(lines))
              for name, (spans, digit) in layout.checks.items()}
    long_number = _long_document_number(layout.fmt, lines)
    if long_number is not None:
        number, digit, _ = long_number
        checks["document_number"] = is_valid(number, digit)
    return checks


def _long_document_number(fmt: str, lines: tuple[str, ...]) -> tuple[str, str, str] | None:
    """ICAO 9303-5 §4.2.4: a TD1 document number longer than 9 characters continues in the optional data,
    its check digit is the last character there, and position 15 holds ``<``. Returns the document number,
    its check digit and the optional data after it, or None for a number of at most 9 characters."""
    if fmt != "TD1" or lines[0][14] != "<" or lines[0][5:14].endswith("<"):
        return None
    rest = lines[0][15:30].split("<", 1)[0]
    if len(rest) < 2:
        return None
    return lines[0][5:14] + rest[:-1], rest[-1], lines[0][15 + len(rest) : 30]


def clean(value: str) -> str:
    """Field value without filler characters."""
    return value.replace("<", " ").strip()


def split_name(value: str) -> tuple[str, str]:
    surname, _, given = value.partition("<<")
    return clean(surname), clean(given)


#: the fields no check digit covers whose values come from short lists: the document code (its first letter
#: fixed by format) and the states (ICAO codes, checked)
CODE_FIELDS = frozenset({"document_code", "issuing_state", "nationality"})
#: how surely a witness (confirms) must read those code fields, the same way as the reading it vouches for.
#: The reading itself still needs MIN_CONFIDENCE_UNCHECKED there (and the steady check); the witness need
#: read them alike, more likely than not. Seen: the second opinion reading a TD3 document code `P` at 0.73
#: that the reader read surely. +4 exact reads over 12,000 frames, 0 false accepts (session 8)
WITNESS_CODE_BAR = 0.5


def check_digits_passed(result: MrzResult) -> tuple[int, int]:
    """How many of the check digits of ``result``'s layout pass, and how many there are."""
    names = _layout_of(result).checks
    return sum(bool(result.checks.get(name)) for name in names), len(names)


def sure_of_unchecked(result: MrzResult, bar: float = MIN_CONFIDENCE_UNCHECKED,
                      code_bar: float | None = None) -> bool:
    """Did ``result`` read every field no check digit covers at least ``bar`` surely (the code fields at
    least ``code_bar``, if given)? Only then can it vouch for another reading (confirms)."""
    codes = bar if code_bar is None else code_bar
    return all(result.confidence.get(name, 0.0) >= (codes if name in CODE_FIELDS else bar)
               for name, _ in _layout_of(result).unchecked_fields)


def confirms(witness: MrzResult, reading: MrzResult, bar: float = MIN_CONFIDENCE_UNCHECKED,
             code_bar: float = WITNESS_CODE_BAR) -> bool:
    """Does ``witness``, another reading of the same MRZ (the first look before a second one, or the second
    opinion's reading of the same cells), vouch for ``reading``? No check digit covers the document code,
    states, sex or name, and every extra look is one more chance for a misread there to pass: ``reading``
    must read each of those fields as ``witness`` does, and ``witness`` must have read it at least ``bar``
    surely (the code fields: ``code_bar``). Characters a check digit covers may differ (a second look may
    mend them), except for a pair the check digits cannot tell apart."""
    if (witness.format != reading.format or len(witness.lines) != len(reading.lines)
            or not sure_of_unchecked(witness, bar, code_bar)):
        return False
    layout = _layout_of(reading)
    if any(span.take(witness.lines) != span.take(reading.lines) for _, span in layout.unchecked_fields):
        return False
    return not check_blind_disagreement(witness, reading)


def _check_blind(a: str, b: str) -> bool:
    """Are ``a`` and ``b`` different characters no check digit can tell apart (values 10, 20 or 30 apart)?"""
    return a != b and (char_value(a) - char_value(b)) % 10 == 0


def _check_blind_twins(allowed: frozenset[str], char: str) -> list[str]:
    """The characters ``allowed`` holds that no check digit can tell from ``char``."""
    return [c for c in allowed if _check_blind(c, char)]


def check_blind_disagreement(witness: MrzResult, reading: MrzResult) -> bool:
    """Do two readings of the same cells differ in a covered character where the check digits cannot tell
    them apart (values 10, 20 or 30 apart: `G`/`Q`, `F`/`P`, `0`/`U` ...)? A confident `Q`→`G` in a document
    number passes every check digit."""
    layout = _layout_of(reading)
    return any(covered and _check_blind(x, y)
               for a, b, cov in zip(witness.lines, reading.lines, layout.covered, strict=True)
               for x, y, covered in zip(a, b, cov, strict=True))


#: the objector refuses a reading whose uncovered character (fillers included) it reads as another character
#: the field allows at least this surely (objector_vetoes)
OBJECTOR_VETO = 0.9


#: the blur objector (engine.MrzReader) refuses a reading whose uncovered character it reads as another character
#: the field allows more likely than not (objector_vetoes with this bar). It was trained with cells crossed by
#: lines and smeared by motion blur heavier than the frames show, so it reads a name letter where the other three
#: networks are confidently wrong alike (session 16: motion-blurred names `I` read `Z` and `X` read `I` at
#: 0.95-0.99, a `W` a guilloche line closed into `Q`; it reads `I` 0.98, `X` 0.52, `W` 1.00). Cost: 5 right reads
#: in 24,000 frames (letters it reads otherwise: a document code's second letter, a state, a name)
BLUR_OBJECTOR_VETO = 0.5


def objector_vetoes(reading: MrzResult, probs: Sequence[Probs], bar: float = OBJECTOR_VETO) -> bool:
    """Does the objector (``probs``, its class probabilities for ``reading``'s cells) read a character no check
    digit covers, fillers included, as another character its field allows, at least ``bar`` surely? It
    is not asked to confirm those fields (that cost reads: it reads name letters less surely than the larger
    networks), only to refuse a reading when it is sure of something else. Seen (session 15, fresh photo seed
    45, frame 875): a name `K` read `<` by the reader (1.00) and the second opinion (0.85), `K` by the objector
    (0.95). A filler in a run of three or more is not asked about: the name has ended there, and a blurred
    chevron reads `K` (the name structure rule of decode takes such a `K` for a filler too)."""
    layout = _layout_of(reading)
    for text, covered, alphabets, row in zip(reading.lines, layout.covered, layout.alphabets, probs, strict=True):
        best = np.argmax(row, axis=1)
        for j, char in enumerate(text):
            other = CLASSES[int(best[j])]
            if (not covered[j] and other != char and other in alphabets[j] and row[j, best[j]] >= bar
                    and not _in_filler_run(text, j)):
                return True
    return False


def _in_filler_run(text: str, j: int) -> bool:
    """Is ``text[j]`` a filler in a run of three or more?"""
    return text[j] == "<" and any(text[k:k + 3] == "<<<" for k in range(max(0, j - 2), j + 1))


#: where the second opinion's reading stands in for the reader's (engine.MrzReader._vouched), a glyph the reader
#: reads otherwise and whose field also allows a check-blind twin of the second opinion's character must be read
#: this surely by the second opinion (as sure as the ambiguity guard asks: the twin passes every check digit)
MEND_BAR = AMBIGUOUS_MIN


#: two readings of a frame differing in more than this fraction of their characters are of different text
#: (another candidate), not two readings of one MRZ
SAME_MRZ_DIFFERENCE = 0.25


def passes_check_digits(result: MrzResult) -> bool:
    """Does every check digit of ``result``'s layout pass (whatever its confidence)?"""
    passed, total = check_digits_passed(result)
    return passed == total


def contradicted(reading: MrzResult, passing: Sequence[MrzResult]) -> bool:
    """Has another reading of the same MRZ in the same frame (another look, another network), ``passing``
    every check digit as well, read a covered character otherwise? Then the check digits passed two readings
    and cannot tell which one is right. Seen (session 14, photo seed 2): a TD1 document-number `G` read `G` by
    the reader in the first looks (refused: the second opinion read `Q`), then `Q` by all three networks in a
    later look of the same candidate — `G` and `Q` are 10 apart, check-blind."""
    layout = _layout_of(reading)
    size = sum(len(line) for line in reading.lines)
    for other in passing:
        if other.format != reading.format or len(other.lines) != len(reading.lines) or other.lines == reading.lines:
            continue
        differ = [(x != y, covered) for a, b, cov in zip(other.lines, reading.lines, layout.covered, strict=True)
                  for x, y, covered in zip(a, b, cov, strict=True)]
        if sum(d for d, _ in differ) <= SAME_MRZ_DIFFERENCE * size and any(d and c for d, c in differ):
            return True
    return False


def surely_mended(reader: MrzResult, reading: MrzResult, probs: Sequence[Probs]) -> bool:
    """Does ``reading`` (another network's, ``probs`` its class probabilities, standing in for ``reader``'s
    failed reading of the same cells) read at least MEND_BAR surely every glyph ``reader`` reads otherwise
    where the field allows a check-blind twin of its character? The check digits refute the reader's glyph,
    but they cannot tell the other network's from its twins (values 10, 20 or 30 apart), so that network alone
    vouches for it against them. Seen (session 12, fresh seed 38): a TD1 optional-data filler `<` read `K` by
    the second opinion (0.89) and `4`/`L` by the reader; `K` and `<` weigh alike in the composite."""
    layout = _layout_of(reading)
    for li, (mine, theirs, row_probs) in enumerate(zip(reader.lines, reading.lines, probs, strict=True)):
        for j, (x, y) in enumerate(zip(mine, theirs, strict=True)):
            if x == y or float(row_probs[j].max()) >= MEND_BAR:
                continue
            if _check_blind_twins(layout.alphabets[li][j], y):
                return False
    return True


#: a glyph a check digit covers that the other network reads as another character at least this surely
RIVAL_BAR = 0.5
#: more sure disagreements than this on covered glyphs: the two networks do not read the same MRZ
MAX_RIVAL_GLYPHS = 6


def rival_under(reading: MrzResult, probs: Sequence[Probs]) -> bool:
    """Does another network, given its class probabilities ``probs`` for the same cells, read characters a
    check digit covers differently (each at least RIVAL_BAR) such that some of its characters put in place of
    ``reading``'s pass every check digit as well? Then the check digits cannot tell the two networks' readings
    apart, and it is the check digits alone that vouch for covered characters. Seen (session 9, fresh
    synthetic seed 34): a TD3 personal number read `P…9` by the reader (0.95, 1.00) and `9…5` by the second
    opinion (1.00, 1.00): the glyphs are 3 apart, so both check digits over them weigh them alike and the
    misread pair passed both."""
    layout = _layout_of(reading)
    rivals: list[tuple[int, int, str]] = []
    for line, (row_probs, text, covered, alphabets) in enumerate(
            zip(probs, reading.lines, layout.covered, layout.alphabets, strict=True)):
        for pos, (row, char, cov, allowed) in enumerate(zip(row_probs, text, covered, alphabets, strict=True)):
            if not cov:
                continue
            idx = _allowed_indices(allowed)
            best = CLASSES[idx[int(np.argmax(row[idx]))]]
            if best != char and float(row[_INDEX[best]]) >= RIVAL_BAR:
                rivals.append((line, pos, best))
    if len(rivals) > MAX_RIVAL_GLYPHS:
        return True
    for size in range(1, len(rivals) + 1):
        for chosen in itertools.combinations(rivals, size):
            lines = [list(text) for text in reading.lines]
            for line, pos, char in chosen:
                lines[line][pos] = char
            if all(_check_digits(layout, tuple("".join(text) for text in lines)).values()):
                return True
    return False


def faint_overload(reading: MrzResult, faint: Sequence[Sequence[bool]]) -> bool:
    """Does one check digit alone answer for two or more glyphs the frame shows ``faint`` (per line and
    position: washed out by glare, see engine.FAINT_INK)? A check digit catches one misread glyph, but two
    cancel one time in ten, and a glyph glare has washed out is the one both networks misread alike and
    surely: its remaining strokes look like another character (seen with the session-9 retrained reader: a
    TD1 optional-data `575` in glare read `5T9` at 0.95–1.00 by every network; only the composite check
    digit weighs those glyphs, and the two misreads cancel in it). Glyphs a second check digit also answers
    for, and glyphs read as fillers, do not count. (A long TD1 document number's own check digit is not
    counted as a second one: that can only refuse more.)"""
    layout = _layout_of(reading)
    for spans, digit in layout.checks.values():
        alone = sum(1 for span in (*spans, digit) for pos in range(span.start, span.end)
                    if faint[span.line][pos] and layout.witnesses[span.line][pos] == 1
                    and reading.lines[span.line][pos] != "<")
        if alone >= 2:
            return True
    return False


def unchecked_glyphs(reading: MrzResult) -> tuple[npt.NDArray[np.intp], ...]:
    """Per line, the positions no check digit covers (document code, states, sex, name) where ``reading``
    has a glyph, not a filler."""
    layout = _layout_of(reading)
    return tuple(np.flatnonzero(~np.array(covered) & (np.frombuffer(text.encode(), np.uint8) != ord("<")))
                 for covered, text in zip(layout.covered, reading.lines, strict=True))


#: a slid cell has turned into another character (holds_still) only if it reads it at least this surely. The
#: misread it is there for (the seed-21 name `M` for `H`) read `H` at 0.53–0.92 in slid cells; correct
#: readings were refused for a slid cell reading another letter at 0.01–0.46, most of its probability on
#: characters the field cannot hold. +3 exact reads over 8,400 frames, 0 false accepts (session 11)
STEADY_RIVAL = 0.5


def holds_still(reading: MrzResult, slid: list[Probs]) -> bool:
    """Does ``reading`` hold in the same cells slid by a fraction of the pitch? ``slid``: per line, the class
    probabilities of its unchecked_glyphs there. No glyph may read as another character its field allows,
    at least STEADY_RIVAL surely, except ``<`` (the slid cell slid off a thin glyph). A glyph that turns into
    another letter when its cell moves by a twelfth of a character is one the classifier cannot tell apart
    (seen: a motion-blurred name ``H`` that both networks read ``M``, 0.97–1.00, at the centre)."""
    layout = _layout_of(reading)
    for line, (positions, probs) in enumerate(zip(unchecked_glyphs(reading), slid, strict=True)):
        for pos, row in zip(positions.tolist(), probs, strict=True):
            idx = _allowed_indices(layout.alphabets[line][pos])
            char = CLASSES[idx[int(np.argmax(row[idx]))]]
            if char not in (reading.lines[line][pos], "<") and float(row[_INDEX[char]]) >= STEADY_RIVAL:
                return False
    return True


#: a network mend (network_mend) changes at most this many glyphs of the reader's reading: one. Two changes under
#: one check digit are vouched for by their sum only, and at two every mend that gained a read over 24,000 frames
#: changed one glyph (session 17) …
MEND_GLYPHS = 1
#: … and is not tried where the other networks read more covered glyphs otherwise than this (garbage, or a
#: grid slipped: too many combinations for the check digits to single one out)
MAX_MEND_POSITIONS = 8


def network_mend(reading: MrzResult, reader_probs: Sequence[Probs], others: Sequence[Sequence[Probs]]
                 ) -> tuple[tuple[str, ...], list[Probs]] | None:
    """The reader's ``reading`` (``reader_probs``) fails a check digit; ``others``: the other networks' class
    probabilities for the same cells. Where another network reads a covered glyph as another character its
    field allows (its top choice, at least RIVAL_BAR), that character is a candidate. If exactly one change
    of at most MEND_GLYPHS glyphs to candidates passes every check digit, returns the mended lines and the
    reader's probabilities with each changed glyph's row replaced by that of the network surest of it (to be
    decoded again and weighed by every rule, engine.MrzReader._mended); otherwise None. Every character of
    a mended reading was read by some network, and the check digits chose among readings the networks
    made, not among all characters. Seen: a TD3 document-number `0` the reader read `O` (0.64) and the
    other three `0` (0.52-0.60); the reader's reading failed, and so did the second opinion's (another
    glyph)."""
    layout = _layout_of(reading)
    if passes_check_digits(reading) or not _structure_ok(layout, reading.lines):
        return None
    candidates: dict[tuple[int, int], dict[str, npt.NDArray[np.float32]]] = {}
    for probs in others:
        for li, (rows, text, covered, alphabets) in enumerate(
                zip(probs, reading.lines, layout.covered, layout.alphabets, strict=True)):
            for j, row in enumerate(rows):
                if not covered[j]:
                    continue
                idx = _allowed_indices(alphabets[j])
                best = CLASSES[idx[int(np.argmax(row[idx]))]]
                if best == text[j] or float(row[_INDEX[best]]) < RIVAL_BAR:
                    continue
                held = candidates.setdefault((li, j), {})
                if best not in held or float(held[best][_INDEX[best]]) < float(row[_INDEX[best]]):
                    held[best] = row
    if not candidates or len(candidates) > MAX_MEND_POSITIONS:
        return None
    passing: list[tuple[tuple[tuple[int, int], ...], tuple[str, ...], tuple[str, ...]]] = []
    for size in range(1, MEND_GLYPHS + 1):
        for positions in itertools.combinations(sorted(candidates), size):
            for chars in itertools.product(*(sorted(candidates[pos]) for pos in positions)):
                lines = [list(text) for text in reading.lines]
                for (li, j), char in zip(positions, chars, strict=True):
                    lines[li][j] = char
                mended = tuple("".join(text) for text in lines)
                if all(_check_digits(layout, mended).values()):
                    passing.append((positions, chars, mended))
    if len(passing) != 1:
        return None
    positions, chars, mended = passing[0]
    probs = [np.array(p, copy=True) for p in reader_probs]
    for (li, j), char in zip(positions, chars, strict=True):
        probs[li][j] = candidates[(li, j)][char]
    return mended, probs


#: a mended glyph's check-blind twins are "unseen" when no network gives them together this much (no_twin_seen)
TWIN_UNSEEN = 0.01
#: check digits that must answer for a mended glyph before the networks alone may rule out its twins
TWIN_WITNESSES = 2


def no_twin_seen(reader: MrzResult, reading: MrzResult, probs: Sequence[Sequence[Probs]]) -> bool:
    """May the glyphs ``reading`` reads otherwise than ``reader`` (a network mend) stand without surely_mended's
    MEND_BAR? Only if no network (``probs``, each network's class probabilities for the same cells) gives a changed
    glyph's check-blind twins together TWIN_UNSEEN or more (the check digits cannot tell a character from its
    twins, values 10, 20 or 30 apart), and at least TWIN_WITNESSES check digits answer for it. Where one check
    digit alone answers for the glyph, the mend spends it on choosing the character and none is left to catch a
    misread elsewhere that cancels the change (session 17, a trial without this condition: the fresh photo seed
    55, frame 25, a TD1 optional-data `R` mended to `P` that cancelled an `O` every network read `0`, in the
    composite alone). Seen: a TD3 document-number `0` read `O` by the reader (0.64) and `0` by the other three
    (0.52-0.60); every network gave `0`'s twins (`A`, `K`, `U`) less than 0.01."""
    layout = _layout_of(reading)
    for li, (mine, theirs) in enumerate(zip(reader.lines, reading.lines, strict=True)):
        for j, (x, y) in enumerate(zip(mine, theirs, strict=True)):
            if x == y:
                continue
            if layout.witnesses[li][j] < TWIN_WITNESSES:
                return False
            twins = [_INDEX[c] for c in _check_blind_twins(layout.alphabets[li][j], y)]
            if any(float(network[li][j][twins].sum()) >= TWIN_UNSEEN for network in probs):
                return False
    return True
