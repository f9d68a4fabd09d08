"""Render every screen, in Vietnamese and English, to PNG (offscreen): ``scripts/screenshots [OUT]``.

The kiosk screens are reached by driving the real flow on the virtual card with the local BHYT and FHIR
servers (slowed down where a screen would otherwise flash by), so the pictures show what patients see."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

SIZE = (1024, 768)
LANGUAGES = ("vi", "en")


def _pump(app: Any, until: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        if until():
            app.processEvents()
            return
        time.sleep(0.01)
    raise TimeoutError("the screen did not appear in time")


def _save(widget: Any, path: Path) -> Path:
    from PySide6.QtCore import Qt

    pixmap = widget.grab()
    if (pixmap.width(), pixmap.height()) != SIZE:
        print(f"warning: {path.name} rendered at {pixmap.width()}×{pixmap.height()}, not {SIZE}", file=sys.stderr)
        pixmap = pixmap.scaled(*SIZE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    _write_small_png(pixmap, path)
    return path


def _write_small_png(pixmap: Any, path: Path) -> None:
    """A palette PNG without dithering: flat UI colours stay flat and the text stays crisp."""
    import io

    from PIL import Image
    from PySide6.QtCore import QBuffer, QIODevice

    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    pixmap.save(buffer, "PNG")
    with Image.open(io.BytesIO(bytes(buffer.data().data()))) as image:
        small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT,
                                              dither=Image.Dither.NONE)
        small.save(path, "PNG", optimize=True)


@contextmanager
def _kiosk(app: Any, language: str, **env_args: Any) -> Iterator[tuple[Any, Any]]:
    from kiosk.demo import DemoEnvironment
    from ui.demo import build_demo_kiosk
    from ui.kiosk_window import KioskTimings

    env_args.setdefault("transport", "memory")
    with DemoEnvironment(**env_args) as env:
        demo = build_demo_kiosk(env, language=language, camera=False,
                                timings=KioskTimings(idle_s=3600, countdown_s=20, done_s=10, failed_s=3600))
        demo.window.resize(*SIZE)
        demo.window.show()
        _pump(app, lambda: True)
        try:
            yield env, demo
        finally:
            demo.close()


def render_kiosk(app: Any, out: Path, language: str) -> list[Path]:
    from kiosk.demo import citizen_qr_payload
    from kiosk.flow.machine import FlowState
    from nfc.access.keys import CanKey
    from nfc.virtual.faults import FaultPlan

    saved: list[Path] = []

    def shot(window: Any, name: str) -> None:
        saved.append(_save(window, out / f"kiosk-{name}-{language}.png"))

    def key(env: Any) -> tuple[CanKey, str]:
        return CanKey(env.citizen.can), citizen_qr_payload(env.citizen)

    # attract, keypad, waiting for the key (with camera guidance), waiting for the card, progress,
    # result, department choice, idle countdown
    with _kiosk(app, language, department=None, faults=FaultPlan(slow_ms=25)) as (env, demo):
        w = demo.window
        shot(w, "01-attract")
        w.screens["attract"].type_digits.emit()
        for digit in env.citizen.can[:3]:
            w.screens["key_entry"].keypad._press(digit)
        _pump(app, lambda: True)
        shot(w, "02-keypad")
        w.screens["key_entry"].cancel.emit()
        demo.bridge.card_inserted()
        _pump(app, lambda: w.current_screen == "key_source")
        w._camera_guidance("glare")  # what the camera loop reports for a shiny card
        shot(w, "03-show-qr")
        demo.bridge.cancel()
        demo.bridge.card_removed()  # the flow remembers a card left on the reader: lift it for the next picture
        _pump(app, lambda: w.current_screen == "attract" and not w.view.card_present)
        env.bhyt.set_scenario(delay=2.5)  # keep the result screen up long enough to see it
        demo.bridge.key_provided(*key(env))
        _pump(app, lambda: w.current_screen == "key_source")
        shot(w, "04-place-card")
        demo.bridge.card_inserted()
        _pump(app, lambda: w.view.state is FlowState.READING and w.view.progress > 0.3)
        shot(w, "05-progress")
        _pump(app, lambda: w.view.state is FlowState.INSURANCE and w.screens["result"].photo.has_photo())
        shot(w, "06-result")
        _pump(app, lambda: w.view.state is FlowState.CHOOSE_DEPARTMENT)
        shot(w, "07-department")
        w.idle_dialog.start()
        _pump(app, w.idle_dialog.isVisible)
        saved.append(_grab_with_dialog(w, out / f"kiosk-08-idle-{language}.png"))
        w.idle_dialog.stop()

    # ticket (plain), ticket with notices (insurance expired, HIS offline)
    with _kiosk(app, language) as (env, demo):
        demo.bridge.key_provided(*key(env))
        demo.bridge.card_inserted()
        _pump(app, lambda: demo.window.view.state is FlowState.DONE)
        shot(demo.window, "09-ticket")
    with _kiosk(app, language) as (env, demo):
        env.bhyt.set_scenario("010")
        env.fhir.set_failure("down")
        demo.bridge.key_provided(*key(env))
        demo.bridge.card_inserted()
        _pump(app, lambda: demo.window.view.state is FlowState.DONE)
        shot(demo.window, "10-ticket-staff-confirmation")

    # failures: wrong key (other key), card lifted (retry), clone (staff)
    for name, env_args, can in (("11-failure-wrong-key", {}, "000000"),
                                ("12-failure-card-removed", {"faults": FaultPlan(remove_after=12)}, None),
                                ("13-failure-clone", {"cloned": True}, None)):
        with _kiosk(app, language, **env_args) as (env, demo):
            demo.bridge.key_provided(CanKey(can or env.citizen.can), None)
            demo.bridge.card_inserted()
            window = demo.window
            _pump(app, lambda: window.view.state is FlowState.FAILED)  # noqa: B023 (called right here)
            if name.endswith("clone"):
                demo.window.call_staff()
            shot(demo.window, name)

    # the optional face check: consent question, then the challenge with live guidance
    import dataclasses

    with _kiosk(app, language, face_check=True, face=_PicturedFace()) as (env, demo):
        window = demo.window
        demo.flow.policy = dataclasses.replace(demo.flow.policy, face_challenge_s=3600)
        demo.bridge.key_provided(*key(env))
        demo.bridge.card_inserted()
        _pump(app, lambda: window.current_screen == "face" and window.screens["face"].step == "consent")
        shot(window, "14-face-consent")
        window._face_consent(True)
        _pump(app, lambda: window.screens["face"].step == "challenge")
        demo.flow.face_frame(np.zeros((48, 64, 3), dtype=np.uint8))
        _pump(app, lambda: window.view.face_guidance is not None)
        shot(window, "15-face-challenge")
    return saved


class _PicturedFace:
    """Stands in for the face engine so the screens can be pictured without a camera: every frame gets
    the "face the camera" guidance; the challenge is a head turn to the left."""

    def give_consent(self, record: Any) -> Any:
        return None

    def set_chip_photo(self, data: bytes) -> None:
        pass

    def start_challenge(self, challenge: Any = None) -> Any:
        from kiosk.face.liveness import Challenge

        return Challenge.TURN_LEFT

    def add_frame(self, frame: Any) -> Any:
        from kiosk.face.detect import Guidance
        from kiosk.face.session import FrameFeedback

        return FrameFeedback(1, (Guidance.FACE_CAMERA,))

    def liveness(self) -> Any:
        return None

    def decide(self) -> Any:
        from kiosk.face.match import Reason, refer

        return refer(Reason.NO_FACE_LIVE)

    def wipe(self) -> None:
        pass


def _grab_with_dialog(window: Any, path: Path) -> Path:
    """The window with the modal dialog painted over it, as the patient sees it."""
    from PySide6.QtGui import QColor, QPainter

    pixmap = window.grab()
    dialog = window.idle_dialog
    layout = dialog.layout()
    layout.activate()
    dialog.resize(dialog.width(), max(dialog.height(), layout.totalHeightForWidth(dialog.width())))
    painter = QPainter(pixmap)
    painter.fillRect(pixmap.rect(), QColor(0, 0, 0, 128))  # dim the screen behind the question
    inner = dialog.grab()
    painter.drawPixmap((pixmap.width() - inner.width()) // 2, (pixmap.height() - inner.height()) // 2, inner)
    painter.end()

    class _Shot:
        def grab(self) -> Any:
            return pixmap

    return _save(_Shot(), path)


def render_staff(app: Any, out: Path, language: str) -> list[Path]:
    from kiosk.demo import VIRTUAL_READER, DemoEnvironment
    from ui.i18n import Translator
    from ui.staff_window import StaffWindow

    with DemoEnvironment(transport="memory") as env:
        assert env.wiring is not None
        services = env.wiring.services
        window = StaffWindow(services.open_connection, services.verify, Translator(language),
                             reader=VIRTUAL_READER + " (demo)")
        window.resize(*SIZE)
        window.show()
        window.can_input.setText(env.citizen.can)
        window.start_read()
        _pump(app, lambda: bool(window.reads))
        path = _save(window, out / f"staff-{language}.png")
        window.close()
    return [path]


def render_technician(app: Any, out: Path, language: str) -> list[Path]:
    import dataclasses

    from kiosk.config import KioskConfig
    from kiosk.selftest import run_selftest
    from ui.i18n import Translator
    from ui.technician_window import TechnicianWindow

    with tempfile.TemporaryDirectory() as tmp:
        config = dataclasses.replace(KioskConfig(), data_dir=Path(tmp))

        def runner(progress: Any) -> Any:
            return run_selftest(config, only=("config", "clock", "disk", "trust-store", "printer", "his"),
                                progress=progress)

        window = TechnicianWindow(runner, Translator(language))
        window.resize(*SIZE)
        window.show()
        window.start()
        _pump(app, lambda: window.report is not None, timeout=90)
        path = _save(window, out / f"technician-{language}.png")
        window.close()
    return [path]


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    args = argv if argv is not None else sys.argv[1:]
    out = Path(args[0]) if args else Path("docs/screens")
    out.mkdir(parents=True, exist_ok=True)
    from ui.app import make_app

    app = make_app()
    saved: list[Path] = []
    for language in LANGUAGES:
        saved += render_kiosk(app, out, language)
        saved += render_staff(app, out, language)
        saved += render_technician(app, out, language)
    for path in saved:
        print(f"{path}  {path.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    code = main()
    # Every PNG is written. Skip the interpreter's teardown: with this many windows and flows in one
    # process, a C extension's refcount error on ``True`` aborts the final garbage collection
    # ("bool_dealloc", exit 134) - seen without the face screens too once two more kiosk sessions run.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
