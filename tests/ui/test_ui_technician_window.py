"""Technician window over the self-test engine: results arrive from a worker thread, in both languages."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("pytestqt")

from kiosk.selftest import CheckResult, Hint, Result, SelftestReport
from ui.i18n import Translator
from ui.technician_window import TechnicianWindow

RESULTS = (
    CheckResult("pcsc", "PC/SC service", Result.OK, detail="pcscd running"),
    CheckResult("printer", "Ticket printer", Result.FAIL, detail="no paper",
                hint=Hint("Nạp giấy vào máy in.", "Load paper into the printer.")),
    CheckResult("camera", "Camera", Result.WARN, 42.0, "sharpness", "blurry",
                Hint("Lau ống kính camera.", "Clean the camera lens.")),
)


def fake_runner(threads: list[str]) -> Callable[[Callable[[CheckResult, int, int], None]], SelftestReport]:
    def run(progress: Callable[[CheckResult, int, int], None]) -> SelftestReport:
        threads.append(threading.current_thread().name)
        for i, result in enumerate(RESULTS, 1):
            progress(result, i, len(RESULTS))
        return SelftestReport(RESULTS)

    return run


def test_results_table_and_language(qtbot: Any) -> None:
    threads: list[str] = []
    window = TechnicianWindow(fake_runner(threads), Translator("vi"))
    qtbot.addWidget(window)
    assert window.start()
    qtbot.waitUntil(lambda: window.report is not None, timeout=10_000)
    assert threads and threads[0] != threading.main_thread().name
    assert window.table.rowCount() == 3
    cell: Any = window.table.item(1, 1)
    assert cell.text() == "Lỗi"
    hint: Any = window.table.item(1, 4)
    assert hint.text() == "Nạp giấy vào máy in."
    assert window.status.text() == window.translator("tech.summary", ok=1, warn=1, fail=1, skip=0)
    window.language_button.click()
    hint = window.table.item(1, 4)
    assert hint.text() == "Load paper into the printer."
    value: Any = window.table.item(2, 2)
    assert value.text() == "42.0 sharpness"
    assert window.report is not None and window.report.exit_code == 2


def test_runner_crash_does_not_kill_the_window(qtbot: Any) -> None:
    def broken(progress: Callable[[CheckResult, int, int], None]) -> SelftestReport:
        raise RuntimeError("boom")

    window = TechnicianWindow(broken, Translator("en"))
    qtbot.addWidget(window)
    window.start()
    qtbot.waitUntil(window.run_button.isEnabled, timeout=10_000)
    assert window.report is None and window.status.text() == ""
