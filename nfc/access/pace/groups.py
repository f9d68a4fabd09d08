"""The two PACE key-agreement worlds behind one small interface: EC groups (with a possibly mapped
generator) and DH groups (RFC 5114, with a possibly mapped generator), plus the GM and IM mappings.

``cryptography`` does what it can: s·G on the standard generator and every ECDH ``exchange`` on curves
it knows (the curve stays the same after mapping, only the generator changes). The mapping itself
(H = SK·PK as a full point, s·G + H, points on the mapped generator) and the curves ``cryptography``
lacks use ``nfc.crypto.ec``. DH uses ``pow`` with the mapped generator: OpenSSL offers nothing here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from nfc.crypto.curves import DhDomain, DomainParameters, EcDomain
from nfc.crypto.symmetric import aes_cbc_encrypt
from nfc.errors import AccessControlError, ParseError

# ICAO 9303-11 §4.4.3.3.2 (Integrated Mapping, pseudo-random function) constants
_PRF_C0_128 = bytes.fromhex("a668892a7c41e3ca739f40b057d85904")
_PRF_C1_128 = bytes.fromhex("a4e136ac725f738b01c1f60217c188ad")
_PRF_C0_256 = bytes.fromhex("d463d65234124ef7897054986dca0a174e28df758cbaa03f240616414d5a1676")
_PRF_C1_256 = bytes.fromhex("54bd7255f0aaf831bec3423fcf39d69b6cbf066677d0faae5aadd99df8e53517")


def random_scalar(order: int, random_bytes: Callable[[int], bytes]) -> int:
    """Uniform-enough integer in [1, order-1] (64 extra bits make the modulo bias negligible)."""
    size = (order.bit_length() + 7) // 8 + 8
    return int.from_bytes(random_bytes(size), "big") % (order - 1) + 1


@dataclass(frozen=True)
class EcGroup:
    domain: EcDomain
    generator: tuple[int, int]

    @property
    def order(self) -> int:
        return self.domain.n

    @property
    def public_tag(self) -> int:
        return 0x86  # EC point in the 7F49 public-key data object

    @property
    def _standard(self) -> bool:
        return self.generator == self.domain.generator

    def public_key(self, private: int) -> bytes:
        if self._standard and self.domain.curve_class is not None:
            numbers = ec.derive_private_key(private, self.domain.curve_class()).public_key().public_numbers()
            return self.domain.curve.encode((numbers.x, numbers.y))
        return self.domain.curve.encode(self.domain.curve.multiply(private, self.generator))

    def decode_public(self, data: bytes) -> tuple[int, int]:
        try:
            return self.domain.curve.decode(data)
        except ParseError:
            raise AccessControlError("the other side's public key is not a point on the curve") from None

    def shared_secret(self, private: int, peer: bytes) -> bytes:
        """x(private · peer), field-size bytes."""
        point = self.decode_public(peer)
        size = self.domain.field_bytes
        if self.domain.curve_class is not None:
            curve = self.domain.curve_class()
            peer_key = ec.EllipticCurvePublicNumbers(point[0], point[1], curve).public_key()
            return ec.derive_private_key(private, curve).exchange(ec.ECDH(), peer_key)
        product = self.domain.curve.multiply(private, point)
        if product is None:
            raise AccessControlError("key agreement gave the point at infinity")
        return product[0].to_bytes(size, "big")

    def map_generic(self, nonce: bytes, private: int, peer: bytes) -> EcGroup:
        """GM: Ĝ = s·G + H with H = private · peer (full point, hence pure Python)."""
        curve = self.domain.curve
        shared = curve.multiply(private, self.decode_public(peer))
        if shared is None:
            raise AccessControlError("GM mapping gave the point at infinity")
        s = int.from_bytes(nonce, "big") % self.domain.n
        if s == 0:
            raise AccessControlError("GM nonce is zero modulo the group order")
        s_g = curve.decode(self.public_key(s))
        mapped = curve.add(s_g, shared)
        if mapped is None:
            raise AccessControlError("GM mapping gave the point at infinity")
        return EcGroup(self.domain, mapped)

    def map_integrated(self, nonce: bytes, terminal_nonce: bytes, cipher: str) -> EcGroup:
        """IM: Ĝ = f_G(R_p(s, t)), the ICAO point encoding (needs p ≡ 3 mod 4)."""
        p = self.domain.p
        if p % 4 != 3:
            raise AccessControlError(f"Integrated Mapping is not defined on {self.domain.name}")
        t = prf(nonce, terminal_nonce, p, cipher)
        return EcGroup(self.domain, point_encode(t, self.domain))


@dataclass(frozen=True)
class DhGroup:
    domain: DhDomain
    generator: int

    @property
    def order(self) -> int:
        return self.domain.q

    @property
    def public_tag(self) -> int:
        return 0x84  # DH public value in the 7F49 public-key data object

    def _encode(self, value: int) -> bytes:
        return value.to_bytes(self.domain.field_bytes, "big")

    def public_key(self, private: int) -> bytes:
        return self._encode(pow(self.generator, private, self.domain.p))

    def decode_public(self, data: bytes) -> int:
        p, q = self.domain.p, self.domain.q
        if not data or len(data) > self.domain.field_bytes:
            raise AccessControlError("the other side's DH public value has a bad length")
        value = int.from_bytes(data, "big")
        if not 1 < value < p - 1 or pow(value, q, p) != 1:
            raise AccessControlError("the other side's DH public value is not in the subgroup")
        return value

    def shared_secret(self, private: int, peer: bytes) -> bytes:
        return self._encode(pow(self.decode_public(peer), private, self.domain.p))

    def map_generic(self, nonce: bytes, private: int, peer: bytes) -> DhGroup:
        """GM: ĝ = g^s · h mod p with h = peer^private."""
        p = self.domain.p
        shared = pow(self.decode_public(peer), private, p)
        mapped = pow(self.generator, int.from_bytes(nonce, "big"), p) * shared % p
        if mapped in (0, 1):
            raise AccessControlError("GM mapping gave a degenerate generator")
        return DhGroup(self.domain, mapped)

    def map_integrated(self, nonce: bytes, terminal_nonce: bytes, cipher: str) -> DhGroup:
        """IM: ĝ = R_p(s, t)^((p-1)/q) mod p."""
        p, q = self.domain.p, self.domain.q
        mapped = pow(prf(nonce, terminal_nonce, p, cipher), (p - 1) // q, p)
        if mapped in (0, 1):
            raise AccessControlError("IM mapping gave a degenerate generator")
        return DhGroup(self.domain, mapped)


PaceGroup = EcGroup | DhGroup


def standard_group(domain: DomainParameters) -> PaceGroup:
    if isinstance(domain, EcDomain):
        return EcGroup(domain, domain.generator)
    return DhGroup(domain, domain.g)


def prf(s: bytes, t: bytes, p: int, cipher: str) -> int:
    """R_p(s, t) of the Integrated Mapping: k0 = E(t, s); block i = E(k_i, c1); k_{i+1} = E(k_i, c0).

    Verified against ICAO 9303-11 Appendix H.1 (AES-128, 16-byte nonces). 32-byte nonces use the
    256-bit constants as JMRTD does; that path is exercised only by round trips with the virtual card.
    """
    if cipher == "3DES":
        raise AccessControlError("Integrated Mapping with 3DES is not supported")
    if len(s) not in (16, 32) or len(t) != len(s):
        raise AccessControlError("Integrated Mapping nonces have a bad length")
    c0, c1 = (_PRF_C0_128, _PRF_C1_128) if len(s) == 16 else (_PRF_C0_256, _PRF_C1_256)
    key = aes_cbc_encrypt(t, s)
    out = b""
    rounds = -(-(p.bit_length() + 64) // (8 * len(s)))  # ceil((log2 p + 64) / l)
    for _ in range(rounds):
        key, block = aes_cbc_encrypt(key, c0), aes_cbc_encrypt(key, c1)
        out += block
    return int.from_bytes(out, "big") % p


def point_encode(t: int, domain: EcDomain) -> tuple[int, int]:
    """ICAO 9303-11 Appendix B.2 point encoding f_G(t) for p ≡ 3 (mod 4)."""
    p, a, b = domain.p, domain.a, domain.b
    alpha = -t * t % p
    x2 = -b * (1 + alpha + alpha * alpha) * pow(a * (alpha + alpha * alpha), -1, p) % p
    x3 = alpha * x2 % p
    h2 = (x2 * x2 * x2 + a * x2 + b) % p
    u = t * t * t * h2 % p
    big_a = pow(h2, p - 1 - (p + 1) // 4, p)
    # h2 is a square → (X2, sqrt(h2)); otherwise (X3, A·U): ICAO 9303-11 App. B.2 steps 8-9
    point = (x2, big_a * h2 % p) if big_a * big_a * h2 % p == 1 else (x3, big_a * u % p)
    if not domain.curve.contains(point):
        raise AccessControlError("Integrated Mapping produced a point off the curve")
    return point
