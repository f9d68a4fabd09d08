"""``cccd-kiosk run``: the patient kiosk (fullscreen; ``--windowed`` for development; ``--demo`` runs on
the virtual card with local BHYT and FHIR servers, so it works on any machine with a display)."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from kiosk.cli._common import EXIT_OK, report_error

log = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("run", help="the patient kiosk screens")
    parser.add_argument("--windowed", action="store_true", help="a normal 1024×768 window (development)")
    parser.add_argument("--demo", action="store_true",
                        help="virtual card + local BHYT/FHIR emulators (keys: F2 show the QR to the camera, "
                             "F3 put the card on the reader, F4 lift it)")
    parser.add_argument("--transport", choices=("auto", "pcscd", "memory"), default="memory",
                        help="--demo only: where the virtual card sits (default: in-process)")
    parser.add_argument("--ask-department", action="store_true", help="--demo only: walk-in department choice")
    parser.add_argument("--language", choices=("vi", "en"), default=None, help="start language (default: config)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from kiosk.errors import KioskError
    from nfc.errors import NfcError

    try:
        if args.demo:
            return _run_demo(args)
        return _run_kiosk(args)
    except (NfcError, KioskError) as exc:
        return report_error(exc)


def _show(window: Any, windowed: bool) -> None:
    if windowed:
        window.resize(1024, 768)
        window.show()
    else:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication

        QApplication.setOverrideCursor(Qt.CursorShape.BlankCursor)  # a touch kiosk shows no pointer
        window.showFullScreen()


def _exec(app: Any, window: Any) -> int:
    from ui.app import WatchdogHeartbeat, install_idle_filter

    install_idle_filter(app, window.user_activity)
    heartbeat = WatchdogHeartbeat(parent=window)
    heartbeat.start()
    try:
        code: int = app.exec()
    finally:
        heartbeat.stop()
        window.shutdown()
    return code


def _run_kiosk(args: argparse.Namespace) -> int:
    from kiosk.config import load_config
    from kiosk.flow.machine import KioskFlow
    from kiosk.services import wire
    from nfc.transport.base import CardEventKind
    from nfc.transport.pcsc import CardWatcher, PcscConnection, wait_for_card
    from ui.app import make_app
    from ui.bridge import FlowBridge
    from ui.i18n import Translator
    from ui.kiosk_window import KioskWindow

    config = load_config().config
    language = args.language or config.language
    app = make_app()
    bridge = FlowBridge()
    wiring = wire(config, lambda: PcscConnection(wait_for_card(None, timeout=5.0)), face_check=config.face.enabled)
    on_view: Any = bridge.post_view
    metrics = None
    if config.metrics.enabled:
        from kiosk.flow.observe import FlowMetrics, fan_out
        from kiosk.metrics import KioskMetrics

        metrics = KioskMetrics(config.kiosk_id)
        metrics.watch_outbox(wiring.store.outbox.depth)
        metrics.serve(config.metrics.port)  # 127.0.0.1 only
        on_view = fan_out(bridge.post_view, FlowMetrics(metrics))
    flow = KioskFlow(wiring.services, wiring.policy, on_view, language=language)
    bridge.attach(flow)
    scanner = _camera_scanner(config)
    window = KioskWindow(bridge, Translator(language), scanner=scanner)

    def on_card(event: Any) -> None:  # watcher thread → bridge (queued to the event worker)
        if event.kind is CardEventKind.INSERTED:
            bridge.card_inserted()
        elif event.kind is CardEventKind.REMOVED:
            bridge.card_removed()

    watcher = CardWatcher(on_card).start()
    _show(window, args.windowed)
    try:
        return _exec(app, window)
    finally:
        watcher.stop()
        flow.close()
        bridge.close()
        wiring.close()
        if metrics is not None:
            metrics.stop()


def _camera_scanner(config: Any) -> Any:
    from kiosk.profiles import ProfileError
    from ocr.camera import CameraSettings, OpenCvCamera
    from ui.camera import CameraScanner

    try:
        profile = config.hardware().camera
    except ProfileError as exc:
        log.warning("no camera: hardware profile problem (%s)", type(exc).__name__)
        return None
    if profile is None:
        return None
    settings = CameraSettings(device=profile.device_index, width=profile.width, height=profile.height,
                              fps=profile.fps or None, autofocus=profile.autofocus, focus=profile.focus,
                              exposure=profile.exposure)
    return CameraScanner(lambda: OpenCvCamera(settings))


def _run_demo(args: argparse.Namespace) -> int:
    from PySide6.QtGui import QKeySequence, QShortcut

    from kiosk.demo import DemoEnvironment
    from nfc.transport.base import CardEventKind
    from ui.app import make_app
    from ui.demo import build_demo_kiosk

    language = args.language or "vi"
    app = make_app()
    with DemoEnvironment(transport=args.transport, department=None if args.ask_department else "KKB",
                         language=language) as env:
        demo = build_demo_kiosk(env, language=language)
        window = demo.window
        camera = demo.camera
        assert camera is not None
        showing = [False]

        def toggle_qr() -> None:
            showing[0] = not showing[0]
            camera.show_card(showing[0])

        QShortcut(QKeySequence("F2"), window, toggle_qr)
        watcher = None
        if env.transport == "pcscd":
            from nfc.transport.pcsc import CardWatcher

            def on_card(event: Any) -> None:
                if event.kind is CardEventKind.INSERTED:
                    demo.bridge.card_inserted()
                elif event.kind is CardEventKind.REMOVED:
                    demo.bridge.card_removed()

            watcher = CardWatcher(on_card).start()
        else:
            QShortcut(QKeySequence("F3"), window, demo.bridge.card_inserted)
            QShortcut(QKeySequence("F4"), window, demo.bridge.card_removed)
        print(f"cccd-kiosk run --demo — {env.transport_note}", file=sys.stderr)
        print(f"  virtual card CAN {env.citizen.can}; F2 shows/hides its QR to the camera"
              + ("" if watcher else "; F3 puts the card on the reader, F4 lifts it"), file=sys.stderr)
        _show(window, args.windowed)
        try:
            code = _exec(app, window)
        finally:
            if watcher is not None:
                watcher.stop()
            demo.close()
    return EXIT_OK if code == 0 else code
