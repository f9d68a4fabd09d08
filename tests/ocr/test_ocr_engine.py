"""End-to-end MRZ reading on a small generated set: accuracy floor and, above all, no false accepts."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

pytest.importorskip("PIL")
from ocr.keys import keys_from_mrz
from ocr.mrz import engine
from ocr.mrz.checks import check_digit
from ocr.mrz.classify import Classifier, load_model
from ocr.mrz.engine import MrzReader
from ocr.mrz.parse import CLASSES
from ocr.synth import font_path, make_frame

REPO = Path(__file__).resolve().parents[2]
F32 = npt.NDArray[np.float32]


def _font_or_skip() -> None:
    try:
        font_path()
    except FileNotFoundError:
        pytest.skip("fonts-ocr-b not installed (apt-get install fonts-ocr-b)")


def _load_script(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _font_or_skip()
    out = tmp_path_factory.mktemp("ocrset")
    _load_script("make_ocr_set").generate(out, 40, seed=77, style="mixed")
    return out


def test_generator_writes_documented_ground_truth(generated: Path) -> None:
    truth = json.loads((generated / "ground_truth.json").read_text())
    assert len(truth) == 40
    entry = truth["00000.jpg"]
    assert entry["format"] == "TD1" and len(entry["lines"]) == 3 and entry["kind"] == "cccd"
    assert {t["format"] for t in truth.values()} == {"TD1", "TD3"}
    img = cv2.imread(str(generated / "00000.jpg"))
    assert img is not None and img.shape == (960, 1280, 3)
    assert all(isinstance(t["glyphs_erased"], int) and t["glyphs_erased"] >= 0 for t in truth.values())


def _tally(generated: Path, upside_down: bool = False) -> tuple[int, int, int]:
    """Exact reads, false accepts and frames of the generated set (each frame turned by 180° if asked)."""
    truth = json.loads((generated / "ground_truth.json").read_text())
    reader = MrzReader()
    exact = false_accepts = 0
    for name, entry in truth.items():
        image = cv2.imread(str(generated / name))
        assert image is not None
        result = reader.read(cv2.rotate(image, cv2.ROTATE_180) if upside_down else image)
        if result is not None and result.valid:
            if list(result.lines) == entry["lines"]:
                exact += 1
            else:
                false_accepts += 1
    return exact, false_accepts, len(truth)


def test_accuracy_floor_and_no_false_accepts(generated: Path) -> None:
    exact, false_accepts, frames = _tally(generated)
    assert false_accepts == 0
    # single frames, half of them in the harsher "photo" style; measured 35/40 with the shipped model
    # (the 99.5 % target is not met yet: see docs/ocr.md). Voting over frames is tested separately.
    assert exact / frames >= 0.85, f"exact {exact}/{frames}"


CCCD_LINES = ("IDVNM0900000018001090000001<<9", "9001011M3001019VNM<<<<<<<<<<<6", "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<")


def _cccd_frame() -> npt.NDArray[np.uint8]:
    _font_or_skip()
    image: npt.NDArray[np.uint8] = make_frame(np.random.default_rng(5), "cccd", cap=22.0,
                                              mrz=("TD1", CCCD_LINES)).image
    return image


def test_cccd_keys_from_a_frame() -> None:
    result = MrzReader().read(_cccd_frame())
    assert result is not None and result.valid and result.cccd
    keys = keys_from_mrz(result)
    assert keys is not None
    assert (keys.document_number, keys.birth_date, keys.expiry_dates, keys.can) == (
        "090000001", "900101", ("300101",), "000001")


def test_a_card_held_upside_down_reads_as_upright() -> None:
    image = _cccd_frame()
    reader = MrzReader()
    turned = reader.read(cv2.rotate(image, cv2.ROTATE_180))
    assert turned is not None and turned.valid and turned.lines == CCCD_LINES
    # the glance that finds the card upside down must not cost an upright card its reading
    upright = reader.read(image)
    assert upright is not None and upright.valid and upright.lines == CCCD_LINES


def test_an_inconclusive_glance_still_leaves_the_card_read_the_other_way_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """The glance may look at a wrong candidate either way up; then both ways are read in full."""
    image = _cccd_frame()
    full_reads: list[bool] = []

    class InconclusiveGlances(MrzReader):
        def _read_gray(self, frame, deadline, glance=False):  # type: ignore[no-untyped-def]
            reading = super()._read_gray(frame, deadline, glance)
            if not glance:
                full_reads.append(reading is not None and reading.result.valid)
                return reading
            return None if reading is None else engine._checked(reading, "glance", False)

    monkeypatch.setattr(engine, "_reads_better", lambda turned, upright: False)
    result = InconclusiveGlances().read(cv2.rotate(image, cv2.ROTATE_180))
    assert full_reads == [False, True]  # upright first (the glances did not say), then turned
    assert result is not None and result.valid and result.lines == CCCD_LINES


def test_upside_down_frames_read_as_well_as_upright_ones_and_never_wrongly(generated: Path) -> None:
    exact, false_accepts, frames = _tally(generated, upside_down=True)
    assert false_accepts == 0
    assert exact == _tally(generated)[0], f"exact {exact}/{frames} upside down"


def test_blank_and_text_only_frames_give_nothing() -> None:
    reader = MrzReader()
    assert reader.read(np.full((960, 1280, 3), 127, np.uint8)) is None
    noise = np.random.default_rng(1).integers(0, 256, (960, 1280), dtype=np.uint8)
    result = reader.read(noise)
    assert result is None or not result.valid
    page = np.full((960, 1280), 235, np.uint8)
    for i in range(12):
        cv2.putText(page, "Lorem ipsum dolor sit amet consectetur", (40, 60 + 70 * i),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.2, 20, 2)
    result = reader.read(page)
    assert result is None or not result.valid


#: line, position, the character forced there and the probability it gets (the rest goes to ``B``)
Misread = tuple[int, int, str, float]


class _Looks(Classifier):
    """The shipped reading model, except that every first look at a candidate (one cell per position) sees
    ``first`` and every second look (cells cut at three offsets, see ``_averaged_retry_only``) ``later``."""

    def __init__(self, n: int, first: tuple[Misread, ...] = (), later: tuple[Misread, ...] = ()) -> None:
        self.inner, self.n, self.first, self.later = load_model(), n, first, later
        self.lines = 3 if n == 30 else 2
        self.looks: list[int] = []  # cells per position in each look

    def probs(self, cells: F32) -> F32:
        p = self.inner.probs(cells).copy()
        if len(p) % (self.lines * self.n):
            return p  # another format tried on the frame (a TD2 reading of the pair): left alone
        blocks = p.reshape(self.lines, -1, self.n, len(CLASSES))  # line, shift, position, class
        self.looks.append(blocks.shape[1])
        for line, position, char, prob in self.first if blocks.shape[1] == 1 else self.later:
            blocks[line, :, position] = 0.0
            blocks[line, :, position, CLASSES.index(char)] = prob
            blocks[line, :, position, CLASSES.index("B")] += 1.0 - prob
        return blocks.reshape(p.shape)


_TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10")


def _td3_frame() -> npt.NDArray[np.uint8]:
    _font_or_skip()
    return make_frame(np.random.default_rng(21), "td3", cap=24.0, mrz=("TD3", _TD3)).image


def test_the_frame_reads_without_tampering() -> None:
    reader = MrzReader()
    result = reader.read(_td3_frame())
    assert result is not None and result.valid and result.lines == _TD3


@pytest.fixture
def _averaged_retry_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Second looks only as the average of three slid cuts, so that _Looks can tell them apart; and no
    second-opinion network, so that the second look's own rule is what is tested."""
    monkeypatch.setattr(engine, "RETRY_SHIFTS", ((0.0, -0.12, 0.12),))
    monkeypatch.setattr(engine.MrzReader.__init__, "__defaults__", (engine.MODEL_PATH, None, None, None, None))


