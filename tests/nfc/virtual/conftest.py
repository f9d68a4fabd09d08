from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from nfc.virtual.stack import PcscdStack, stack_available


@pytest.fixture(scope="session")
def pcscd_stack() -> Iterator[PcscdStack]:
    """A private pcscd with vpcd (scripts/test runs the suite in its own namespaces)."""
    ok, why = stack_available()
    if not ok:
        if os.environ.get("CCCD_PRIVATE_PCSCD"):
            pytest.fail(f"the pcscd test stack must run here: {why}")
        pytest.skip(why)
    with PcscdStack() as running:
        yield running
