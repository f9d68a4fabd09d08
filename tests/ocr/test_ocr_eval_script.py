"""scripts/ocr_eval.py on a three-frame set: make, run, compare, pool, --only-failures-of, --experiment."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ocr.synth import font_path

REPO = Path(__file__).resolve().parents[2]
FRAME_KEYS = {"lines", "valid", "exact", "false_accept", "ms", "format", "style"}


def _load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # the pool's workers find their functions by module name
    spec.loader.exec_module(module)
    return module


ev = _load_script("ocr_eval")


def _font_or_skip() -> None:
    try:
        font_path()
    except FileNotFoundError:
        pytest.skip("OCR-B font not installed (fonts-ocr-b)")


def _frames(path: Path) -> dict[str, dict[str, Any]]:
    frames: dict[str, dict[str, Any]] = json.loads(path.read_text())["frames"]
    return frames


def _write(path: Path, frames: dict[str, dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"frames": frames}))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(sets root with s1 of 3 frames, results dir with RUN/s1.json), via the CLI's main()."""
    _font_or_skip()
    tmp = tmp_path_factory.mktemp("ocr_eval")
    root, out = tmp / "sets", tmp / "res"
    assert ev.main(["make", "--root", str(root), "--count", "3", "1"]) == 0
    assert ev.main(["run", "--root", str(root), "--out", str(out), "--procs", "1", "RUN", "s1"]) == 0
    return root, out


def test_auto_style_is_the_documented_convention() -> None:
    assert [s for s in range(1, 50) if ev.auto_style(s) == "photo"] == [2, *range(31, 50, 2)]


