"""The self-test on the virtual stack (pyscard → pcscd → vpcd → virtual CCCD, plus the FHIR, BHYT and
printer emulators) passes; without pcscd, or with pcscd but no reader, the right check fails with the
right hint. The CLI's --json output and exit code are checked on the same stack."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import KioskConfig
from kiosk.selftest import SelftestOptions, run_selftest
from kiosk.selftest.checks import pcsc
from kiosk.selftest.engine import Result
from nfc.virtual.stack import PcscdStack, stack_available

pytestmark = pytest.mark.pcscd
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def pcscd() -> Iterator[PcscdStack]:
    ok, why = stack_available()
    if not ok:
        if os.environ.get("CCCD_PRIVATE_PCSCD"):
            pytest.fail(f"the pcscd test stack must run here: {why}")
        pytest.skip(why)
    with PcscdStack() as stack:  # uses a running pcscd+vpcd, else starts one (and stops only that)
        yield stack


def test_selftest_passes_on_the_virtual_stack(pcscd: PcscdStack, kiosk_config: KioskConfig, trust_dir: Path,
                                              camera_file: Path) -> None:
    seen: list[str] = []
    report = run_selftest(kiosk_config, SelftestOptions(virtual_card=True, trust_dir=trust_dir,
                                                        camera_device=str(camera_file), test_print=True),
                          progress=lambda result, _done, _total: seen.append(result.id))
    bad = [(r.id, r.result.value, r.detail) for r in report.results if r.result is not Result.OK]
    assert not bad, bad
    assert report.exit_code == 0
    assert seen == [r.id for r in report.results] and len(seen) == 16
    access = report.result("card-access")
    assert "PACE with CAN" in access.detail and access.unit == "ms"
    assert report.result("card-present").value.startswith("3B")  # type: ignore[union-attr]
    assert float(report.result("applet").value or 0) > 0
    assert "chain to a trusted CSCA" in report.result("passive-auth").detail


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "selftest", *args], capture_output=True, text=True,
                          timeout=120, cwd=REPO, env={**os.environ, **(env or {})})


def test_cli_json_on_the_virtual_stack(pcscd: PcscdStack, tmp_path: Path) -> None:
    done = _cli("--json", "--virtual-card", "--only", "passive-auth", "disk",
                env={"CCCD_KIOSK_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["exit_code"] == 0 and document["worst"] == "ok"
    ids = [r["id"] for r in document["results"]]
    assert ids == ["pcscd", "readers", "card-present", "card-access", "passive-auth", "disk"]
    assert all(r["result"] == "ok" for r in document["results"])
    assert "card_read" not in done.stdout and "Nguy" not in done.stdout  # no personal data in the output


def test_no_pcscd_fails_the_pcscd_check() -> None:
    """pcsclite reads the socket path from PCSCLITE_CSOCK_NAME: point it at nothing = no service."""
    done = _cli("--json", "--only", "readers", env={"PCSCLITE_CSOCK_NAME": "/nonexistent/pcscd.comm"})
    assert done.returncode == 2, done.stderr
    results = {r["id"]: r for r in json.loads(done.stdout)["results"]}
    assert results["pcscd"]["result"] == "fail"
    assert results["pcscd"]["hint"] == {"vi": pcsc.PCSCD_HINT.vi, "en": pcsc.PCSCD_HINT.en}
    assert results["readers"]["result"] == "skip"


def test_no_reader_fails_the_readers_check(tmp_path: Path) -> None:
    """A private pcscd with an empty reader configuration, in its own namespaces (root only)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None or not Path("/usr/sbin/pcscd").exists():
        pytest.skip("needs root, unshare and pcscd")
    empty = tmp_path / "reader.conf.d"
    empty.mkdir()
    script = textwrap.dedent(f"""
        set -e; ip link set lo up; mkdir -p /run/pcscd; mount -t tmpfs -o mode=0755 tmpfs /run/pcscd
        /usr/sbin/pcscd --foreground -c {empty} >/dev/null 2>&1 &
        for i in $(seq 100); do [ -S /run/pcscd/pcscd.comm ] && break; sleep 0.05; done
        exec {sys.executable} -m kiosk.cli selftest --json --only readers
    """)
    done = subprocess.run(["unshare", "--mount", "--net", "--fork", "--propagation", "private", "--kill-child",
                           "bash", "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 2, done.stderr
    results = {r["id"]: r for r in json.loads(done.stdout)["results"]}
    assert results["pcscd"]["result"] == "ok"
    assert results["readers"]["result"] == "fail" and results["readers"]["value"] == 0
    assert results["readers"]["hint"]["en"] == pcsc.NO_READER_HINT.en
