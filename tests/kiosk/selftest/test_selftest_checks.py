"""Each check against an emulator or a prepared state: the right result, value and hint for each failure
mode (printer out of paper, HIS down, expired CRL, no camera, broken config, clock, disk)."""

from __future__ import annotations

import dataclasses
import shutil
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import HisConfig, KioskConfig, PrinterConfig
from kiosk.his.fhir_server import FhirServer
from kiosk.insurance.emulator import BhytEmulator
from kiosk.selftest import SelftestOptions, run_selftest
from kiosk.selftest.checks import camera, clock, config, disk, network, printer, trust
from kiosk.selftest.engine import Result, SelftestReport
from kiosk.selftest.printer_emulator import EscposPrinterEmulator


def run(cfg: KioskConfig, *ids: str, **options: object) -> SelftestReport:
    return run_selftest(cfg, SelftestOptions(**options), only=ids)  # type: ignore[arg-type]


# --- printer ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("paper", "expected", "hint"), [
    ("ok", Result.OK, None),
    ("near-end", Result.WARN, printer.PAPER_LOW_HINT),
    ("empty", Result.FAIL, printer.PAPER_OUT_HINT),
])
def test_printer_paper_status(kiosk_config: KioskConfig, printer_emulator: EscposPrinterEmulator, paper: str,
                              expected: Result, hint: object) -> None:
    printer_emulator.paper = paper  # type: ignore[assignment]
    result = run(kiosk_config, "printer").result("printer")
    assert result.result is expected
    assert result.value == paper
    assert result.hint == hint
    assert printer_emulator.status_queries >= 2  # DLE EOT 1 and DLE EOT 4 were really asked


def test_printer_offline(kiosk_config: KioskConfig, printer_emulator: EscposPrinterEmulator) -> None:
    printer_emulator.online = False
    result = run(kiosk_config, "printer").result("printer")
    assert result.result is Result.FAIL and result.hint == printer.OFFLINE_HINT


def test_printer_unreachable(kiosk_config: KioskConfig) -> None:
    cfg = dataclasses.replace(kiosk_config, printer=PrinterConfig(kind="network", host="127.0.0.1",
                                                                  port=_closed_port(), timeout_s=1.0))
    result = run(cfg, "printer").result("printer")
    assert result.result is Result.FAIL and result.hint == printer.OFFLINE_HINT


def test_no_printer_configured_warns() -> None:
    result = run(KioskConfig(), "printer").result("printer")
    assert result.result is Result.WARN and result.hint == printer.NONE_HINT


def test_test_print_reaches_the_printer(kiosk_config: KioskConfig, printer_emulator: EscposPrinterEmulator) -> None:
    assert run(kiosk_config, "printer-test-print").result("printer-test-print").result is Result.SKIP
    report = run(kiosk_config, "printer-test-print", test_print=True)
    assert report.result("printer-test-print").result is Result.OK
    deadline = time.monotonic() + 3.0
    while b"\x1dV" not in bytes(printer_emulator.received) and time.monotonic() < deadline:
        time.sleep(0.05)  # the emulator reads the last segment on its own thread
    assert b"\x1dv0" in bytes(printer_emulator.received)  # GS v 0 raster
    assert b"\x1dV" in bytes(printer_emulator.received)  # cut


# --- HIS and BHYT ---------------------------------------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_his_and_bhyt_reachable_with_latency(kiosk_config: KioskConfig) -> None:
    report = run(kiosk_config, "his", "bhyt")
    for check_id in ("his", "bhyt"):
        result = report.result(check_id)
        assert result.result is Result.OK, result
        assert result.unit == "ms" and isinstance(result.value, float) and 0 < result.value < 2000


def test_his_down(kiosk_config: KioskConfig, fhir_server: FhirServer) -> None:
    fhir_server.set_failure("down")
    result = run(kiosk_config, "his").result("his")
    assert result.result is Result.FAIL
    assert result.hint == network.HIS_DOWN
    assert fhir_server.url not in result.detail


def test_his_server_error(kiosk_config: KioskConfig, fhir_server: FhirServer) -> None:
    fhir_server.set_failure("503")
    result = run(kiosk_config, "his").result("his")
    assert result.result is Result.FAIL and result.hint == network.HIS_ERROR and "503" in result.detail


def test_bhyt_down(kiosk_config: KioskConfig, bhyt_emulator: BhytEmulator) -> None:
    bhyt_emulator.go_down("refuse")
    result = run(kiosk_config, "bhyt").result("bhyt")
    assert result.result is Result.FAIL and result.hint == network.BHYT_DOWN


def test_his_not_configured_is_skipped() -> None:
    cfg = dataclasses.replace(KioskConfig(), his=HisConfig(kind="none"))
    assert run(cfg, "his").result("his").result is Result.SKIP


# --- clock ---------------------------------------------------------------------------------------------
def test_clock_compares_with_the_servers(kiosk_config: KioskConfig) -> None:
    report = run(kiosk_config, "his", "clock")
    result = report.result("clock")
    assert result.result is Result.OK and result.unit == "s" and abs(float(result.value or 0)) < 5


