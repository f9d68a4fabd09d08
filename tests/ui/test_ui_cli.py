"""``cccd-kiosk run`` and ``cccd-kiosk staff``: no Qt import until they run; the demo modes start, show
their window and quit cleanly."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse
import subprocess
import sys
import time
from typing import Any

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QApplication


def test_cli_modules_do_not_import_qt() -> None:
    code = ("import sys, argparse, kiosk.cli.run as r, kiosk.cli.staff as s\n"
            "p = argparse.ArgumentParser(); sub = p.add_subparsers()\n"
            "r.add_parser(sub); s.add_parser(sub)\n"
            "a = p.parse_args(['run', '--windowed', '--demo'])\n"
            "assert a.handler is r.run and a.demo and a.windowed\n"
            "assert 'PySide6' not in sys.modules, 'Qt imported at parse time'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.fixture()
def fake_exec(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Run the event loop for a moment instead of until quit (quitting the shared test application would
    stop later tests' event loops), and note the windows that were shown."""
    seen: list[str] = []

    def exec_(self: QApplication) -> int:
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            self.processEvents()
            time.sleep(0.01)
        seen.extend(w.windowTitle() for w in self.topLevelWidgets() if w.isVisible())
        return 0

    monkeypatch.setattr(QApplication, "exec", exec_)
    return seen


def test_run_demo_starts_and_quits(fake_exec: list[str], capsys: Any) -> None:
    from kiosk.cli import run

    args = argparse.Namespace(demo=True, windowed=True, transport="memory", ask_department=False, language="en")
    assert run.run(args) == 0
    assert "Hospital check-in with your ID card" in fake_exec
    assert "virtual card" in capsys.readouterr().err


def test_staff_demo_starts_and_quits(fake_exec: list[str]) -> None:
    from kiosk.cli import staff

    assert staff.run(argparse.Namespace(demo=True, reader=None, language="vi", api_origin=[], api_port=0)) == 0
    assert "Đọc thẻ căn cước — bàn nhân viên" in fake_exec
