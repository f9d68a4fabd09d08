"""Every self-test check, in the order they run (one module per area)."""

from __future__ import annotations

from kiosk.selftest.checks import camera, card, clock, config, disk, network, pcsc, printer, trust
from kiosk.selftest.engine import Check

#: suite order: the clock check comes after the network checks that collect the servers' Date headers
ALL_CHECKS: tuple[Check, ...] = (
    *config.CHECKS,
    *pcsc.CHECKS,
    *card.CHECKS,
    *camera.CHECKS,
    *printer.CHECKS,
    *network.CHECKS,
    *clock.CHECKS,
    *trust.CHECKS,
    *disk.CHECKS,
)

__all__ = ["ALL_CHECKS"]
