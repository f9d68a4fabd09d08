"""ICAO 9303-3 check digits (7-3-1 weighting). Shared by MRZ parsing and key derivation."""

from __future__ import annotations

_WEIGHTS = (7, 3, 1)


def char_value(char: str) -> int:
    if char.isdigit():
        return ord(char) - 48
    if "A" <= char <= "Z":
        return ord(char) - 55
    if char == "<":
        return 0
    raise ValueError(f"character not allowed in an MRZ: {char!r}")


def check_digit(text: str) -> str:
    """The check digit of ``text`` as a single character ``'0'``–``'9'``."""
    return str(sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(text)) % 10)


def is_valid(text: str, digit: str) -> bool:
    try:
        return check_digit(text) == digit
    except ValueError:
        return False
