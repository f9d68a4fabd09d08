"""Suite-wide fixtures. Reference data is used in place from ../shared/data (never copied)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from nfc.virtual.stack import PcscdStack, stack_available

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.is_dir():
        pytest.fail(f"reference data folder missing: {path} (it must sit beside the repository)")
    return path


@pytest.fixture(scope="module")
def pcscd_stack() -> Iterator[PcscdStack]:
    """A private pcscd with vpcd (scripts/test runs the suite in its own namespaces), stopped after the
    module so every module starts from a clean reader."""
    ok, why = stack_available()
    if not ok:
        if os.environ.get("CCCD_PRIVATE_PCSCD"):
            pytest.fail(f"the pcscd test stack must run here: {why}")
        pytest.skip(why)
    with PcscdStack() as running:
        yield running
