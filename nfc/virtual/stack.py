"""Start (or find) the pcscd + vpcd stack the virtual card plugs into — for the demo and the tests.

One pcscd per host (pcsc-stack notes §3): we start our own ``pcscd --foreground`` only when none is
running, and check that the pid file names *our* process. No ``--auto-exit``: it would quit under us.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from nfc.errors import ReaderServiceError

PCSCD = "/usr/sbin/pcscd"
SOCKET = Path(os.environ.get("PCSCLITE_CSOCK_NAME", "/run/pcscd/pcscd.comm"))
PIDFILE = Path("/run/pcscd/pcscd.pid")
VPCD_CONF = Path("/etc/reader.conf.d/vpcd")
VPCD_PORT = 35963


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_pcscd_pid() -> int | None:
    try:
        pid = int("".join(ch for ch in PIDFILE.read_text(errors="ignore") if ch.isdigit()))
    except (OSError, ValueError):
        return None
    return pid if _pid_alive(pid) else None


def vpcd_listening(port: int = VPCD_PORT) -> bool:
    """Whether something LISTENs on ``port``, read from /proc/net/tcp*. A test connect() would be wrong
    here: connecting to vpcd *is* inserting a card."""
    wanted = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[1].endswith(wanted) and fields[3] == "0A":  # 0A = LISTEN
                return True
    return False


def stack_available() -> tuple[bool, str]:
    """Can we use or start pcscd with vpcd here? (ok, reason)"""
    if not VPCD_CONF.exists():
        return False, "vsmartcard-vpcd is not installed (/etc/reader.conf.d/vpcd missing)"
    if running_pcscd_pid() is not None:
        return (True, "pcscd running") if vpcd_listening() else (False, "pcscd runs without the vpcd driver")
    if not Path(PCSCD).exists():
        return False, "pcscd is not installed"
    if not os.access(SOCKET.parent if SOCKET.parent.exists() else SOCKET.parent.parent, os.W_OK):
        return False, f"no permission to start pcscd ({SOCKET.parent} not writable)"
    return True, "pcscd can be started"


class PcscdStack:
    """Context manager: a running pcscd with vpcd listening. Stops only what it started."""

    def __init__(self, *, log_path: Path | None = None, start_timeout: float = 5.0) -> None:
        self.log_path = log_path
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.started_here = False

    def __enter__(self) -> PcscdStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        if running_pcscd_pid() is not None:
            if not vpcd_listening():
                raise ReaderServiceError("a pcscd is running without the vpcd driver; cannot plug in the virtual card")
            return
        if not Path(PCSCD).exists() or shutil.which(PCSCD) is None:
            raise ReaderServiceError("pcscd is not installed (apt-get install pcscd vsmartcard-vpcd)")
        SOCKET.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            SOCKET.unlink()  # a stale socket from a killed daemon would look alive
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        debug = ["--debug"] if os.environ.get("CCCD_PCSCD_DEBUG") else []
        self.process = subprocess.Popen([PCSCD, "--foreground", *debug], stdout=out, stderr=subprocess.STDOUT)
        self.started_here = True
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise ReaderServiceError(f"pcscd exited at start (code {code}); is another one running?")
            if SOCKET.exists() and vpcd_listening() and running_pcscd_pid() == self.process.pid:
                return
            time.sleep(0.02)
        self.stop()
        raise ReaderServiceError("pcscd did not come up with vpcd within the time limit")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(2)
        self.process = None

    def restart(self) -> None:
        """Stop and start again (fault tests: the kiosk must recover without a restart of its own)."""
        if not self.started_here:
            raise ReaderServiceError("this stack did not start pcscd, so it will not restart it")
        self.stop()
        self.start()
