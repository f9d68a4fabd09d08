from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from nfc.virtual.stack import PcscdStack, running_pcscd_pid, stack_available


@pytest.fixture(scope="module")
def own_pcscd() -> Iterator[PcscdStack]:
    """A pcscd + vpcd this module starts (and may restart); stopped at the end of the module."""
    ok, why = stack_available()
    if not ok:
        if os.environ.get("CCCD_PRIVATE_PCSCD"):
            pytest.fail(f"the pcscd test stack must run here: {why}")
        pytest.skip(why)
    if running_pcscd_pid() is not None:
        pytest.skip("a pcscd this test did not start is running; restarting it is not ours to do")
    stack = PcscdStack()
    stack.start()
    yield stack
    stack.stop()
