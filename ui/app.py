"""Application set-up shared by the kiosk, staff and technician windows: the QApplication, the
application-wide idle filter, garbage collection on the GUI thread, and the systemd watchdog heartbeat sent
from the GUI thread."""

from __future__ import annotations

import gc
import logging
import os
import socket
import sys
from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from ui import theme

log = logging.getLogger(__name__)

#: events that mean "someone is at the kiosk"
ACTIVITY_EVENTS = frozenset({
    QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.KeyPress,
    QEvent.Type.Wheel,
})


def make_app(argv: Sequence[str] | None = None) -> QApplication:
    """The process's QApplication (created once), with the kiosk font."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName("cccd-kiosk")
    app.setFont(QFont(theme.FONT_FAMILY, theme.BODY_PT))
    GuiThreadCollector(app)
    return app


class GuiThreadCollector(QObject):
    """Python's cyclic garbage collector runs in whichever thread happens to allocate, and a Qt object it
    frees outside the GUI thread can crash the process (seen once in the test suite: a collection started
    in the check-in worker thread, segmentation fault). Automatic collection is switched off and done here,
    on the GUI thread, as often as the interpreter's own thresholds would have done it."""

    def __init__(self, parent: QObject, interval_ms: int = 500) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start(interval_ms)

    @staticmethod
    def collect_due() -> None:
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):  # the oldest generation due includes the younger ones
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return


class IdleFilter(QObject):
    """Application-wide event filter: every touch, click or key calls ``on_activity`` (never consumes)."""

    def __init__(self, on_activity: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_activity = on_activity

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY_EVENTS:
            self._on_activity()
        return False


def install_idle_filter(app: QApplication, on_activity: Callable[[], None]) -> IdleFilter:
    idle = IdleFilter(on_activity, app)
    app.installEventFilter(idle)
    return idle


class SystemdNotifier:
    """sd_notify(3) over ``$NOTIFY_SOCKET`` (a datagram socket; '@' = abstract namespace). No-op when unset."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        address = env.get("NOTIFY_SOCKET", "")
        self.address: str | None = ("\0" + address[1:] if address.startswith("@") else address) or None
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        # the watchdog is meant for us unless WATCHDOG_PID names another process
        mine = not pid or pid == str(os.getpid())
        self.watchdog_s: float | None = int(usec) / 1e6 if usec.isdigit() and int(usec) > 0 and mine else None

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def notify(self, message: str) -> bool:
        if self.address is None:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.connect(self.address)
                sock.sendall(message.encode())
            return True
        except OSError as exc:
            log.warning("sd_notify failed: %s", type(exc).__name__)
            return False


class WatchdogHeartbeat(QObject):
    """Sends READY=1 once, then WATCHDOG=1 every half watchdog interval from a QTimer on the GUI thread:
    a frozen event loop stops the heartbeat and systemd restarts the kiosk (kiosk-practice §7.1).
    ``healthy`` (optional) can hold the beat back, e.g. when the reader has not been polled for long."""

    def __init__(self, notifier: SystemdNotifier | None = None, *, healthy: Callable[[], bool] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.notifier = notifier or SystemdNotifier()
        self._healthy = healthy
        self.beats = 0
        self.timer = QTimer(self)
        interval = self.notifier.watchdog_s / 2 if self.notifier.watchdog_s else 10.0
        self.timer.setInterval(max(100, round(interval * 1000)))
        self.timer.timeout.connect(self.beat)

    def start(self) -> None:
        if not self.notifier.enabled:
            return
        self.notifier.notify("READY=1\nSTATUS=kiosk window shown")
        if self.notifier.watchdog_s:
            self.beat()
            self.timer.start()

    def beat(self) -> None:
        if self._healthy is not None and not self._healthy():
            return
        if self.notifier.notify("WATCHDOG=1"):
            self.beats += 1

    def stop(self) -> None:
        self.timer.stop()
        self.notifier.notify("STOPPING=1")
