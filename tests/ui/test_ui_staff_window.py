"""Staff desk window on the virtual card: a full read on a worker thread, every DG13 field, photo,
verification detail, copy buttons, this sitting's list, reader events, the consent slot."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from kiosk.demo import DemoEnvironment
from nfc.transport.base import CardEvent, CardEventKind
from ui.i18n import Translator
from ui.staff_window import StaffRead, StaffWindow


@pytest.fixture()
def staff(qtbot: Any) -> Iterator[tuple[DemoEnvironment, StaffWindow]]:
    with DemoEnvironment(transport="memory") as env:
        assert env.wiring is not None
        services = env.wiring.services
        window = StaffWindow(services.open_connection, services.verify, Translator("vi"), reader="Virtual PCD")
        qtbot.addWidget(window)
        window.show()
        yield env, window


def _table(window: StaffWindow) -> dict[str, str]:
    rows = {}
    for row in range(window.table.rowCount()):
        name, value = window.table.item(row, 0), window.table.item(row, 1)
        assert name is not None and value is not None
        rows[name.text()] = value.text()
    return rows


def test_read_shows_every_field_photo_and_verification(qtbot: Any, staff: tuple[DemoEnvironment, StaffWindow]) -> None:
    env, window = staff
    window.can_input.setText(env.citizen.can)
    assert window.start_read()
    assert not window.read_button.isEnabled()  # the read runs on a worker; the GUI stays live
    qtbot.waitUntil(lambda: len(window.reads) == 1, timeout=30_000)
    rows = _table(window)
    tr = window.translator
    assert rows[tr("field.full_name")] == env.citizen.full_name
    assert rows[tr("field.id_number")] == env.citizen.id_number
    personal = window.reads[0].document["personal_data"]
    shown_fields = {name for name, _ in window.reads[0].fields()}
    assert {k for k, v in personal.items() if v not in (None, "", [], {}) and k != "parents"} <= shown_fields
    assert window.photo.has_photo()
    assert window.translator("verdict.authentic") in window.verification.toPlainText()
    assert "dg-hash:DG13" in window.verification.toPlainText()  # every verification step is listed
    assert window.sitting.count() == 1
    assert env.citizen.full_name not in window.sitting.item(0).text()  # the list shows masked names
    assert env.citizen.id_number not in repr(window.reads[0])
    assert env.citizen.full_name not in repr(window.reads[0])


def test_copy_buttons_copy_the_value(qtbot: Any, staff: tuple[DemoEnvironment, StaffWindow]) -> None:
    env, window = staff
    window.can_input.setText(env.citizen.can)
    window.start_read()
    qtbot.waitUntil(lambda: len(window.reads) == 1, timeout=30_000)
    row = next(r for r in range(window.table.rowCount())
               if window.table.item(r, 0).text() == window.translator("field.id_number"))  # type: ignore[union-attr]
    button: Any = window.table.cellWidget(row, 2)
    button.click()
    clipboard = QGuiApplication.clipboard()
    assert clipboard.text() == env.citizen.id_number
    window.copy_json_button.click()
    assert '"schema": "cccd-kiosk/card-read/1"' in clipboard.text()


def test_wrong_key_and_bad_key_are_reported(qtbot: Any, staff: tuple[DemoEnvironment, StaffWindow]) -> None:
    env, window = staff
    window.can_input.setText("12ab")
    assert not window.start_read()
    assert window.status.text() == window.translator("staffwin.bad_key")
    window.can_input.setText("000000" if env.citizen.can != "000000" else "111111")
    window.start_read()
    qtbot.waitUntil(lambda: window.read_button.isEnabled(), timeout=30_000)
    assert window.status.text() == window.translator("staffwin.read_failed", reason="wrong-key")
    assert window.reads == []


def test_card_on_reader_reads_with_the_typed_key(qtbot: Any, staff: tuple[DemoEnvironment, StaffWindow]) -> None:
    env, window = staff
    window.can_input.setText(env.citizen.can)
    window.post_card_event(CardEvent(CardEventKind.INSERTED, "Virtual PCD"))
    qtbot.waitUntil(lambda: len(window.reads) == 1, timeout=30_000)
    assert window.translator("staffwin.reader_card", reader="Virtual PCD") in window.reader_status.text()
    window.post_card_event(CardEvent(CardEventKind.SERVICE_LOST, ""))
    qtbot.waitUntil(lambda: "pcscd" in window.reader_status.text(), timeout=5_000)


def test_language_toggle_and_consent(qtbot: Any, staff: tuple[DemoEnvironment, StaffWindow],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _env, window = staff
    vi_title = window.key_box.title()
    window.language_button.click()
    assert window.key_box.title() == "Access key" != vi_title
    asked: list[str] = []

    def question(parent: Any, title: str, text: str, *args: Any) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    assert window.ask_consent("https://his.example.vn")
    assert "https://his.example.vn" in asked[0]


def test_staff_read_repr_is_masked() -> None:
    from datetime import datetime

    item = StaffRead(datetime(2026, 1, 1), {"personal_data": {"full_name": "Nguyễn Văn An", "id_number": "0"}},
                     None, "authentic", 1.0)
    assert "Nguyễn" not in repr(item)
    assert item.masked_name.upper() != "NGUYỄN VĂN AN" and "VĂN" not in item.masked_name.upper()


def test_consent_from_a_server_thread(qtbot: Any, staff: tuple[DemoEnvironment, StaffWindow],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    _env, window = staff
    asked_on: list[str] = []

    def question(*args: Any) -> QMessageBox.StandardButton:
        asked_on.append(threading.current_thread().name)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)
    answers: list[bool] = []
    worker = threading.Thread(target=lambda: answers.append(window.ask_consent_blocking("https://his.example.vn",
                                                                                        timeout=10)))
    worker.start()
    qtbot.waitUntil(lambda: bool(answers), timeout=10_000)
    worker.join()
    assert answers == [False]
    assert asked_on == [threading.main_thread().name]  # the dialog itself runs on the GUI thread
