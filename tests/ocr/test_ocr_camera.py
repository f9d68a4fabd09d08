"""Camera loop with an injected frame source, voting, quality guidance and the CLI."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.cli import ocr as cli
from ocr.camera import FRAME_BUDGET, ScanEvent, scan
from ocr.image import Image
from ocr.mrz.engine import MrzReader
from ocr.mrz.vote import MrzVoter
from ocr.quality import GUIDANCE, measure
from ocr.synth import font_path, make_frame

LINES = ("IDVNM0900000018001090000001<<9", "9001011M3001019VNM<<<<<<<<<<<6", "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<")


@pytest.fixture(scope="module")
def frames() -> list[Image]:
    try:
        font_path()
    except FileNotFoundError:
        pytest.skip("fonts-ocr-b not installed")
    rng = np.random.default_rng(11)
    return [make_frame(rng, "cccd", cap=20.0, mrz=("TD1", LINES)).image for _ in range(3)]


class ListSource:
    def __init__(self, frames: list[Image]) -> None:
        self.frames = list(frames)
        self.closed = False

    def read(self) -> Image | None:
        return self.frames.pop(0) if self.frames else None

    def close(self) -> None:
        self.closed = True


def test_scan_votes_across_frames(frames: list[Image]) -> None:
    blank = np.full((960, 1280, 3), 128, np.uint8)
    source = ListSource([blank, *frames])
    events: list[ScanEvent] = list(scan(source, reader=MrzReader(), want_qr=False))
    assert source.closed
    assert events[0].mrz is None and events[0].quality.guidance == "no-document"
    final = events[-1]
    assert final.mrz is not None and final.mrz.lines == LINES
    # one frame alone is not enough: the result comes with the second agreeing frame at the earliest
    assert len([e for e in events if e.mrz is None]) >= 2


def test_voter_needs_agreement(frames: list[Image]) -> None:
    reader = MrzReader()
    voter = MrzVoter(min_agree=2)
    first = reader.read_frame(frames[0])
    assert first is not None and first.result.valid
    assert voter.add(first) is None
    assert voter.add(None) is None
    agreed = voter.add(reader.read_frame(frames[1]))
    assert agreed is not None and agreed.lines == LINES


def test_quality_guidance() -> None:
    dark = np.full((960, 1280, 3), 20, np.uint8)
    assert measure(dark).guidance == "too-dark"
    glare = np.full((960, 1280, 3), 120, np.uint8)
    glare[100:400, 100:500] = 255
    q = measure(glare)
    assert q.guidance == "glare" and q.text("en") == "Tilt the card away from the light"
    assert all(vi and en for vi, en in GUIDANCE.values())


def test_blurred_document_asks_to_hold_still(frames: list[Image]) -> None:
    sharp = measure(frames[0])
    assert sharp.mrz_char_height is not None
    blurred = measure(cv2.GaussianBlur(frames[0], (0, 0), 4))
    assert blurred.sharpness < sharp.sharpness


def _args(images: list[Path]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    cli.add_parser(sub)
    return parser.parse_args(["ocr", "--json", *map(str, images)])


def test_cli_json(frames: list[Image], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "card.jpg"
    cv2.imwrite(str(good), frames[0])
    bad = tmp_path / "bad.jpg"
    bad.write_text("nope")
    args = _args([good, bad])
    assert args.handler(args) == 1  # one of the images failed
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert out[0]["found"] and out[0]["kind"] == "mrz" and out[0]["format"] == "TD1"
    assert out[0]["lines"] == list(LINES) and out[0]["valid"] and out[0]["fields"]["can"] == "000001"
    assert set(out[0]) >= {"image", "found", "kind", "format", "lines", "valid", "fields", "ms"}
    assert out[0]["failed_checks"] == []
    assert not out[1]["found"] and out[1]["error"]["reason"] == "not-an-image"


def test_cli_says_which_checks_refused_a_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from ocr.mrz import engine
    from ocr.mrz.parse import evaluate

    image = tmp_path / "card.png"
    cv2.imwrite(str(image), np.full((480, 640), 200, np.uint8))
    # a reading whose composite check digit fails (last character 6 → 5) and that the second opinion refused
    refused = evaluate("TD1-CCCD", (LINES[0], LINES[1][:-1] + "5", LINES[2]))
    refused = dataclasses.replace(refused, checks={**refused.checks, "second_opinion": False})
    monkeypatch.setattr(engine, "read_mrz", lambda _image: refused)
    args = _args([image])
    args.no_qr = True
    args.handler(args)
    record = json.loads(capsys.readouterr().out)
    assert record["found"] and not record["valid"] and record["fields"] == {}
    assert record["failed_checks"] == ["composite", "second_opinion"]


def test_scan_gives_each_frame_its_reading_budget(frames: list[Image]) -> None:
    budgets: list[float | None] = []

    class Timed(MrzReader):
        def read_frame(self, image: Image, budget: float | None = None):  # type: ignore[no-untyped-def]
            budgets.append(budget)
            return super().read_frame(image, budget)

    events = list(scan(ListSource(frames), reader=Timed(), want_qr=False, frame_budget=0.25))
    assert events[-1].mrz is not None and events[-1].mrz.lines == LINES
    assert budgets and set(budgets) == {0.25}
    budgets.clear()
    list(scan(ListSource(frames[:1]), reader=Timed(), want_qr=False))
    assert budgets == [FRAME_BUDGET]
