from __future__ import annotations

import pytest

from nfc.virtual.builder import VirtualCccd, build_card


@pytest.fixture(scope="session")
def built_card() -> VirtualCccd:
    return build_card()