def test_clock_before_2025_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "_now", lambda: datetime(2020, 1, 1, tzinfo=UTC))
    result = run(KioskConfig(), "clock").result("clock")
    assert result.result is Result.FAIL and result.hint == clock.CLOCK_HINT and result.value == 2020


@pytest.mark.parametrize(("drift_s", "expected"), [(5, Result.OK), (120, Result.WARN), (3600, Result.FAIL)])
def test_clock_drift_against_http_date(monkeypatch: pytest.MonkeyPatch, drift_s: int, expected: Result) -> None:
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "_now", lambda: now)
    check = clock.CHECKS[0]
    from kiosk.selftest.engine import SelftestContext

    ctx = SelftestContext(KioskConfig(), SelftestOptions())
    ctx.remember(clock.HTTP_DATES, [("HIS", now - timedelta(seconds=drift_s))])
    outcome = check.run(ctx)
    assert outcome.result is expected and outcome.value == drift_s


# --- trust store -----------------------------------------------------------------------------------------
def test_trust_store_current(trust_dir: Path) -> None:
    result = run(KioskConfig(), "trust-store", trust_dir=trust_dir).result("trust-store")
    assert result.result is Result.OK and result.value == 1


def test_trust_store_expired_crl(tmp_path: Path, trust_factory: Any) -> None:
    directory = trust_factory(tmp_path / "t", crl_this_update=datetime(2025, 1, 1, tzinfo=UTC),
                               crl_next_update=datetime(2025, 2, 1, tzinfo=UTC))
    result = run(KioskConfig(), "trust-store", trust_dir=directory).result("trust-store")
    assert result.result is Result.FAIL
    assert result.hint == trust.CRL_HINT
    assert "2025-02-01" in result.detail


def test_trust_store_empty(tmp_path: Path) -> None:
    result = run(KioskConfig(), "trust-store", trust_dir=tmp_path / "none").result("trust-store")
    assert result.result is Result.FAIL and result.hint == trust.EMPTY_HINT and result.value == 0


# --- camera and OCR --------------------------------------------------------------------------------------
def test_camera_from_a_device_file(camera_file: Path) -> None:
    result = run(KioskConfig(), "camera", camera_device=str(camera_file)).result("camera")
    assert result.result is Result.OK, result
    assert result.unit == "sharpness" and float(result.value or 0) > 0
    assert "640x480" in result.detail


def test_no_camera_fails_when_the_profile_expects_one(tmp_path: Path) -> None:
    cfg = KioskConfig()  # standard-80mm: a 1080p camera is part of the model
    assert cfg.hardware().camera is not None
    result = run(cfg, "camera", camera_device=str(tmp_path / "no-such-camera.avi")).result("camera")
    assert result.result is Result.FAIL and result.hint == camera.NO_CAMERA_HINT


def test_camera_skipped_for_a_model_without_one() -> None:
    cfg = dataclasses.replace(KioskConfig(), hardware_profile="diy-pn532")
    assert cfg.hardware().camera is None
    assert run(cfg, "camera").result("camera").result is Result.SKIP


def test_mrz_read_of_the_test_image() -> None:
    from ocr.mrz.classify import MODEL_PATH

    result = run(KioskConfig(), "mrz-read").result("mrz-read")
    if MODEL_PATH.exists():
        assert result.result is Result.OK, result
    else:  # the OCR model is not shipped yet: the check must say so, with the reinstall hint
        assert result.result is Result.FAIL and result.hint == camera.OCR_HINT and "ocr-model" in result.detail


# --- disk and config -------------------------------------------------------------------------------------
def test_disk_space(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = dataclasses.replace(KioskConfig(), data_dir=tmp_path)
    result = run(cfg, "disk").result("disk")
    assert result.unit == "MB" and int(result.value or 0) == shutil.disk_usage(tmp_path).free // 2**20
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(disk.shutil, "disk_usage", lambda _p: usage._replace(free=50 * 2**20))
    result = run(cfg, "disk").result("disk")
    assert result.result is Result.FAIL and result.value == 50 and result.hint == disk.DISK_HINT


def test_broken_config_fails_the_config_check(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('retention = { days = "many" }\n')
    report = run_selftest(None, SelftestOptions(), only=["config", "disk"], env={"CCCD_KIOSK_SITE_FILE": str(site)})
    result = report.result("config")
    assert result.result is Result.FAIL and result.hint == config.CONFIG_HINT
    assert "retention.days" in result.detail
    assert report.result("disk").result is not Result.SKIP  # the rest still runs on the defaults


def test_unknown_kiosk_model_fails_the_config_check() -> None:
    cfg = dataclasses.replace(KioskConfig(), hardware_profile="no-such-model")
    result = run(cfg, "config").result("config")
    assert result.result is Result.FAIL and result.hint == config.PROFILE_HINT
