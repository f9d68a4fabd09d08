"""Fixtures for the self-test tests: emulators for every outside system and a trust store."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.config import BhytConfig, HisConfig, KioskConfig, PrinterConfig
from kiosk.his.fhir_server import FhirServer
from kiosk.insurance.emulator import BhytEmulator
from kiosk.selftest.printer_emulator import EscposPrinterEmulator


@pytest.fixture
def printer_emulator() -> Iterator[EscposPrinterEmulator]:
    with EscposPrinterEmulator() as emulator:
        yield emulator


@pytest.fixture
def fhir_server() -> Iterator[FhirServer]:
    server = FhirServer().start()
    yield server
    server.stop()


@pytest.fixture
def bhyt_emulator() -> Iterator[BhytEmulator]:
    emulator = BhytEmulator().start()
    yield emulator
    emulator.stop()


def make_trust_dir(path: Path, *, crl_next_update: datetime | None = datetime(2036, 1, 1, tzinfo=UTC),
                   crl_this_update: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> Path:
    """A saved trust store holding the virtual card's test CSCA and (optionally) one CRL from it."""
    from nfc.verify.certs import load_certificate
    from nfc.verify.crl import load_crl
    from nfc.verify.trust import TrustStore
    from nfc.virtual.test_pki import build_crl, generate_pki

    pki = generate_pki("ec-p256")
    store = TrustStore(path)
    store.add_csca(load_certificate(pki.csca), "test")
    if crl_next_update is not None:
        store.add_crl(load_crl(build_crl(pki.csca, pki.csca_key, this_update=crl_this_update,
                                         next_update=crl_next_update)), "test")
    store.save()
    return path


@pytest.fixture
def trust_dir(tmp_path: Path) -> Path:
    return make_trust_dir(tmp_path / "trust")


def make_video(path: Path, frames: int = 8) -> Path:
    """A short MJPG clip: OpenCV opens a file path like a camera, so the camera check runs headless."""
    import cv2
    import numpy as np

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 5.0, (640, 480))
    rng = np.random.default_rng(1)
    for _ in range(frames):
        writer.write(rng.integers(60, 200, (480, 640, 3), dtype=np.uint8))
    writer.release()
    return path


@pytest.fixture
def camera_file(tmp_path: Path) -> Path:
    return make_video(tmp_path / "camera.avi")


@pytest.fixture
def kiosk_config(tmp_path: Path, printer_emulator: EscposPrinterEmulator, fhir_server: FhirServer,
                 bhyt_emulator: BhytEmulator) -> KioskConfig:
    data = tmp_path / "data"
    data.mkdir()
    return dataclasses.replace(
        KioskConfig(),
        data_dir=data,
        his=HisConfig(base_url=fhir_server.url, timeout_s=3.0),
        bhyt=BhytConfig(url=bhyt_emulator.url, timeout_s=3.0),
        printer=PrinterConfig(kind="network", host=printer_emulator.host, port=printer_emulator.port,
                              timeout_s=3.0),
    )


@pytest.fixture
def trust_factory() -> object:
    """``make_trust_dir`` for tests that need other CRL dates (importlib mode: no conftest imports)."""
    return make_trust_dir
