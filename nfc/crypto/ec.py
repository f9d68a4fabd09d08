"""Small affine arithmetic on short Weierstrass curves y² = x³ + ax + b over GF(p).

Only for what OpenSSL does not expose: the PACE mapping (s·G + H, points on a mapped generator), the
Integrated Mapping point encoding, and the curves ``cryptography`` has no class for. Not constant time:
it handles ephemeral values of a single session on the terminal and the test card.
"""

from __future__ import annotations

from dataclasses import dataclass

from nfc.errors import ParseError

Point = tuple[int, int] | None  # None is the point at infinity


@dataclass(frozen=True)
class Curve:
    p: int
    a: int
    b: int

    @property
    def field_bytes(self) -> int:
        return (self.p.bit_length() + 7) // 8

    def contains(self, point: Point) -> bool:
        if point is None:
            return True
        x, y = point
        if not (0 <= x < self.p and 0 <= y < self.p):
            return False
        return (y * y - (x * x * x + self.a * x + self.b)) % self.p == 0

    def neg(self, point: Point) -> Point:
        if point is None:
            return None
        return point[0], (-point[1]) % self.p

    def add(self, p1: Point, p2: Point) -> Point:
        if p1 is None:
            return p2
        if p2 is None:
            return p1
        p = self.p
        (x1, y1), (x2, y2) = p1, p2
        if x1 == x2:
            if (y1 + y2) % p == 0:
                return None
            return self.double(p1)
        slope = (y2 - y1) * pow(x2 - x1, -1, p) % p
        x3 = (slope * slope - x1 - x2) % p
        return x3, (slope * (x1 - x3) - y1) % p

    def double(self, point: Point) -> Point:
        if point is None or point[1] == 0:
            return None
        p = self.p
        x, y = point
        slope = (3 * x * x + self.a) * pow(2 * y, -1, p) % p
        x3 = (slope * slope - 2 * x) % p
        return x3, (slope * (x - x3) - y) % p

    def multiply(self, k: int, point: Point) -> Point:
        """k·P by double-and-add (k ≥ 0)."""
        if k < 0:
            raise ValueError("negative scalar")
        result: Point = None
        addend = point
        while k:
            if k & 1:
                result = self.add(result, addend)
            addend = self.double(addend)
            k >>= 1
        return result

    def encode(self, point: Point) -> bytes:
        """Uncompressed SEC1 encoding 04 ‖ x ‖ y, each coordinate field-size bytes."""
        if point is None:
            raise ValueError("cannot encode the point at infinity")
        size = self.field_bytes
        return b"\x04" + point[0].to_bytes(size, "big") + point[1].to_bytes(size, "big")

    def decode(self, data: bytes) -> tuple[int, int]:
        """Parse an uncompressed point and check it lies on the curve (``ParseError`` otherwise)."""
        size = self.field_bytes
        if len(data) != 1 + 2 * size or data[0] != 0x04:
            raise ParseError("EC point", f"expected {1 + 2 * size} bytes starting 04, got {len(data)}")
        point = int.from_bytes(data[1 : 1 + size], "big"), int.from_bytes(data[1 + size :], "big")
        if not self.contains(point):
            raise ParseError("EC point", "point is not on the curve")
        return point
