"""pcscd restarted while idle and during a read: CardWatcher reports SERVICE_LOST, then the reader and
the card again, and the next read works — all in this one process, which is never restarted."""

from __future__ import annotations

import pytest

from kiosk.selftest.faults import restart_drill
from nfc.virtual.stack import PcscdStack

pytestmark = pytest.mark.pcscd


def test_restart_while_idle(own_pcscd: PcscdStack) -> None:
    result = restart_drill(own_pcscd, during_read=False)
    assert result.service_lost_reported, result.events
    assert result.card_seen_again, result.events
    assert result.next_read_complete
    assert result.events.index("service-lost") < len(result.events) - 1 - result.events[::-1].index("inserted")


def test_restart_during_a_read(own_pcscd: PcscdStack) -> None:
    result = restart_drill(own_pcscd, during_read=True)
    assert result.read_error is not None, "the interrupted read must end in a typed error"
    assert result.service_lost_reported, result.events
    assert result.card_seen_again and result.next_read_complete
    assert result.clean
