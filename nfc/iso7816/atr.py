"""Just enough ATR parsing to find the historical bytes and the card-capabilities flags (ISO 7816-3/-4)."""

from __future__ import annotations


def historical_bytes(atr: bytes) -> bytes:
    if len(atr) < 2:
        return b""
    t0 = atr[1]
    count = t0 & 0x0F
    index = 2
    y = t0 >> 4
    while True:
        index += bin(y).count("1")
        if not y & 0x8:
            break
        if index - 1 >= len(atr):
            return b""
        y = atr[index - 1] >> 4
    return atr[index : index + count]


def supports_extended_length(atr: bytes) -> bool:
    """True when the card-capabilities data object (compact-TLV tag 7, third byte, bit 7) says the chip
    accepts extended Lc/Le fields."""
    hist = historical_bytes(atr)
    if not hist or hist[0] != 0x80:
        return False
    i = 1
    while i < len(hist):
        tag, length = hist[i] >> 4, hist[i] & 0x0F
        value = hist[i + 1 : i + 1 + length]
        if tag == 0x7 and len(value) >= 3:
            return bool(value[2] & 0x40)
        i += 1 + length
    return False