@pytest.mark.usefixtures("_averaged_retry_only")
def test_a_second_look_mends_a_glyph_a_check_digit_covers() -> None:
    reader = MrzReader()
    looks = _Looks(44, first=((1, 3, "6", 1.0),))  # L898902C3 read L896902C3: its check digit fails
    reader.model = looks
    result = reader.read(_td3_frame())
    assert result is not None and result.valid and result.lines == _TD3
    assert 3 in looks.looks, "a second look was taken"


@pytest.mark.usefixtures("_averaged_retry_only")
def test_a_second_look_may_not_change_the_name() -> None:
    reader = MrzReader()
    # the retry mends the document number but reads the surname ERIKSSON as ERIKSSOM: no check digit
    # covers a name, so that second look must not stand
    looks = _Looks(44, first=((1, 3, "6", 1.0),), later=((0, 12, "M", 1.0),))
    reader.model = looks
    result = reader.read(_td3_frame())
    assert result is None or not result.valid
    assert 3 in looks.looks, "a second look was taken"


@pytest.mark.usefixtures("_averaged_retry_only")
def test_a_second_look_stands_only_on_a_name_the_first_read_beyond_doubt() -> None:
    reader = MrzReader()
    # the first look read the name right but not beyond doubt (R at 0.9): a frame that degraded is no frame
    # to mend (a real case: a name misread at 0.92 and 0.99 passed once a second look mended the number)
    looks = _Looks(44, first=((1, 3, "6", 1.0), (0, 6, "R", 0.9)))
    reader.model = looks
    result = reader.read(_td3_frame())
    assert result is None or not result.valid
    assert 3 in looks.looks, "a second look was taken"


