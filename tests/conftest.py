"""Suite-wide fixtures. Reference data is used in place from ../shared/data (never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.is_dir():
        pytest.fail(f"reference data folder missing: {path} (it must sit beside the repository)")
    return path
