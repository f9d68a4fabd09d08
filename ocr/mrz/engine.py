"""MRZ reading of one frame: locate → rectify → segment → classify → field-type decode."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from ocr.image import Image, fit, to_gray
from ocr.mrz.classify import (
    BLUR_OBJECTOR_PATH,
    CO_READER_PATH,
    MODEL_PATH,
    OBJECTOR_PATH,
    SECOND_OPINION_PATH,
    Classifier,
    load_model,
)
from ocr.mrz.height_cue import height_scores
from ocr.mrz.locate import Candidate, find_candidates
from ocr.mrz.parse import (
    BLUR_OBJECTOR_VETO,
    FORMATS,
    WITNESS_CODE_BAR,
    MrzResult,
    check_blind_disagreement,
    check_digits_passed,
    confirms,
    contradicted,
    decode,
    faint_overload,
    holds_still,
    network_mend,
    no_twin_seen,
    objector_vetoes,
    passes_check_digits,
    rival_under,
    sure_of_unchecked,
    surely_mended,
    unambiguous_under,
    unchecked_glyphs,
)
from ocr.mrz.rectify import band_edges, common_ends, line_strip_mapped
from ocr.mrz.segment import Grid, cut, fit_grid, glyph_heights

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
MAX_CANDIDATES = 5
#: where candidates are looked for, stage by stage, until a reading validates: (half resolution, hairlines
#: kept) pairs; each stage's failed readings get their second looks before the next stage starts. Half
#: resolution first (fast), full resolution (small print); then, for frames still unread, both on the ink
#: without its one-pixel strokes: a band of guilloche crossing the MRZ closes its lines and the hairlines
#: into one blob that is no line band (6 of the 9 frames of 6,000 where no MRZ was found)
SEARCHES: tuple[tuple[tuple[bool, bool], ...], ...] = (((True, True), (False, True)),
                                                       ((True, False), (False, False)))
#: plausible pitch / cap-height ratio of OCR-B MRZ print (2.54 mm pitch, 2.0–2.5 mm glyphs)
PITCH_RANGE = (0.75, 1.6)
#: grid offsets (fractions of the pitch) of a first look (several: their class probabilities are averaged)
SHIFTS = (0.0,)
#: a frame none of whose readings validated: its RETRIES surest readings (mean top probability at least
#: RETRY_MIN_SCORE) are looked at again, the cells cut at these offsets (fractions of the pitch; a group
#: is averaged). A glyph the grid cut off-centre reads more like itself in a cell slid towards it.
RETRY_SHIFTS: tuple[tuple[float, ...], ...] = ((0.0, -0.12, 0.12), (-0.12,), (0.12,))
RETRIES = 3
RETRY_MIN_SCORE = 0.8
#: a second look may mend a frame only if its first look read every field no check digit covers at least
#: this surely: a frame degraded enough to need mending misreads names too (seen: a name misread at 0.92
#: and 0.99 passed once a second look mended the document number, on a fresh 1000-frame photo set; both
#: networks read those glyphs alike). Over 6,000 frames this costs 7 reads and leaves 0 false accepts
SECOND_LOOK_BAR = 0.98
#: a valid reading stands only if the reader reads the fields no check digit covers alike in cells slid by
#: this fraction of the pitch either way (parse.holds_still): found on a fresh 1000-frame photo set (seed
#: 21), a motion-blurred name `H` read `M` by both networks (0.97–1.00) read `H` slid by 0.08–0.2. Over
#: 8,000 frames it costs 6 exact reads (unsteady name letters `U`/`J`, `Z`/`I`, `M`/`N` …; 0.12: 17)
STEADY_SHIFT = 0.08


#: a glyph whose strongest ink is below this fraction of its line's median glyph's is faint: glare has washed
#: it out, and what is left of its strokes may look like another character to both networks (parse.
#: faint_overload). The session-9 retrain's misread pair measured 0.40–0.45; correct reads with two such glyphs
#: under one check digit alone: 1 in 1,964 frames at 0.5, 4 at 0.6
FAINT_INK = 0.5


def faint_glyphs(cells: list[F32], n_shifts: int) -> list[list[bool]]:
    """Per line and position (cells as segment.cut gives them, ``n_shifts`` cuts per glyph, averaged): is the
    glyph's peak ink below FAINT_INK of the line's median?"""
    out = []
    for line_cells in cells:
        peaks = line_cells.reshape(n_shifts, len(line_cells) // n_shifts, -1).max(axis=2).mean(axis=0)
        out.append((peaks < FAINT_INK * float(np.median(peaks))).tolist())
    return out


@dataclass(frozen=True)
class Reading:
    """A decoded frame plus the per-line class probabilities (for voting across frames)."""

    result: MrzResult
    probs: tuple[F32, ...]


def formats_for(candidate: Candidate) -> tuple[str, ...]:
    return ("TD1",) if len(candidate.lines) == 3 else ("TD3", "TD2")


def extract_cells(gray: Image, candidate: Candidate, fmt: str, shifts: tuple[float, ...] = (0.0,)
                  ) -> list[F32] | None:
    """Per-line character cells of ``candidate`` read as ``fmt`` (``len(shifts) * n`` per line, see
    segment.cut) on the aligned grids, or None if the grid does not fit."""
    got = next(extract_variants(gray, candidate, fmt, shifts), None)
    return None if got is None else got[0]


def extract_variants(gray: Image, candidate: Candidate, fmt: str, shifts: tuple[float, ...] = (0.0,)
                     ) -> Iterator[tuple[list[F32], list[F64]]]:
    """Per-line cells and glyph heights (segment.glyph_heights) for each line placement grid_variants
    proposes, the aligned grids first; nothing if a line has no grid."""
    fitted = line_grids(gray, candidate, fmt)
    if fitted is None:
        return
    for variant in grid_variants(*fitted):
        got = cells_and_heights(variant, shifts)
        if got is not None:
            yield got


def line_grids(gray: Image, candidate: Candidate, fmt: str
               ) -> tuple[list[Grid], list[npt.NDArray[np.float64]]] | None:
    """Each line's grid of ``FORMATS[fmt]`` cells and its strip→frame map; None if a line has no grid."""
    n = FORMATS[fmt][1]
    grids: list[Grid] = []
    maps: list[npt.NDArray[np.float64]] = []
    for line in common_ends(candidate.lines):
        strip, to_frame = line_strip_mapped(gray, line)
        grid = fit_grid(strip, n, band_edges(strip, line))
        if grid is None:
            return None
        grids.append(grid)
        maps.append(to_frame)
    return grids, maps