def test_make_writes_the_set_and_skips_it_next_time(made: tuple[Path, Path],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = made
    truth = json.loads((root / "s1" / "ground_truth.json").read_text())
    assert sorted(truth) == ["00000.jpg", "00001.jpg", "00002.jpg"]
    assert {t["style"] for t in truth.values()} == {"synthetic"}  # seed 1: synthetic by convention
    before = (root / "s1" / "ground_truth.json").stat().st_mtime_ns
    assert ev.main(["make", "--root", str(root), "--count", "3", "1"]) == 0
    assert "s1: exists, skipped" in capsys.readouterr().err
    assert (root / "s1" / "ground_truth.json").stat().st_mtime_ns == before


def test_run_writes_documented_per_frame_results(made: tuple[Path, Path]) -> None:
    root, out = made
    truth = json.loads((root / "s1" / "ground_truth.json").read_text())
    frames = _frames(out / "RUN" / "s1.json")
    assert sorted(frames) == sorted(truth)
    for name, f in frames.items():
        assert set(f) == FRAME_KEYS
        right = f["lines"] == truth[name]["lines"]
        assert f["exact"] == (f["valid"] and right)
        assert f["false_accept"] == (f["valid"] and not right)
        assert f["format"] == truth[name]["format"] and f["style"] == "synthetic"
        assert isinstance(f["ms"], float) and f["ms"] > 0
    # these three clean synthetic frames are read right by the shipped engine
    assert all(f["exact"] for f in frames.values())


def test_judge_exact_needs_valid_and_right_lines() -> None:
    truth = {"format": "TD3", "style": "photo", "lines": ["A" * 44, "B" * 44]}
    right, wrong = ["A" * 44, "B" * 44], ["A" * 44, "8" * 44]
    assert ev.judge(truth, right, True, 5.0) == {"lines": right, "valid": True, "exact": True,
                                                  "false_accept": False, "ms": 5.0, "format": "TD3",
                                                  "style": "photo"}
    assert (ev.judge(truth, right, False, 5.0)["exact"], ev.judge(truth, right, False, 5.0)["false_accept"]) == (
        False, False)
    assert (ev.judge(truth, wrong, True, 5.0)["exact"], ev.judge(truth, wrong, True, 5.0)["false_accept"]) == (
        False, True)
    assert (ev.judge(truth, [], False, 5.0)["exact"], ev.judge(truth, [], False, 5.0)["false_accept"]) == (
        False, False)


def test_run_prints_counts_and_names_only(made: tuple[Path, Path], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = made
    assert ev.main(["run", "--root", str(root), "--out", str(tmp_path), "--procs", "1", "--limit", "2",
                    "LIM", "s1"]) == 0
    printed = capsys.readouterr()
    assert printed.out.startswith("s1: 2 frames, exact 2, false accepts 0 []")
    assert len(_frames(tmp_path / "LIM" / "s1.json")) == 2
    truth = json.loads((root / "s1" / "ground_truth.json").read_text())
    for entry in truth.values():  # no MRZ line (nor a piece of one) on stdout or stderr
        for line in entry["lines"]:
            assert line[:15] not in printed.out + printed.err


def test_compare_reports_the_frame_base_missed(made: tuple[Path, Path], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    _, out = made
    frames = _frames(out / "RUN" / "s1.json")
    base = {n: {**f, "lines": [], "valid": n != "00001.jpg", "exact": n != "00001.jpg"} for n, f in frames.items()}
    _write(tmp_path / "BASE" / "s1.json", base)
    _write(tmp_path / "RUN" / "s1.json", frames)
    rows = ev.compare(tmp_path, "BASE", "RUN")
    assert [(r.set_name, r.frames, r.gained, r.lost, r.tag_false_accepts) for r in rows] == [
        ("s1", 3, ["00001.jpg"], [], [])]
    assert ev.main(["compare", "--out", str(tmp_path), "BASE", "RUN"]) == 0
    text = capsys.readouterr().out
    assert "s1: 3 frames in both; gained 1 [00001.jpg]; lost 0 []" in text
    assert "total: 1 sets, 3 frames in both; gained 1, lost 0 (net +1)" in text
    # and the other way round: lost
    assert ev.compare(tmp_path, "RUN", "BASE")[0].lost == ["00001.jpg"]


def test_only_failures_of_rereads_just_those_frames(made: tuple[Path, Path], tmp_path: Path) -> None:
    root, out = made
    frames = _frames(out / "RUN" / "s1.json")
    base = {n: {**f, "exact": n != "00002.jpg"} for n, f in frames.items()}
    _write(tmp_path / "BASE" / "s1.json", base)
    assert ev.main(["run", "--root", str(root), "--out", str(tmp_path), "--procs", "1",
                    "--only-failures-of", "BASE", "QUICK", "s1"]) == 0
    quick = _frames(tmp_path / "QUICK" / "s1.json")
    assert list(quick) == ["00002.jpg"] and quick["00002.jpg"]["exact"]
    assert ev.compare(tmp_path, "BASE", "QUICK")[0].gained == ["00002.jpg"]


def test_experiment_runs_in_the_workers(made: tuple[Path, Path], tmp_path: Path) -> None:
    root, _ = made
    exp = tmp_path / "blind.py"
    exp.write_text("from ocr.mrz import engine\nengine.MrzReader.read = lambda self, image, budget=None: None\n")
    assert ev.main(["run", "--root", str(root), "--out", str(tmp_path), "--procs", "1", "--experiment", str(exp),
                    "EXP", "s1"]) == 0
    frames = _frames(tmp_path / "EXP" / "s1.json")
    assert len(frames) == 3 and not any(f["valid"] or f["exact"] or f["lines"] for f in frames.values())


def _fake(n: int, bad: set[int], fa: set[int], old_keys: bool) -> dict[str, dict[str, Any]]:
    """``n`` frames, those in ``bad`` not exact, those in ``fa`` false accepts; old files say fa/fmt, no style."""
    frames: dict[str, dict[str, Any]] = {}
    for i in range(n):
        f: dict[str, Any] = {"lines": [], "valid": i not in bad or i in fa, "exact": i not in bad, "ms": 1.0}
        f["fa" if old_keys else "false_accept"] = i in fa
        f["fmt" if old_keys else "format"] = "TD1"
        frames[f"{i:05d}.jpg"] = f
    return frames


def test_pool_counts_documented_pools_and_totals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # old-style files (fa, no style): style by seed convention; s1 and s2 pooled by their first 200 frames
    _write(tmp_path / "T" / "s1.json", _fake(250, bad={5, 220}, fa=set(), old_keys=True))
    _write(tmp_path / "T" / "s2.json", _fake(250, bad={7, 8, 240}, fa={8, 240}, old_keys=True))
    _write(tmp_path / "T" / "s30.json", _fake(10, bad={1}, fa=set(), old_keys=True))
    _write(tmp_path / "T" / "s31.json", _fake(10, bad=set(), fa=set(), old_keys=True))
    _write(tmp_path / "T" / "s38.json", _fake(10, bad={0, 1}, fa=set(), old_keys=True))  # not pooled
    assert ev.main(["pool", "--out", str(tmp_path), "T"]) == 0
    printed = capsys.readouterr()
    lines = printed.out.splitlines()
    assert lines[0] == "pool synthetic (s1[:200], s30): 208 / 210 exact, 99.05 %, false accepts 0 []"
    assert lines[1] == "pool photo (s2[:200], s31): 208 / 210 exact, 99.05 %, false accepts 1 [s2/00008.jpg]"
    assert lines[2] == "all synthetic (3 sets): 265 / 270 exact, 98.15 %, false accepts 0 []"
    assert lines[3] == "all photo (2 sets): 257 / 260 exact, 98.85 %, false accepts 2 [s2/00008.jpg, s2/00240.jpg]"
    assert lines[4].startswith("all (5 sets): 522 / 530 exact, 98.49 %, false accepts 2")
    assert "s32" in printed.err  # missing pool sets are named on stderr


def test_pool_takes_style_from_the_results_over_the_convention(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    frames = _fake(4, bad={3}, fa={3}, old_keys=False)
    for i, f in enumerate(frames.values()):
        f["style"] = "photo" if i % 2 else "synthetic"  # a mixed set
    _write(tmp_path / "T" / "s7.json", frames)
    assert ev.main(["pool", "--out", str(tmp_path), "T", "--sets", "s7"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "pool synthetic (s7): 2 / 2 exact, 100.00 %, false accepts 0 []"
    assert lines[1] == "pool photo (s7): 1 / 2 exact, 50.00 %, false accepts 1 [s7/00003.jpg]"
