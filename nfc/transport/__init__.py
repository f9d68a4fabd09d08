"""Connections to a card. ``base`` imports no pyscard; implementations live in their own modules."""

from nfc.transport.base import CardConnection, CardEvent, CardEventKind

__all__ = ["CardConnection", "CardEvent", "CardEventKind"]
