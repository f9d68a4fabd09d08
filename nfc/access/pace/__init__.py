"""PACE (ICAO 9303-11 §4.4), terminal side; the card side lives in ``nfc.virtual.card_access_protocols``."""

from nfc.access.pace.protocols import PaceAlgorithm, pace_algorithm, pace_oid
from nfc.access.pace.terminal import PaceResult, perform_pace

__all__ = ["PaceAlgorithm", "PaceResult", "pace_algorithm", "pace_oid", "perform_pace"]