def cells_and_heights(grids: list[Grid], shifts: tuple[float, ...] = (0.0,)
                      ) -> tuple[list[F32], list[F64]] | None:
    """Per-line cells (segment.cut) and glyph heights; None if a line's pitch is implausible for OCR-B."""
    cells = grid_cells(grids, shifts)
    return None if cells is None else (cells, [glyph_heights(grid) for grid in grids])


def grid_cells(grids: list[Grid], shifts: tuple[float, ...],
               positions: Sequence[Sequence[int]] | None = None) -> list[F32] | None:
    """Per-line cells (segment.cut; per line only those at ``positions[line]`` if given); None if a line's
    pitch is implausible for OCR-B."""
    out: list[F32] = []
    for line, grid in enumerate(grids):
        c, ratio = cut(grid, shifts, None if positions is None else positions[line])
        if not PITCH_RANGE[0] <= ratio <= PITCH_RANGE[1]:
            return None
        out.append(c)
    return out


def align_grids(grids: list[Grid], maps: list[npt.NDArray[np.float64]]) -> list[Grid]:
    """Every MRZ line starts at the same margin and ends at the same place, so a line whose grid does not
    (a speck taken for a first glyph, fillers lost in glare, a pitch misjudged across a gap) is re-placed
    between the others' ends and refitted to its glyphs. The reference is the lines whose first and last
    glyph were both seen, else (three lines) the median line; two lines without such an anchor stay."""
    return next(grid_variants(grids, maps))