def test_a_reading_stands_only_if_the_second_opinion_reads_the_name_alike() -> None:
    frame = _td3_frame()
    reader = MrzReader()
    assert reader.second_opinion is not None
    reader.second_opinion = _Looks(44, first=((0, 12, "M", 1.0),), later=((0, 12, "M", 1.0),))
    result = reader.read(frame)
    assert result is None or not result.valid
    reader.second_opinion = _Looks(44)  # the reading network itself, untampered: the reading stands
    result = reader.read(frame)
    assert result is not None and result.valid and result.checks["second_opinion"] is True


def test_the_second_opinion_may_read_what_the_reader_could_not() -> None:
    frame = _td3_frame()
    reader = MrzReader()
    wrong_number = ((1, 3, "6", 1.0),)  # L898902C3 read L896902C3 in every look: its check digit fails
    reader.model = _Looks(44, first=wrong_number, later=wrong_number)
    result = reader.read(frame)
    assert result is not None and result.valid and result.lines == _TD3
    assert result.checks["second_opinion"] is True
    # the reader read the surname ERIKSSON as ERIKSSOM: no check digit covers it, so the second opinion's
    # reading cannot stand in for the reader's
    misread_name = (*wrong_number, (0, 12, "M", 1.0))
    reader.model = _Looks(44, first=misread_name, later=misread_name)
    result = reader.read(frame)
    assert result is None or not result.valid


def test_the_second_opinion_may_not_settle_glyphs_the_reader_found_ambiguous() -> None:
    frame = _td3_frame()
    reader = MrzReader()
    # the reader misread the document number (its check digit fails) and read the optional data's "1" at
    # 0.9 against "B": 1 and B differ by 10 in check value, so either passes every check digit. The second
    # opinion reads the frame right and surely, but only the glyph can tell "1" from "B", and the reader
    # could not
    ambiguous = ((1, 3, "6", 1.0), (1, 30, "1", 0.9))
    reader.model = _Looks(44, first=ambiguous, later=ambiguous)
    result = reader.read(frame)
    assert result is None or not result.valid
    # the "1" read surely: the second opinion's reading stands in for the reader's (as without the doubt)
    sure = ((1, 3, "6", 1.0), (1, 30, "1", 1.0))
    reader.model = _Looks(44, first=sure, later=sure)
    result = reader.read(frame)
    assert result is not None and result.valid and result.lines == _TD3


