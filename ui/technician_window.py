"""Technician view over the self-test engine (``kiosk.selftest.run_selftest``): one row per check with
its result, value, detail and what to do, in Vietnamese or English. The self-test runs on a worker thread;
each finished check arrives through a queued signal. ``cccd-kiosk selftest --gui`` calls
:func:`run_technician`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QMainWindow,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.selftest import CheckResult, SelftestOptions, SelftestReport
from ui import theme
from ui.i18n import Translator
from ui.widgets import label

log = logging.getLogger(__name__)

#: runs the self-test, reporting each result as (result, done, total)
SelftestRunner = Callable[[Callable[[CheckResult, int, int], None]], SelftestReport]

_COLOURS = {"ok": theme.OK, "warn": theme.WARN_INK, "fail": theme.ERROR_INK, "skip": theme.MUTED}


class TechnicianWindow(QMainWindow):
    progressed = Signal(object, int, int)  # CheckResult, done, total (from the worker)
    finished = Signal(object)  # SelftestReport | None

    def __init__(self, runner: SelftestRunner, tr: Translator) -> None:
        super().__init__()
        self.translator = tr
        self._runner = runner
        self.results: list[CheckResult] = []
        self.report: SelftestReport | None = None
        self._running = False
        self._done = (0, 0)
        self.setStyleSheet(theme.desk_stylesheet())
        self.title = label(name="title", wrap=False)
        self.language_button = QPushButton()
        self.language_button.clicked.connect(lambda *_: tr.toggle())
        self.run_button = QPushButton()
        self.run_button.clicked.connect(lambda *_: self.start())
        self.status = label()
        self.table = QTableWidget(0, 5)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.language_button)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(header)
        layout.addWidget(self.run_button)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        self.setCentralWidget(central)
        self.progressed.connect(self._on_progress)
        self.finished.connect(self._on_finished)
        tr.on_change(lambda _language: self.retranslate())
        self.retranslate()

    def start(self) -> bool:
        if self._running:
            return False
        self._running = True
        self.results = []
        self.report = None
        self._done = (0, 0)
        self.run_button.setEnabled(False)
        threading.Thread(target=self._worker, name="selftest", daemon=True).start()
        self.retranslate()
        return True

    def _worker(self) -> None:
        try:
            report = self._runner(lambda result, done, total: self.progressed.emit(result, done, total))
        except Exception as exc:  # the engine already turns check crashes into results; this is the rest
            log.warning("self-test run failed: %s", type(exc).__name__)
            report = None
        self.finished.emit(report)

    def _on_progress(self, result: CheckResult, done: int, total: int) -> None:
        self.results.append(result)
        self._done = (done, total)
        self.retranslate()

    def _on_finished(self, report: SelftestReport | None) -> None:
        self._running = False
        self.report = report
        if report is not None:
            self.results = list(report.results)
        self.run_button.setEnabled(True)
        self.retranslate()

    def retranslate(self) -> None:
        tr = self.translator
        self.setWindowTitle(tr("tech.title"))
        self.title.setText(tr("tech.title"))
        self.language_button.setText(tr("tech.language"))
        self.run_button.setText(tr("tech.run"))
        if self._running:
            self.status.setText(tr("tech.running", done=self._done[0], total=self._done[1] or "?"))
        elif self.report is not None:
            self.status.setText(tr("tech.summary", **self.report.counts()))
        else:
            self.status.setText("")
        self.table.setHorizontalHeaderLabels([tr("tech.check"), tr("tech.result"), tr("tech.value"),
                                              tr("tech.detail"), tr("tech.hint")])
        self.table.setRowCount(len(self.results))
        for row, item in enumerate(self.results):
            value = "" if item.value is None else f"{item.value} {item.unit}".strip()
            hint = item.hint.text(tr.language) if item.hint is not None else ""
            cells = [f"{item.title} ({item.id})", tr(f"tech.result.{item.result.value}"), value, item.detail, hint]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column == 1:
                    cell.setForeground(QColor(_COLOURS[item.result.value]))
                self.table.setItem(row, column, cell)
        header = self.table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        for column in (3, 4):  # detail and hint wrap in the remaining width
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()


def selftest_runner(config: Any = None, options: SelftestOptions | None = None) -> SelftestRunner:
    def run(progress: Callable[[CheckResult, int, int], None]) -> SelftestReport:
        from kiosk.selftest import run_selftest

        return run_selftest(config, options, progress=progress)

    return run


def run_technician(config: Any = None, options: SelftestOptions | None = None, *, language: str = "vi",
                   windowed: bool = True, autorun: bool = True, argv: Sequence[str] | None = None) -> int:
    """Show the technician window (blocks until it is closed). Returns the last run's exit code
    (0 ok, 1 warn, 2 fail; 0 if nothing ran), like ``cccd-kiosk selftest``."""
    from ui.app import make_app

    app = make_app(argv)
    window = TechnicianWindow(selftest_runner(config, options), Translator(language))
    window.resize(1200, 800)
    if windowed:
        window.show()
    else:
        window.showFullScreen()
    if autorun:
        window.start()
    app.exec()
    return window.report.exit_code if window.report is not None else 0