def grid_variants(grids: list[Grid], maps: list[npt.NDArray[np.float64]]) -> Iterator[list[Grid]]:
    """align_grids first; then, if the lines' ends disagree by half a character or more, each line in turn
    as the only reference (the others re-placed onto its ends). That covers a line that took a speck
    before the MRZ for its first glyph while no line was seen end to end (TD3: the name line's trailing
    fillers faint). A slipped placement reads as garbage that the check digits refuse."""
    geometry = _LineGeometry(grids, maps)
    anchored = [i for i, g in enumerate(grids) if g.span == g.n]
    if anchored or len(grids) >= 3:
        first = geometry.placed(anchored or list(range(len(grids))), keep=anchored)
    else:
        first = grids
    yield first
    if max(np.ptp(geometry.starts), np.ptp(geometry.stops)) < 0.5 * geometry.pitch:
        return
    seen = [_placement(first)]
    for r in range(len(grids)):
        variant = geometry.placed([r], keep=[r])
        if not any(np.allclose(_placement(variant), other, atol=0.5) for other in seen):
            seen.append(_placement(variant))
            yield variant


def _placement(grids: list[Grid]) -> npt.NDArray[np.float64]:
    """Where each line's first and last cell sit (strip x): two variants alike here read alike."""
    return np.array([g.centres()[0][[0, -1]] for g in grids])


class _LineGeometry:
    """The lines' grid ends in frame coordinates, along the MRZ's common direction."""

    def __init__(self, grids: list[Grid], maps: list[npt.NDArray[np.float64]]) -> None:
        self.grids, self.maps = grids, maps
        self.ends = [np.array([[xs[0], ys[0], 1.0], [xs[-1], ys[-1], 1.0]]) @ m.T
                     for (xs, ys), m in ((g.centres(), m) for g, m in zip(grids, maps, strict=True))]
        direction = sum((p[1] - p[0]) for p in self.ends)
        self.direction = direction / max(float(np.linalg.norm(direction)), 1e-9)
        self.pitch = float(np.median([np.linalg.norm(p[1] - p[0]) / (g.n - 1)
                                      for g, p in zip(grids, self.ends, strict=True)]))
        self.starts = np.array([float(p[0] @ self.direction) for p in self.ends])
        self.stops = np.array([float(p[1] @ self.direction) for p in self.ends])

    def placed(self, ref: list[int], keep: list[int]) -> list[Grid]:
        """Lines not in ``keep`` whose ends stray from the median ends of ``ref`` re-placed onto them."""
        ref_start, ref_stop = float(np.median(self.starts[ref])), float(np.median(self.stops[ref]))
        # cells spaced as on the reference lines: the same perspective drifts the pitch alike on every line
        profile = np.mean([self.grids[r].profile() for r in ref], axis=0)
        out = []
        for i, (grid, m) in enumerate(zip(self.grids, self.maps, strict=True)):
            off_start = (self.starts[i] - ref_start) / self.pitch
            off_stop = (self.stops[i] - ref_stop) / self.pitch
            if i in keep or max(abs(off_start), abs(off_stop)) < 0.35:
                out.append(grid)
                continue
            # where this line's axis meets the reference start and stop, in its own strip
            p0, p1 = self.ends[i]
            along = float((p1 - p0) @ self.direction)
            to_strip = cv2.invertAffineTransform(m)
            xs = []
            for target in (ref_start, ref_stop):
                q = p0 + (target - self.starts[i]) / along * (p1 - p0)
                xs.append(float(to_strip[0] @ np.array([q[0], q[1], 1.0])))
            out.append(grid.spanning(xs[0], xs[1], profile))
        return out


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.perf_counter() > deadline


def _checked(reading: Reading, check: str, passed: bool) -> Reading:
    """``reading`` with one more verdict recorded (``checks[check]``) and applied."""
    checks = {**reading.result.checks, check: passed}
    return Reading(replace(reading.result, valid=reading.result.valid and passed, checks=checks), reading.probs)


