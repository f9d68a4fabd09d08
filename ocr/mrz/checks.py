"""ICAO 9303-3 check digits (7-3-1). Own copy: ``ocr`` imports nothing else of ours."""

from __future__ import annotations

#: ICAO 9303-3 check-digit weights, repeating
WEIGHTS = (7, 3, 1)


def char_value(char: str) -> int:
    if "0" <= char <= "9":
        return ord(char) - 48
    if "A" <= char <= "Z":
        return ord(char) - 55
    if char == "<":
        return 0
    raise ValueError("character not allowed in an MRZ")


def check_digit(text: str) -> str:
    return str(sum(char_value(c) * WEIGHTS[i % 3] for i, c in enumerate(text)) % 10)


def is_valid(text: str, digit: str) -> bool:
    """True if ``digit`` is the check digit of ``text``. ``<`` stands for 0 (empty optional fields)."""
    try:
        expected = check_digit(text)
    except ValueError:
        return False
    return digit == expected or (digit == "<" and expected == "0" and set(text) <= {"<"})
