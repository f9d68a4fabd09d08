"""The patient kiosk window driven through every outcome with the virtual card and the local BHYT and
FHIR servers (DemoEnvironment, in-process transport)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

pytest.importorskip("pytestqt")

from kiosk.demo import DemoEnvironment, citizen_qr_payload
from kiosk.flow.machine import FlowState
from kiosk.flow.reasons import reason
from nfc.access.keys import CanKey
from nfc.virtual.faults import FaultPlan
from ui.demo import DemoKiosk, build_demo_kiosk
from ui.kiosk_window import DEFAULT_TIMINGS, KioskTimings

WAIT_MS = 30_000


@contextmanager
def kiosk(qtbot: Any, *, timings: KioskTimings = DEFAULT_TIMINGS, camera: bool = False,
          **env_args: Any) -> Iterator[tuple[DemoEnvironment, DemoKiosk]]:
    env_args.setdefault("transport", "memory")
    with DemoEnvironment(**env_args) as env:
        demo = build_demo_kiosk(env, timings=timings, camera=camera)
        qtbot.addWidget(demo.window)
        demo.window.resize(1024, 768)
        demo.window.show()
        try:
            yield env, demo
        finally:
            demo.close()


def tap(env: DemoEnvironment, demo: DemoKiosk, can: str | None = None, *, qr: bool = True) -> None:
    key = CanKey(can or env.citizen.can)
    demo.bridge.key_provided(key, citizen_qr_payload(env.citizen) if qr else None)
    demo.bridge.card_inserted()


def wait_state(qtbot: Any, demo: DemoKiosk, *states: FlowState) -> None:
    qtbot.waitUntil(lambda: demo.window.view.state in states, timeout=WAIT_MS)


def texts(demo: DemoKiosk) -> str:
    return "\n".join(demo.window.visible_texts())


def test_success_shows_result_then_ticket(qtbot: Any) -> None:
    seen: list[str] = []
    with kiosk(qtbot) as (env, demo):
        demo.bridge.view_changed.connect(lambda _view: seen.append(demo.window.current_screen))
        assert demo.window.current_screen == "attract"
        tap(env, demo)
        wait_state(qtbot, demo, FlowState.DONE)
        view = demo.window.view
        assert demo.window.current_screen == "ticket"
        assert view.ticket is not None
        shown = texts(demo)
        assert str(view.ticket.queue_number) in demo.window.visible_texts()
        assert "Khoa Khám bệnh" in shown and "Đăng ký thành công" in shown
        assert env.citizen.full_name not in shown  # only the masked name is ever shown
        # the patient saw progress with named steps, and the result with the masked name and photo
        assert "progress" in seen and "result" in seen
        result = demo.window.screens["result"]
        assert result.name.text() == view.masked_name  # type: ignore[attr-defined]
        assert result.photo.has_photo()  # type: ignore[attr-defined]
        assert reason("insurance-valid").vi == result.insurance.text()  # type: ignore[attr-defined]


def _assert_failure(qtbot: Any, demo: DemoKiosk, code: str, *, digits_button: bool = False) -> None:
    wait_state(qtbot, demo, FlowState.FAILED)
    failure = demo.window.view.failure
    assert failure is not None and failure.code == code
    assert demo.window.current_screen == "failure"
    shown = texts(demo)
    assert failure.vi in shown
    screen: Any = demo.window.screens["failure"]
    assert screen.next_step.text() == demo.window.translator(f"next.{failure.next_step.value}")
    assert screen.digits_button.isVisibleTo(demo.window) is digits_button
    assert screen.retry_button.isVisibleTo(demo.window)  # never a dead end


def test_wrong_can_offers_the_other_key(qtbot: Any) -> None:
    with kiosk(qtbot) as (env, demo):
        wrong = "000000" if env.citizen.can != "000000" else "111111"
        tap(env, demo, wrong, qr=False)
        _assert_failure(qtbot, demo, "wrong-key", digits_button=True)
        # typing the right digits on the keypad starts again with the card still on the reader
        screen: Any = demo.window.screens["failure"]
        screen.digits_button.click()
        assert demo.window.current_screen == "key_entry"
        entry: Any = demo.window.screens["key_entry"]
        for digit in env.citizen.can:
            next(b for b in entry.keypad.findChildren(type(screen.retry_button)) if b.text() == digit).click()
        entry.keypad.ok_button.click()
        wait_state(qtbot, demo, FlowState.DONE)


def test_card_removed_mid_read(qtbot: Any) -> None:
    with kiosk(qtbot, faults=FaultPlan(remove_after=12)) as (env, demo):
        tap(env, demo)
        _assert_failure(qtbot, demo, "card-removed")


def test_cloned_card_goes_to_staff(qtbot: Any) -> None:
    with kiosk(qtbot, cloned=True) as (env, demo):
        tap(env, demo)
        _assert_failure(qtbot, demo, "clone-suspected")
        screen: Any = demo.window.screens["failure"]
        assert demo.window.staff_button.isVisibleTo(demo.window)
        assert screen.staff_alerted.isVisibleTo(demo.window)


def test_insurance_expired_still_checks_in_with_notice(qtbot: Any) -> None:
    with kiosk(qtbot) as (env, demo):
        env.bhyt.set_scenario("010")
        tap(env, demo)
        wait_state(qtbot, demo, FlowState.DONE)
        assert demo.window.view.insurance == "insurance-expired"
        shown = texts(demo)
        assert reason("insurance-expired").vi in shown
        assert demo.window.translator("ticket.staff_confirmation") in shown


def test_his_down_gives_an_offline_ticket(qtbot: Any) -> None:
    with kiosk(qtbot) as (env, demo):
        env.fhir.set_failure("down")
        tap(env, demo)
        wait_state(qtbot, demo, FlowState.DONE)
        view = demo.window.view
        assert view.ticket is not None and view.ticket.staff_confirmation
        assert "his-offline" in {n.code for n in view.notices}
        assert reason("his-offline").vi in texts(demo)


def test_idle_reset_wipes_name_and_photo(qtbot: Any) -> None:
    timings = KioskTimings(idle_s=0.3, countdown_s=1)
    with kiosk(qtbot, timings=timings, department=None) as (env, demo):
        tap(env, demo)
        wait_state(qtbot, demo, FlowState.CHOOSE_DEPARTMENT)
        masked = demo.window.view.masked_name
        assert masked and masked in texts(demo)
        result: Any = demo.window.screens["result"]
        qtbot.waitUntil(result.photo.has_photo, timeout=WAIT_MS)
        qtbot.waitUntil(demo.window.idle_dialog.isVisible, timeout=5_000)
        qtbot.waitUntil(lambda: demo.window.current_screen == "attract", timeout=5_000)
        qtbot.waitUntil(lambda: demo.flow.view.state is FlowState.IDLE, timeout=5_000)
        assert demo.window.view.state is FlowState.IDLE
        assert not demo.window.idle_dialog.isVisible()
        assert not result.photo.has_photo()
        assert result.name.text() == ""
        department: Any = demo.window.screens["department"]
        assert department.name.text() == ""
        assert all(masked not in text for text in demo.window.visible_texts())


def test_idle_dialog_continue_keeps_the_session(qtbot: Any) -> None:
    timings = KioskTimings(idle_s=0.2, countdown_s=30)
    with kiosk(qtbot, timings=timings, department=None) as (env, demo):
        tap(env, demo)
        wait_state(qtbot, demo, FlowState.CHOOSE_DEPARTMENT)
        qtbot.waitUntil(demo.window.idle_dialog.isVisible, timeout=5_000)
        demo.window.idle_dialog.continue_button.click()
        assert not demo.window.idle_dialog.isVisible()
        assert demo.window.view.state is FlowState.CHOOSE_DEPARTMENT
        department: Any = demo.window.screens["department"]
        department.buttons["KKB"].click()
        wait_state(qtbot, demo, FlowState.DONE)


def _switches_every_string(qtbot: Any, demo: DemoKiosk, keep: Callable[[str], bool]) -> None:
    before = [t for t in demo.window.visible_texts() if not keep(t)]
    assert before
    demo.window.language_button.click()
    assert demo.window.translator.language == "en"
    after = demo.window.visible_texts()
    unchanged = [t for t in before if t in after]
    assert not unchanged, f"strings not translated: {unchanged}"
    demo.window.language_button.click()
    assert [t for t in demo.window.visible_texts() if not keep(t)] == before


def test_language_toggle_switches_every_visible_string(qtbot: Any) -> None:
    with kiosk(qtbot, department=None) as (env, demo):
        data: set[str] = set()

        def keep(text: str) -> bool:  # patient data and numbers are not translated
            symbols = text.replace(" ", "").replace("_", "").replace("⌫", "")
            return text in data or symbols.isdigit() or not symbols

        _switches_every_string(qtbot, demo, keep)  # attract
        demo.window.screens["attract"].type_digits.emit()  # type: ignore[attr-defined]
        _switches_every_string(qtbot, demo, keep)  # keypad
        demo.window.screens["key_entry"].cancel.emit()  # type: ignore[attr-defined]
        demo.bridge.card_inserted()
        qtbot.waitUntil(lambda: demo.window.current_screen == "key_source", timeout=WAIT_MS)
        _switches_every_string(qtbot, demo, keep)  # waiting for the key
        demo.bridge.key_provided(CanKey(env.citizen.can), citizen_qr_payload(env.citizen))
        wait_state(qtbot, demo, FlowState.CHOOSE_DEPARTMENT)
        data.add(demo.window.view.masked_name)
        _switches_every_string(qtbot, demo, keep)  # department choice
        demo.bridge.choose_department("KKB")
        wait_state(qtbot, demo, FlowState.DONE)
        _switches_every_string(qtbot, demo, keep)  # ticket


def test_language_toggle_on_failure_screen(qtbot: Any) -> None:
    with kiosk(qtbot, cloned=True) as (env, demo):
        tap(env, demo)
        wait_state(qtbot, demo, FlowState.FAILED)
        _switches_every_string(qtbot, demo, lambda text: False)
        demo.window.language_button.click()
        assert reason("clone-suspected").en in texts(demo)


def test_camera_qr_gives_the_key(qtbot: Any) -> None:
    """The demo camera shows the card's QR: frame guidance, QR decode, then the chip read."""
    with kiosk(qtbot, camera=True) as (_env, demo):
        assert demo.camera is not None and demo.scanner is not None
        demo.bridge.card_inserted()
        qtbot.waitUntil(lambda: demo.window.current_screen == "key_source", timeout=WAIT_MS)
        source: Any = demo.window.screens["key_source"]
        qtbot.waitUntil(lambda: source.guidance.isVisibleTo(demo.window), timeout=WAIT_MS)
        demo.camera.show_card()
        wait_state(qtbot, demo, FlowState.DONE)
        assert not demo.scanner.running or demo.window.view.key_present


def test_no_card_or_network_io_on_the_gui_thread(qtbot: Any) -> None:
    """The card connection, the flow events and the camera all run off the GUI thread."""
    import threading

    threads: list[str] = []
    with kiosk(qtbot, camera=True) as (env, demo):
        assert env.wiring is not None
        services = env.wiring.services
        original = services.open_connection

        def open_connection() -> Any:
            threads.append(threading.current_thread().name)
            return original()

        services.open_connection = open_connection
        original_inserted = demo.flow.card_inserted

        def card_inserted() -> None:
            threads.append(threading.current_thread().name)
            original_inserted()

        demo.flow.card_inserted = card_inserted  # type: ignore[method-assign]
        assert demo.camera is not None
        demo.camera.show_card()
        qtbot.waitUntil(lambda: demo.window.view.key_present, timeout=WAIT_MS)
        demo.bridge.card_inserted()
        wait_state(qtbot, demo, FlowState.DONE)
    assert len(threads) == 2
    assert threading.main_thread().name not in threads
