"""Staff desk window: reader status, the last card read with every DG13 field, the chip photo and the
verification detail, copy buttons, manual key entry, and the list of this sitting's reads (memory only;
nothing is written to disk). Reads run on a worker thread; results come back through a queued signal.

The local HTTP API for browser HIS pages is a separate component; it asks for consent through
:meth:`StaffWindow.ask_consent` (GUI thread) or :meth:`StaffWindow.ask_consent_blocking` (any other thread).
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.cardjson import card_read_to_json
from kiosk.privacy import mask_name
from nfc.access.keys import AccessKey, CanKey
from nfc.errors import NfcError
from nfc.model import CardRead
from nfc.transport.base import CardConnection, CardEvent, CardEventKind
from ui import theme
from ui.i18n import Translator
from ui.widgets import PhotoLabel, label

log = logging.getLogger(__name__)

Verifier = Callable[[CardRead, AccessKey, str | None], Any]

#: DG13 fields in the order of the card's printed layout
FIELD_ORDER = ("id_number", "full_name", "date_of_birth", "sex", "nationality", "ethnicity", "religion",
               "place_of_origin", "place_of_residence", "identifying_marks", "issue_date", "expiry_date",
               "father_name", "mother_name", "spouse_name", "old_id_number", "card_serial", "unknown_fields")


@dataclass(frozen=True, repr=False)
class StaffRead:
    """One read of this sitting: the JSON document (as ``cccd-kiosk read --json``) and a displayable photo."""

    at: datetime
    document: dict[str, Any] = field(hash=False)
    photo: bytes | None
    verdict: str | None
    ms: float

    def __repr__(self) -> str:
        return f"StaffRead(at={self.at:%H:%M:%S}, verdict={self.verdict})"

    @property
    def masked_name(self) -> str:
        name = (self.document.get("personal_data") or {}).get("full_name") or ""
        return str(mask_name(name)) if name else "—"

    def fields(self) -> list[tuple[str, str]]:
        personal = self.document.get("personal_data") or {}
        rows: list[tuple[str, str]] = []
        for name in FIELD_ORDER:
            value = personal.get(name)
            if value in (None, "", {}, []):
                continue
            rows.append((name, json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)))
        return rows


def displayable_photo(data: bytes) -> bytes | None:
    """DG2 holds JPEG or JPEG 2000; Qt reads JPEG, Pillow (with OpenJPEG) turns JPEG 2000 into PNG."""
    if data[:3] == b"\xff\xd8\xff":
        return data
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            out = io.BytesIO()
            image.convert("RGB").save(out, "PNG")
            return out.getvalue()
    except Exception as exc:  # an odd image must not lose the rest of the read
        log.warning("photo not displayable: %s", type(exc).__name__)
        return None


def read_and_verify(open_connection: Callable[[], CardConnection], key: AccessKey,
                    verify: Verifier | None) -> StaffRead:
    """The blocking part (worker thread): read every file, verify, build the JSON document."""
    from nfc.reader import ReadPlan, read_card

    started = time.perf_counter()
    connection = open_connection()
    try:
        read = read_card(connection, key, ReadPlan())
    finally:
        connection.close()
    if verify is not None:
        read = dataclasses.replace(read, verification=verify(read, key, None))
    document = card_read_to_json(read)
    photo = displayable_photo(read.faces[0].data) if read.faces else None
    verdict = document["verification"]["verdict"] if document.get("verification") else None
    return StaffRead(datetime.now(), document, photo, verdict, (time.perf_counter() - started) * 1000)


class _ConsentAsker(QObject):
    """Lives on the GUI thread; other threads call ``ask`` through a blocking queued invocation."""

    asked = Signal(str, object)

    def __init__(self, window: StaffWindow) -> None:
        super().__init__(window)
        self._window = window
        self.asked.connect(self._ask, Qt.ConnectionType.QueuedConnection)

    @Slot(str, object)
    def _ask(self, origin: str, reply: list[Any]) -> None:
        reply.append(self._window.ask_consent(origin))
        reply[0].set()


class StaffWindow(QMainWindow):
    card_event = Signal(object)  # CardEvent, from the watcher thread
    read_done = Signal(object, str)  # (StaffRead | None, error text)

    def __init__(self, open_connection: Callable[[], CardConnection], verify: Verifier | None,
                 tr: Translator, *, reader: str = "") -> None:
        super().__init__()
        self.translator = tr
        self._open_connection = open_connection
        self._verify = verify
        self._reader = reader
        self._reader_state = "ready" if reader else "none"
        self._reading = False
        self._status_key = ""
        self._status_values: dict[str, object] = {}
        self.reads: list[StaffRead] = []  # this sitting only, in memory
        self._shown: StaffRead | None = None
        self._consent = _ConsentAsker(self)
        self.setStyleSheet(theme.desk_stylesheet())

        self.title = label(name="title", wrap=False)
        self.language_button = QPushButton()
        self.language_button.clicked.connect(lambda *_: tr.toggle())
        self.reader_status = label()
        self.key_box = QGroupBox()
        self.can_label = QLabel()
        self.can_input = QLineEdit()
        self.can_input.setMaxLength(6)
        self.can_input.setInputMask("")
        self.mrz_label = QLabel()
        self.mrz_input = QPlainTextEdit()
        self.mrz_input.setFixedHeight(80)
        self.read_button = QPushButton()
        self.read_button.clicked.connect(lambda *_: self.start_read())
        self.status = label()
        key_layout = QVBoxLayout(self.key_box)
        for widget in (self.can_label, self.can_input, self.mrz_label, self.mrz_input, self.read_button,
                       self.status):
            key_layout.addWidget(widget)

        self.sitting_box = QGroupBox()
        self.sitting = QListWidget()
        self.sitting.currentRowChanged.connect(self._select)
        QVBoxLayout(self.sitting_box).addWidget(self.sitting)

        self.read_box = QGroupBox()
        self.photo = PhotoLabel(150, 200)
        self.copy_json_button = QPushButton()
        self.copy_json_button.clicked.connect(lambda *_: self._copy_json())
        self.table = QTableWidget(0, 3)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.verification_label = QLabel()
        self.verification = QPlainTextEdit()
        self.verification.setReadOnly(True)
        photo_column = QVBoxLayout()
        photo_column.addWidget(self.photo)
        photo_column.addWidget(self.copy_json_button)
        photo_column.addStretch(1)
        top = QHBoxLayout()
        top.addLayout(photo_column)
        top.addWidget(self.table, 1)
        read_layout = QVBoxLayout(self.read_box)
        read_layout.addLayout(top, 3)
        read_layout.addWidget(self.verification_label)
        read_layout.addWidget(self.verification, 1)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.reader_status)
        left_layout.addWidget(self.key_box)
        left_layout.addWidget(self.sitting_box, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.read_box)
        splitter.setStretchFactor(1, 3)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.language_button)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(header)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

        self.card_event.connect(self._on_card_event)
        self.read_done.connect(self._on_read_done)
        tr.on_change(lambda _language: self.retranslate())
        self.retranslate()

    # -- reader -----------------------------------------------------------------------------------
    def post_card_event(self, event: CardEvent) -> None:
        """``CardWatcher`` callback (any thread)."""
        self.card_event.emit(event)

    def _on_card_event(self, event: CardEvent) -> None:
        if event.kind in (CardEventKind.READER_ADDED, CardEventKind.REMOVED):
            self._reader, self._reader_state = event.reader, "ready"
        elif event.kind is CardEventKind.INSERTED:
            self._reader, self._reader_state = event.reader, "card"
            if self._key_or_none() is not None:
                self.start_read()
        elif event.kind is CardEventKind.READER_REMOVED and event.reader == self._reader:
            self._reader_state = "none"
        elif event.kind is CardEventKind.SERVICE_LOST:
            self._reader_state = "service-lost"
        self.retranslate()

    # -- reading ----------------------------------------------------------------------------------
    def _key_or_none(self) -> AccessKey | None:
        can = self.can_input.text().strip()
        mrz = self.mrz_input.toPlainText().strip()
        try:
            if can:
                return CanKey(can)
            if mrz:
                from nfc.lds.mrz import parse_mrz

                key: AccessKey = parse_mrz(mrz).access_key()
                return key
        except (NfcError, ValueError):
            return None
        return None

    def start_read(self) -> bool:
        """Read the card on a worker thread with the typed key. False if no valid key or already reading."""
        if self._reading:
            return False
        key = self._key_or_none()
        if key is None:
            self._set_status("staffwin.bad_key")
            return False
        self._reading = True
        self.read_button.setEnabled(False)
        self._set_status("staffwin.reading")
        threading.Thread(target=self._read_worker, args=(key,), name="staff-read", daemon=True).start()
        return True

    def _read_worker(self, key: AccessKey) -> None:
        try:
            self.read_done.emit(read_and_verify(self._open_connection, key, self._verify), "")
        except NfcError as exc:
            self.read_done.emit(None, str(getattr(exc, "reason", "")) or type(exc).__name__)
        except Exception as exc:  # keep the window alive; the staff see the error type
            log.warning("staff read failed: %s", type(exc).__name__)
            self.read_done.emit(None, type(exc).__name__)

    def _on_read_done(self, result: StaffRead | None, error: str) -> None:
        self._reading = False
        self.read_button.setEnabled(True)
        if result is None:
            self._set_status("staffwin.read_failed", reason=error)
            return
        self.reads.append(result)
        self.sitting.addItem("")
        self._set_status("staffwin.read_ok", ms=round(result.ms))
        self.sitting.setCurrentRow(len(self.reads) - 1)
        self.retranslate()

    # -- display ----------------------------------------------------------------------------------
    def _select(self, row: int) -> None:
        self._shown = self.reads[row] if 0 <= row < len(self.reads) else None
        self._show_read()

    def _show_read(self) -> None:
        tr = self.translator
        shown = self._shown
        self.table.setRowCount(0)
        self.photo.clear_photo()
        self.verification.clear()
        if shown is None:
            return
        self.photo.set_photo(shown.photo)
        rows = shown.fields()
        self.table.setRowCount(len(rows))
        for i, (name, value) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(tr(f"field.{name}")))
            self.table.setItem(i, 1, QTableWidgetItem(value))
            copy = QPushButton(tr("staffwin.copy"))
            copy.clicked.connect(lambda *_, v=value: self.copy(v))
            self.table.setCellWidget(i, 2, copy)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.verification.setPlainText(_verification_text(shown.document, tr))

    def copy(self, text: str) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(text)

    def _copy_json(self) -> None:
        if self._shown is not None:
            self.copy(json.dumps(self._shown.document, ensure_ascii=False, indent=2))

    def _set_status(self, key: str, **values: object) -> None:
        self._status_key, self._status_values = key, values
        self.status.setText(self.translator(key, **values))

    def retranslate(self) -> None:
        tr = self.translator
        self.setWindowTitle(tr("staffwin.title"))
        self.title.setText(tr("staffwin.title"))
        self.language_button.setText(tr("staffwin.language"))
        state_key = {"ready": "staffwin.reader_ready", "card": "staffwin.reader_card",
                     "none": "staffwin.reader_none", "service-lost": "staffwin.reader_service_lost"}
        self.reader_status.setText(f"{tr('staffwin.reader')}: "
                                   + tr(state_key[self._reader_state], reader=self._reader))
        self.key_box.setTitle(tr("staffwin.key"))
        self.can_label.setText(tr("staffwin.can"))
        self.mrz_label.setText(tr("staffwin.mrz"))
        self.read_button.setText(tr("staffwin.reading") if self._reading else tr("staffwin.read"))
        if self._status_key:
            self.status.setText(tr(self._status_key, **self._status_values))
        self.sitting_box.setTitle(tr("staffwin.sitting"))
        for i, item in enumerate(self.reads):
            verdict = tr("staffwin.verdict", verdict=_verdict(item.verdict, tr))
            self.sitting.item(i).setText(f"{item.at:%H:%M:%S}  {item.masked_name}  {verdict}")
        self.read_box.setTitle(tr("staffwin.last_read"))
        self.copy_json_button.setText(tr("staffwin.copy_json"))
        self.table.setHorizontalHeaderLabels([tr("staffwin.field"), tr("staffwin.value"), ""])
        self.verification_label.setText(tr("staffwin.verification"))
        self._show_read()

    # -- consent slot for the local HTTP API --------------------------------------------------------
    def ask_consent(self, origin: str) -> bool:
        """Modal question naming the requesting web origin (GUI thread). True = the staff allowed it."""
        tr = self.translator
        answer = QMessageBox.question(self, tr("staffwin.consent_title"), tr("staffwin.consent_body", origin=origin),
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def ask_consent_blocking(self, origin: str, timeout: float = 60.0) -> bool:
        """:meth:`ask_consent` from a server thread: waits for the staff's answer (False on timeout)."""
        done = threading.Event()
        reply: list[Any] = [done]
        self._consent.asked.emit(origin, reply)
        if not done.wait(timeout):
            return False
        return bool(reply[1]) if len(reply) > 1 else False


def _verdict(verdict: str | None, tr: Translator) -> str:
    known = ("authentic", "issuer-unknown", "failed")
    return tr(f"verdict.{verdict}") if verdict in known else (verdict or "—")


def _verification_text(document: dict[str, Any], tr: Translator) -> str:
    report = document.get("verification")
    lines: list[str] = []
    if report:
        lines.append(tr("staffwin.verdict", verdict=_verdict(report["verdict"], tr)) + (f" ({report['reason']})"
                                                                           if report.get("reason") else ""))
        for step in report.get("steps", []):
            detail = step.get("detail") or step.get("reason") or ""
            lines.append(f"  {step['status']:<8} {step['name']}  {detail}".rstrip())
        if report.get("csca_subject"):
            lines.append(f"  CSCA: {report['csca_subject']}")
        if report.get("dsc_subject"):
            lines.append(f"  DSC: {report['dsc_subject']}")
    access = document.get("access") or {}
    if access:
        lines.append(f"{access.get('protocol')} / {access.get('password')} / {access.get('cipher')}")
    mrz = document.get("mrz")
    if mrz:
        lines.append("MRZ:")
        lines += [f"  {line}" for line in mrz.get("lines", [])]
    return "\n".join(lines)