#: one first look at a candidate: format, grids, glyph heights, reading
_Look = tuple[str, list[Grid], list[F64], Reading]


class _Frame:
    """A grayscale frame and what has been searched and read in it, so that the full read after a glance
    repeats neither the glance's search nor its first candidate's looks."""

    def __init__(self, gray: Image, passing: list[MrzResult]) -> None:
        self.gray = gray
        #: every reading of this frame (any look, orientation or network) that passed all its check digits
        self.passing = passing
        self._candidates: dict[tuple[bool, bool], list[Candidate]] = {}
        self.looks: dict[tuple[bool, bool, int], list[_Look]] = {}

    def candidates(self, search: tuple[bool, bool]) -> list[Candidate]:
        """The candidates of one search (half resolution, hairlines kept), searched for once."""
        if search not in self._candidates:
            self._candidates[search] = find_candidates(self.gray, *search)[:MAX_CANDIDATES]
        return self._candidates[search]


def _note_passing(reading: Reading, passing: list[MrzResult]) -> None:
    if passes_check_digits(reading.result):
        passing.append(reading.result)


def _consistent(reading: Reading, passing: list[MrzResult]) -> Reading:
    """A valid ``reading`` stands only if no other reading of the frame passing every check digit read a
    covered character otherwise (parse.contradicted, ``checks["consistent"]``)."""
    if not reading.result.valid:
        return reading
    return _checked(reading, "consistent", not contradicted(reading.result, passing))


def _passed(reading: Reading) -> int:
    return check_digits_passed(reading.result)[0]


def _reads_better(turned: Reading, upright: Reading | None) -> bool:
    """Does the glance at the frame turned by 180° look like the card's right way up? Its reading must pass all
    its check digits but one and more than the upright glance's: a candidate read the wrong way up, or one
    that is no MRZ, passes about one in ten by chance (and upside-down OCR-B, with its symmetric `0`, `8`
    and fillers, two or three of four), so a bare majority turned good upright frames over."""
    passed, total = check_digits_passed(turned.result)
    return passed >= total - 1 and (upright is None or passed > _passed(upright))


def _score(reading: Reading) -> float:
    """How surely the glyphs were read: the mean over lines of the mean top class probability."""
    return float(np.mean([p.max(axis=1).mean() for p in reading.probs]))


