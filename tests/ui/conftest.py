"""UI tests: Python's garbage collector runs only on the GUI (test) thread, as ui.app.GuiThreadCollector
arranges in the product. A collection started in a worker thread (the check-in flow's) could free a Qt
object there and crash the whole run."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread_only() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()