class _Counted(Classifier):
    """A network that counts the cells it is asked to read."""

    def __init__(self, inner: Classifier) -> None:
        self.inner, self.cells = inner, 0

    def probs(self, cells: F32) -> F32:
        self.cells += len(cells)
        return self.inner.probs(cells)


def test_the_second_opinion_is_not_asked_when_nothing_it_reads_could_stand() -> None:
    frame = _td3_frame()
    reader = MrzReader()
    assert reader.second_opinion is not None
    counted = _Counted(reader.second_opinion)
    reader.second_opinion = counted
    # the document number misread (its check digit fails) and a name glyph read unsurely: the reader's
    # reading can neither stand nor vouch for the second opinion's, so the second network is never run
    unsure = ((1, 3, "6", 1.0), (0, 12, "N", 0.6))
    reader.model = _Looks(44, first=unsure, later=unsure)
    result = reader.read(frame)
    assert result is None or not result.valid
    assert counted.cells == 0
    # the same misread number with the name read surely: the second opinion is asked, and its reading stands
    sure_name = ((1, 3, "6", 1.0),)
    reader.model = _Looks(44, first=sure_name, later=sure_name)
    result = reader.read(frame)
    assert result is not None and result.valid and result.lines == _TD3
    assert counted.cells > 0


def test_a_glyph_is_faint_when_its_peak_ink_is_well_below_its_lines() -> None:
    cells = np.zeros((2 * 5, 20, 20), np.float32)  # two cuts of five glyphs
    cells[:, 5:15, 8:12] = 1.0
    cells[[1, 6], 5:15, 8:12] = 0.45  # glyph 1 washed out in both cuts
    cells[3, 5:15, 8:12] = 0.3  # glyph 3 faint in one cut only: 0.65 averaged
    faint = engine.faint_glyphs([cells], 2)
    assert faint[0] == [False, True, False, False, False]


def _td1_with_optional_data() -> tuple[str, str, str]:
    line1 = "I<UTOD231458907AB12".ljust(30, "<")
    line2 = "7408122F1204159UTO575".ljust(29, "<")
    line2 += check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    return line1, line2, "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"


def test_a_reading_whose_check_digit_alone_answers_for_faint_glyphs_does_not_stand(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _font_or_skip()
    lines = _td1_with_optional_data()
    frame = make_frame(np.random.default_rng(21), "td1", cap=24.0, mrz=("TD1", lines)).image
    result = MrzReader().read(frame)
    assert result is not None and result.valid and result.lines == lines and result.checks["faint"] is True
    # every glyph counted faint: optional data only the composite weighs is then faint in more than one place
    monkeypatch.setattr(engine, "FAINT_INK", 10.0)
    result = MrzReader().read(frame)
    assert result is None or not result.valid
    assert result is None or result.checks.get("faint") is not True


def test_the_third_network_objects_to_a_reading_the_check_digits_cannot_tell_from_its_own() -> None:
    frame = _td3_frame()
    reader = MrzReader()
    assert reader.objector is not None
    reader.objector = _Looks(44)  # the reading network itself: no objection
    result = reader.read(frame)
    assert result is not None and result.valid and result.lines == _TD3
    # personal number "ZE184226B": "1" and "2" three apart weigh alike in both check digits over them, so the
    # objector's sure "2...1" passes them as well as the reading's "1...2" (seen on a fresh set: both larger
    # networks misread such a pair alike; only the third read it right)
    swapped = ((1, 30, "2", 1.0), (1, 33, "1", 1.0))
    reader.objector = _Looks(44, first=swapped, later=swapped)
    result = reader.read(frame)
    assert result is None or not result.valid
    # a document number "L" the objector reads "B": 10 apart in check value, no check digit can tell
    reader.objector = _Looks(44, first=((1, 0, "B", 1.0),), later=((1, 0, "B", 1.0),))
    result = reader.read(frame)
    assert result is None or not result.valid
    # a misread of its own the check digits catch is no objection
    reader.objector = _Looks(44, first=((1, 3, "6", 1.0),), later=((1, 3, "6", 1.0),))
    result = reader.read(frame)
    assert result is not None and result.valid and result.lines == _TD3
