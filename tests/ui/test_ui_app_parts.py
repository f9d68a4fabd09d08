"""Application plumbing and the rules every kiosk screen follows: catalogs complete in vi and en, text
>= 24 pt, touch targets >= 15 mm, "call staff" everywhere, the sd_notify heartbeat, the idle filter."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import re
import socket
import tempfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from kiosk.config import Department
from kiosk.flow.machine import STEPS, FlowState, FlowView
from kiosk.flow.reasons import REASONS, NextStep
from ui import theme
from ui.app import GuiThreadCollector, IdleFilter, SystemdNotifier, WatchdogHeartbeat
from ui.bridge import FlowBridge
from ui.i18n import Translator, catalog
from ui.kiosk_window import SCREEN_FOR_STATE, KioskWindow

UI = Path(__file__).resolve().parents[2] / "ui"


def test_catalogs_have_the_same_keys_and_every_used_key() -> None:
    vi, en = catalog("vi"), catalog("en")
    assert set(vi) == set(en)
    assert all(v.strip() for v in [*vi.values(), *en.values()])
    used: set[str] = set()
    for path in UI.rglob("*.py"):
        used |= set(re.findall(r"""\btr\(\s*["']([a-z_.\-]+)["']\s*[,)]""", path.read_text(encoding="utf-8")))
    used |= {f"step.{s}" for s in STEPS} | {f"next.{n.value}" for n in NextStep}
    used |= {f"tech.result.{r}" for r in ("ok", "warn", "fail", "skip")}
    used |= {f"verdict.{v}" for v in ("authentic", "issuer-unknown", "failed")}
    assert len(used) > 40
    assert used <= set(vi), sorted(used - set(vi))
    # Vietnamese strings keep their diacritics (not ASCII-folded)
    assert sum(1 for v in vi.values() if re.search(r"[ạảãàáâậầấẩẫăắằặẳẵđêếềệểễôốồộổỗơớờợởỡưứừựửữ]", v)) > 40


def _window(qtbot: Any) -> KioskWindow:
    window = KioskWindow(FlowBridge(), Translator("vi"))
    qtbot.addWidget(window)
    window.resize(1024, 768)
    window.show()
    return window


SAMPLE_VIEWS = [
    FlowView(1, FlowState.IDLE),
    FlowView(1, FlowState.WAITING, card_present=True),
    FlowView(1, FlowState.READING, step="reading", progress=0.3),
    FlowView(1, FlowState.INSURANCE, step="insurance", progress=0.7, masked_name="NGUYỄN V** A*",
             insurance="insurance-valid"),
    FlowView(1, FlowState.CHOOSE_DEPARTMENT, departments=(Department("KKB", "Khoa Khám bệnh", "Phòng 1",
                                                                     "Outpatient clinic"),)),
    FlowView(1, FlowState.FAILED, failure=REASONS["wrong-key"]),
]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_screen_has_big_text_big_targets_and_call_staff(qtbot: Any, language: str) -> None:
    window = _window(qtbot)
    window.translator.set_language(language)
    minimum = theme.touch_px()
    assert minimum == round(15 / 25.4 * theme.screen_dpi())
    for view in SAMPLE_VIEWS:
        window.show_view(view)
        assert window.current_screen == SCREEN_FOR_STATE[view.state]
        assert window.staff_button.isVisibleTo(window) and window.language_button.isVisibleTo(window)
        for widget in window.findChildren(QWidget):
            if not widget.isVisibleTo(window):
                continue
            widget.ensurePolished()
            if isinstance(widget, QPushButton):
                assert widget.height() >= minimum and widget.width() >= minimum, widget.text()
            if isinstance(widget, QLabel | QPushButton) and widget.text():
                assert widget.font().pointSize() >= theme.BODY_PT, widget.text()


def test_heartbeat_sends_ready_then_watchdog(qtbot: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "notify")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
            server.bind(path)
            server.settimeout(5)
            notifier = SystemdNotifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"})
            assert notifier.watchdog_s == pytest.approx(0.4)
            heartbeat = WatchdogHeartbeat(notifier)
            assert heartbeat.timer.interval() == 200  # half the watchdog interval
            heartbeat.start()
            assert server.recv(256).startswith(b"READY=1")
            assert server.recv(256) == b"WATCHDOG=1"
            qtbot.waitUntil(lambda: heartbeat.beats >= 3, timeout=5_000)  # beats come from the event loop
            heartbeat.stop()


def test_heartbeat_holds_back_when_unhealthy_and_is_off_without_systemd(qtbot: Any) -> None:
    assert not SystemdNotifier({}).enabled
    assert SystemdNotifier({"NOTIFY_SOCKET": "@abstract"}).address == "\0abstract"
    assert SystemdNotifier({"WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1", "NOTIFY_SOCKET": "/x"}).watchdog_s is None
    heartbeat = WatchdogHeartbeat(SystemdNotifier({}), healthy=lambda: False)
    heartbeat.beat()
    assert heartbeat.beats == 0


def test_idle_filter_sees_touches_and_keys(qtbot: Any) -> None:
    seen: list[int] = []
    widget = QPushButton("x")
    qtbot.addWidget(widget)
    widget.show()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert app is not None
    idle = IdleFilter(lambda: seen.append(1))
    app.installEventFilter(idle)
    try:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
        qtbot.keyClick(widget, Qt.Key.Key_A)
    finally:
        app.removeEventFilter(idle)
    assert len(seen) >= 2


def test_catalog_files_are_valid_json() -> None:
    for name in ("vi.json", "en.json"):
        assert isinstance(json.loads((UI / "i18n" / name).read_text(encoding="utf-8")), dict)


def test_systemd_unit_supervises_with_the_watchdog() -> None:
    import configparser

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(UI.parent / "deploy" / "cccd-kiosk.service", encoding="utf-8")
    service = unit["Service"]
    assert service["Type"] == "notify"
    assert 20 <= int(service["WatchdogSec"]) <= 60
    assert service["Restart"] == "always"
    assert "cccd-kiosk run" in service["ExecStart"]
    assert "WATCHDOG_PID" in service["ExecStart"] and service["NotifyAccess"] == "all"


def test_language_toggle_on_every_sample_screen(qtbot: Any) -> None:
    window = _window(qtbot)
    for view in SAMPLE_VIEWS:
        window.translator.set_language("vi")
        window.show_view(view)
        before = [t for t in window.visible_texts() if t != view.masked_name]
        window.language_button.click()
        after = window.visible_texts()
        assert not [t for t in before if t in after], view.state


def test_garbage_is_collected_on_the_gui_thread_only(qtbot: Any) -> None:
    import gc

    from PySide6.QtCore import QObject

    owner = QObject()
    collector = GuiThreadCollector(owner, interval_ms=10)
    try:
        assert not gc.isenabled(), "automatic collection, which may run in any thread, is off"
        for _ in range(gc.get_threshold()[0] + 100):  # reference cycles: only the cyclic collector frees them
            cycle: list[object] = []
            cycle.append(cycle)
        assert gc.get_count()[0] > gc.get_threshold()[0]
        qtbot.waitUntil(lambda: gc.get_count()[0] < gc.get_threshold()[0], timeout=2000)
    finally:
        collector.deleteLater()
        owner.deleteLater()