class MrzReader:
    """Reads the MRZ in single frames. Thread-compatible; holds only the (immutable) models.

    ``model`` reads; ``second_opinion`` (None: no second opinion) must read every character no check digit
    covers the same way, surely (parse.confirms), before a reading counts as valid: two separately trained
    networks confidently misreading a name glyph the same way is rarer than one doing so (not impossible:
    a glyph a background line has reshaped fools both; see SECOND_LOOK_BAR). ``objector`` (None without a
    second opinion), a third, smaller network, only objects (_objects): the two larger networks were seen
    to misread a covered pair alike where it read right. ``blur_objector`` (None without an objector), a fourth
    network of the objector's size trained on cells crossed by lines and smeared by motion blur, objects to a
    field no check digit covers that it reads otherwise more likely than not: under motion blur, or where a
    background line reshapes a letter, the other three misread name letters alike and confidently.
    ``co_reader`` (None without a second opinion), a fifth network of the objector's size trained on other frames
    under motion blur, reads together with the reader where no reading of a look stands (_paired)."""

    def __init__(self, model_path: Path = MODEL_PATH,
                 second_opinion_path: Path | None = SECOND_OPINION_PATH,
                 objector_path: Path | None = OBJECTOR_PATH,
                 blur_objector_path: Path | None = BLUR_OBJECTOR_PATH,
                 co_reader_path: Path | None = CO_READER_PATH) -> None:
        self.model: Classifier = load_model(model_path)
        self.second_opinion: Classifier | None = (
            load_model(second_opinion_path) if second_opinion_path is not None else None)
        self.objector: Classifier | None = (
            load_model(objector_path) if objector_path is not None and second_opinion_path is not None else None)
        self.blur_objector: Classifier | None = (
            load_model(blur_objector_path) if blur_objector_path is not None and self.objector is not None else None)
        self.co_reader: Classifier | None = (
            load_model(co_reader_path) if co_reader_path is not None and second_opinion_path is not None else None)

    def read_frame(self, image: Image, budget: float | None = None) -> Reading | None:
        """Best reading of ``image`` (valid if any candidate validates), or None if no MRZ was seen.

        ``budget``: seconds after which no further search, candidate or second look is started (the first
        search and its first candidate always run); the best reading so far is returned. A camera loop
        passes one so that a frame the engine cannot read (a card moving into view) does not hold up the next."""
        deadline = None if budget is None else time.perf_counter() + budget
        gray = to_gray(fit(image))
        # a glance (the first candidate only) decides which way up the card is before the full read
        passing: list[MrzResult] = []
        upright = _Frame(gray, passing)
        glance = self._read_gray(upright, deadline, glance=True)
        if glance is not None and glance.result.valid:
            return glance
        turned = _Frame(cv2.rotate(gray, cv2.ROTATE_180), passing)
        turned_glance = self._read_gray(turned, deadline, glance=True) if glance is not None else None
        if turned_glance is not None and turned_glance.result.valid:
            return turned_glance
        first, second = (turned, upright) if turned_glance is not None and _reads_better(turned_glance, glance) \
            else (upright, turned)
        reading = self._read_gray(first, deadline)
        if (reading is not None and reading.result.valid) or (reading is None and glance is None):
            return reading
        # the glance may have looked at the wrong candidate either way up: the other way up, fully
        other = self._read_gray(second, deadline)
        if other is not None and (other.result.valid or reading is None or _passed(other) > _passed(reading)):
            return other
        return reading

    def _read_gray(self, frame: _Frame, deadline: float | None, glance: bool = False) -> Reading | None:
        """read_frame on a grayscale frame as it stands (the first search and its first candidate always run);
        ``glance``: the first candidate only, no second look. What was searched and read is kept in ``frame``
        for the full read after a glance."""
        best: Reading | None = None
        best_score = -1.0
        searched = looked = False  # the first search and its first candidate run whatever the budget
        for searches in SEARCHES:
            failed: list[tuple[float, str, list[Grid], list[F64], MrzResult]] = []
            for search in searches:
                if searched and _past(deadline):
                    break
                searched = True
                for index in range(len(frame.candidates(search))):
                    if looked and _past(deadline):
                        break
                    looked = True
                    for fmt, grids, heights, reading in self._looks(frame, search, index):
                        reading = _consistent(reading, frame.passing)
                        if reading.result.valid:
                            return reading
                        score = _score(reading)
                        failed.append((score, fmt, grids, heights, reading.result))
                        if score > best_score:
                            best, best_score = reading, score
                    if glance:
                        return best if best is not None and best_score >= 0.6 else None
            if _past(deadline):
                break
            mended = self._second_look(failed, frame.passing)
            if mended is not None:
                return mended
        # a frame whose characters were mostly unreadable did not show an MRZ
        return best if best is not None and best_score >= 0.6 else None

    def _looks(self, frame: _Frame, search: tuple[bool, bool], index: int) -> Iterator[_Look]:
        """The first looks at one candidate, per format and grid variant (a valid one ends them); a candidate
        looked at in full before (by the glance) is not classified again."""
        key = (*search, index)
        if key in frame.looks:
            yield from frame.looks[key]
            return
        cand = frame.candidates(search)[index]
        looks: list[_Look] = []
        for fmt in formats_for(cand):
            fitted = line_grids(frame.gray, cand, fmt)
            if fitted is None:
                continue
            for grids in grid_variants(*fitted):
                got = cells_and_heights(grids, SHIFTS)
                if got is None:
                    continue
                cells, heights = got
                look = (fmt, grids, heights,
                        self._steady(self._read(fmt, cells, heights, SHIFTS, frame.passing), grids, SHIFTS))
                looks.append(look)
                yield look
        frame.looks[key] = looks

    def _second_look(self, failed: list[tuple[float, str, list[Grid], list[F64], MrzResult]],
                     passing: list[MrzResult]) -> Reading | None:
        """Nothing validated: the surest-looking readings looked at again with the cells slid a little. Only
        characters a check digit covers may change in a second look (parse.confirms)."""
        failed.sort(key=lambda f: -f[0])
        for score, fmt, grids, heights, first in failed[:RETRIES]:
            if score < RETRY_MIN_SCORE:
                break
            for shifts in RETRY_SHIFTS:
                slid = grid_cells(grids, shifts)
                if slid is None:
                    continue
                # glyph heights do not depend on the cut
                reading = _consistent(self._steady(self._read(fmt, slid, heights, shifts, passing), grids, shifts),
                                      passing)
                if reading.result.valid and confirms(first, reading.result, SECOND_LOOK_BAR, SECOND_LOOK_BAR):
                    return reading
        return None

    def _steady(self, reading: Reading, grids: list[Grid], shifts: tuple[float, ...]) -> Reading:
        """A valid ``reading`` stands only if each network reads every field no check digit covers alike in
        cells slid by STEADY_SHIFT either way (``checks["steady"]``). Both networks: the session-10 reader
        read a motion-blurred name `H` as `M` in slid cells too, where the earlier reader (now the second
        opinion) read `H` (the seed-21 frame of STEADY_SHIFT)."""
        if not reading.result.valid or not STEADY_SHIFT:
            return reading
        centre = float(np.mean(shifts))
        # only the glyphs no check digit covers, both offsets in one batch
        positions = [pos.tolist() for pos in unchecked_glyphs(reading.result)]
        slid = grid_cells(grids, (centre - STEADY_SHIFT, centre + STEADY_SHIFT), positions)
        if slid is None:
            return reading
        cells = np.concatenate(slid)
        sizes = [len(pos) for pos in positions]
        networks = (self.model,) if self.second_opinion is None else (self.model, self.second_opinion)
        for network in networks:
            probs = network.probs(cells)
            per_line = [p.reshape(2, k, -1)
                        for p, k in zip(np.split(probs, 2 * np.cumsum(sizes)[:-1]), sizes, strict=True)]
            if not all(holds_still(reading.result, [p[side] for p in per_line]) for side in (0, 1)):
                return _checked(reading, "steady", False)
        return _checked(reading, "steady", True)

    def _read(self, fmt: str, cells: list[F32], heights: list[F64], shifts: tuple[float, ...],
              passing: list[MrzResult]) -> Reading:
        """The reading of one look's cells (_vouched); a valid one stands only if no check digit alone answers
        for two glyphs glare has washed out (parse.faint_overload, ``checks["faint"]``)."""
        reading = self._vouched(fmt, cells, heights, shifts, passing)
        if not reading.result.valid:
            return reading
        return _checked(reading, "faint", not faint_overload(reading.result, faint_glyphs(cells, len(shifts))))

    def _vouched(self, fmt: str, cells: list[F32], heights: list[F64], shifts: tuple[float, ...],
                 passing: list[MrzResult]) -> Reading:
        """The reading of one look's cells: valid only if the other network confirms it (parse.confirms).
        Where the reader's own reading fails, the second opinion's may stand in its place, confirmed the
        same way the other way round: check digits vouch for the characters they cover whichever network
        read them — except against check-blind twins, so a glyph the reader reads otherwise must be read
        surely where its field allows one (parse.surely_mended) — and the reader must have read every field
        they do not cover alike and surely. Nor may
        the reader's probabilities see another reading the check digits would pass as well
        (parse.unambiguous_under): where the reader found its glyphs ambiguous, the second opinion, the
        smaller network, being surer of them does not settle it. Where no reading stands, a network mend
        (_mended), then the reader and the co-reader together (_paired), may."""
        reading = self._decode(self.model, fmt, cells, heights, shifts)
        _note_passing(reading, passing)
        # as a witness (parse.confirms) the reader need read the code fields only more likely than not: a
        # reading it is less sure of can neither stand nor vouch for the second opinion's. Garbage (a frame
        # without an MRZ, a slipped grid) costs one network, not two
        if self.second_opinion is None:
            return reading
        if not (reading.result.valid or sure_of_unchecked(reading.result, code_bar=WITNESS_CODE_BAR)):
            # unsure of a field no check digit covers, the reader may still read it with the co-reader
            if not passes_check_digits(reading.result):
                return reading
            second = self._decode(self.second_opinion, fmt, cells, heights, shifts)
            _note_passing(second, passing)
            return self._paired(fmt, cells, heights, shifts, passing, reading, second) or reading
        second = self._decode(self.second_opinion, fmt, cells, heights, shifts)
        _note_passing(second, passing)
        if reading.result.valid:
            vouched = _checked(reading, "second_opinion", confirms(second.result, reading.result)
                               and not rival_under(reading.result, second.probs)
                               and not self._objects(fmt, cells, heights, shifts, reading.result))
            if vouched.result.valid:
                return vouched
            return self._paired(fmt, cells, heights, shifts, passing, reading, second) or vouched
        if (second.result.valid and confirms(reading.result, second.result)
                and surely_mended(reading.result, second.result, second.probs)
                and unambiguous_under(second.result, reading.probs)
                and not rival_under(second.result, reading.probs)
                and not self._objects(fmt, cells, heights, shifts, second.result)):
            return _checked(second, "second_opinion", True)
        mended = self._mended(fmt, cells, heights, shifts, reading, second)
        if mended is not None:
            return mended
        return self._paired(fmt, cells, heights, shifts, passing, reading, second) or reading

    def _paired(self, fmt: str, cells: list[F32], heights: list[F64], shifts: tuple[float, ...],
                passing: list[MrzResult], reading: Reading, second: Reading) -> Reading | None:
        """No reading of a look stands: the reading of the reader's and the co-reader's class probabilities
        averaged, where one network is unsure of a glyph the other reads surely. It stands on the rules the
        reader's own reading stands on (valid when decoded, the second opinion confirms it, no rival under the
        second opinion's or the objectors' probabilities, no veto), and the reader's own probabilities must see
        neither another passing reading beside it (unambiguous_under) nor a rival (rival_under): the co-reader
        being surer of a glyph the reader found ambiguous does not settle it (session 18: +7 exact reads over
        28,000 frames, none lost, 0 false accepts)."""
        if self.co_reader is None:
            return None
        co = self._probs(self.co_reader, fmt, cells, shifts)
        pair = self._decoded(fmt, [np.asarray((r + c) / 2, np.float32) for r, c in zip(reading.probs, co, strict=True)],
                             heights)
        _note_passing(pair, passing)
        result = pair.result
        if not (result.valid and confirms(second.result, result)
                and not rival_under(result, second.probs)
                and unambiguous_under(result, reading.probs)
                and not rival_under(result, reading.probs)
                and not self._objects(fmt, cells, heights, shifts, result)):
            return None
        return _checked(pair, "co_reader", True)

    def _mended(self, fmt: str, cells: list[F32], heights: list[F64], shifts: tuple[float, ...],
                reading: Reading, second: Reading) -> Reading | None:
        """Neither the reader's nor the second opinion's reading stands: the reader's with glyphs another
        network read otherwise put in, where the check digits single out one such change (parse.network_mend;
        ``checks["network_mend"]``). It must pass what the second opinion's reading must pass standing in (the
        reader vouches for the fields no check digit covers, no glyph mended to a check-blind twin unless read
        surely, no other reading the reader's or the second opinion's probabilities see beside it, the
        objectors), and no network may read a covered glyph as its check-blind twin (+8 exact reads over 26,000
        frames, none lost, 0 false accepts; session 17). A mended glyph with check-blind twins need not be read
        surely where two check digits answer for it and no network sees a twin at all (parse.no_twin_seen;
        session 18)."""
        if self.objector is None:
            return None
        third = self._decode(self.objector, fmt, cells, heights, shifts)
        fourth = (None if self.blur_objector is None
                  else self._decode(self.blur_objector, fmt, cells, heights, shifts))
        witnesses = [w for w in (second, third, fourth) if w is not None]
        found = network_mend(reading.result, reading.probs, [w.probs for w in witnesses])
        if found is None:
            return None
        lines, probs = found
        mended = self._decoded(fmt, probs, heights)
        if mended.result.lines != lines or not mended.result.valid:
            return None  # decoded again, a rule refused a glyph (ambiguity guard, height, confidence)
        every_network = [reading.probs, *(w.probs for w in witnesses)]
        if not (confirms(reading.result, mended.result)
                and (surely_mended(reading.result, mended.result, mended.probs)
                     or no_twin_seen(reading.result, mended.result, every_network))
                and unambiguous_under(mended.result, reading.probs)
                and not rival_under(mended.result, reading.probs)
                and not rival_under(mended.result, second.probs)
                and not any(check_blind_disagreement(w.result, mended.result) for w in witnesses)
                and not self._objects(fmt, cells, heights, shifts, mended.result, (third, fourth))):
            return None
        return _checked(mended, "network_mend", True)

    def _objects(self, fmt: str, cells: list[F32], heights: list[F64], shifts: tuple[float, ...],
                 result: MrzResult, decoded: tuple[Reading, Reading | None] | None = None) -> bool:
        """Does the third network read a covered glyph so that the check digits could not tell its reading
        from ``result`` (a rival reading, or a check-blind twin), or an uncovered one surely otherwise
        (parse.objector_vetoes)? Or the fourth, the blur objector, an uncovered one otherwise more likely than
        not (BLUR_OBJECTOR_VETO)? ``decoded``: the two objectors' readings of these cells, if already made
        (otherwise the blur objector is run only if the objector does not object)."""
        if self.objector is None:
            return False
        third = decoded[0] if decoded else self._decode(self.objector, fmt, cells, heights, shifts)
        if (rival_under(result, third.probs) or check_blind_disagreement(third.result, result)
                or objector_vetoes(result, third.probs)):
            return True
        if self.blur_objector is None:
            return False
        fourth = decoded[1] if decoded else None
        if fourth is None:
            fourth = self._decode(self.blur_objector, fmt, cells, heights, shifts)
        return objector_vetoes(result, fourth.probs, BLUR_OBJECTOR_VETO)

    @staticmethod
    def _decode(model: Classifier, fmt: str, per_line: list[F32], heights: list[F64], shifts: tuple[float, ...]
                ) -> Reading:
        return MrzReader._decoded(fmt, MrzReader._probs(model, fmt, per_line, shifts), heights)

    @staticmethod
    def _probs(model: Classifier, fmt: str, per_line: list[F32], shifts: tuple[float, ...]) -> list[F32]:
        """Per line, ``model``'s class probabilities of the cells, averaged over the grid offsets: a character
        read the same way when the cell slides by a fraction of the pitch is a character really there."""
        n = FORMATS[fmt][1]
        probs = model.probs(np.concatenate(per_line)).reshape(len(per_line), len(shifts), n, -1)
        return [np.asarray(p.mean(axis=0), np.float32) for p in probs]

    @staticmethod
    def _decoded(fmt: str, probs: list[F32], heights: list[F64]) -> Reading:
        """Field-type decode of per-line class probabilities (glyph heights weighing in)."""
        result = decode(fmt, probs, [height_scores(p, h) for p, h in zip(probs, heights, strict=True)])
        return Reading(result, tuple(probs))

    def read(self, image: Image, budget: float | None = None) -> MrzResult | None:
        reading = self.read_frame(image, budget)
        return reading.result if reading else None


_DEFAULT: MrzReader | None = None


def read_mrz(image: Image) -> MrzResult | None:
    """Read the MRZ in a BGR or grayscale frame with the shipped model; None if none was found."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = MrzReader()
    return _DEFAULT.read(image)
