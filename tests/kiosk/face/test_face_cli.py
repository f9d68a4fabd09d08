from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from kiosk.cli import face as face_cli

Encode = Callable[..., bytes]


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cccd-kiosk")
    face_cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["face", *argv])


@pytest.fixture
def files(tmp_path: Path, chip_photo_jp2: bytes, astronaut: np.ndarray, encode: Encode) -> dict[str, Path]:
    paths = {"chip": tmp_path / "chip.jp2", "same": tmp_path / "same.jpg", "empty": tmp_path / "empty.jpg"}
    paths["chip"].write_bytes(chip_photo_jp2)
    paths["same"].write_bytes(encode(astronaut, "JPEG", quality=85))
    paths["empty"].write_bytes(encode(np.full((240, 320, 3), 100, np.uint8)))
    return paths


def test_parser_wires_the_handler(files: dict[str, Path]) -> None:
    args = _parse(["--chip-photo", str(files["chip"]), "--image", str(files["same"]), "--json"])
    assert args.handler is face_cli.run
    assert args.json is True


def test_json_match(files: dict[str, Path], detector: object, capsys: pytest.CaptureFixture[str]) -> None:
    code = face_cli.run(_parse(["--chip-photo", str(files["chip"]), "--image", str(files["same"]), "--json"]))
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert result["outcome"] == "match" and result["liveness"] == "not-run"
    assert result["distance"] < 0.5
    assert result["thresholds"] == {"match_below": 0.5, "no_match_from": 0.6}


def test_text_output_no_face(
    files: dict[str, Path], detector: object, capsys: pytest.CaptureFixture[str]
) -> None:
    code = face_cli.run(_parse(["--chip-photo", str(files["chip"]), "--image", str(files["empty"])]))
    out = capsys.readouterr().out
    assert code == 1
    assert "no-face-live" in out and "unsure" in out


def test_threshold_override_changes_the_outcome(
    files: dict[str, Path], detector: object, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--chip-photo", str(files["chip"]), "--image", str(files["same"]), "--json"]
    code = face_cli.run(_parse([*argv, "--match-below", "0.01", "--no-match-from", "0.02"]))
    assert code == 1
    assert json.loads(capsys.readouterr().out)["outcome"] == "no-match"


def test_usage_errors(files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = ["--chip-photo", str(tmp_path / "nope.jp2"), "--image", str(files["same"])]
    assert face_cli.run(_parse(missing)) == 2
    assert "not a file" in capsys.readouterr().err
    bad = ["--chip-photo", str(files["chip"]), "--image", str(files["same"]), "--match-below", "0.9"]
    assert face_cli.run(_parse(bad)) == 2
