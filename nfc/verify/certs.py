"""Public keys and certificates as eMRTD PKI uses them.

ICAO 9303-12 mandates *explicit* EC domain parameters in CSCA/DSC keys; OpenSSL (and so
``cryptography``) rejects most of them (emrtd-lessons §1.7). We match (p, a, b, n, G) against the
named curves, rebuild the SubjectPublicKeyInfo with the named-curve OID and load that. Only the
brainpool curves OpenSSL lacks (P192/P224/P320, and the twisted variants) go to the pure-Python
``ecdsa`` package; hashing stays in ``cryptography`` even then.

Certificates are parsed with asn1crypto (some real CSCAs have negative serials or NULL parameters
that ``cryptography`` warns about); every signature check uses the rebuilt key, never
``verify_directly_issued_by`` (it would call the issuer's unloadable ``public_key()``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ecdsa
import ecdsa.curves
import ecdsa.ellipticcurve
import ecdsa.util
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from nfc.errors import ParseError, VerificationError
from nfc.verify.algorithms import SignatureScheme, digest, hash_algorithm, scheme_for

#: curves OpenSSL provides, by OID; anything else that matches an ``ecdsa`` curve uses the fallback
_OPENSSL_CURVES: dict[str, str] = {
    "1.2.840.10045.3.1.1": "secp192r1",
    "1.3.132.0.33": "secp224r1",
    "1.2.840.10045.3.1.7": "secp256r1",
    "1.3.132.0.34": "secp384r1",
    "1.3.132.0.35": "secp521r1",
    "1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1",
    "1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1",
    "1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1",
}


@dataclass(frozen=True)
class NamedCurve:
    name: str  # "brainpoolP224r1"
    oid: str
    p: int
    a: int
    b: int
    n: int
    gx: int
    gy: int
    in_openssl: bool


def _curve_name(c: ecdsa.curves.Curve) -> str:
    oid = ".".join(str(x) for x in c.oid)
    if oid in _OPENSSL_CURVES:
        return _OPENSSL_CURVES[oid]
    return str(c.name).replace("BRAINPOOL", "brainpool").replace("NIST", "nist")


@functools.cache
def named_curves() -> tuple[NamedCurve, ...]:
    """Every short-Weierstrass prime curve python-ecdsa knows (NIST, SEC, brainpool r1/t1)."""
    table = []
    for c in ecdsa.curves.curves:
        curve = c.curve
        if not isinstance(curve, ecdsa.ellipticcurve.CurveFp):
            continue  # Edwards curves
        oid = ".".join(str(x) for x in c.oid)
        g = c.generator
        table.append(
            NamedCurve(
                _curve_name(c),
                oid,
                curve.p(),
                curve.a() % curve.p(),
                curve.b() % curve.p(),
                c.order,
                g.x(),
                g.y(),
                oid in _OPENSSL_CURVES,
            )
        )
    return tuple(table)


def _curve_by_oid(oid: str) -> NamedCurve | None:
    return next((c for c in named_curves() if c.oid == oid), None)


def _point_xy(point: bytes, p: int) -> tuple[int, int | None, int | None]:
    """x, y (or None) and the y parity (or None) of an encoded point."""
    size = (p.bit_length() + 7) // 8
    if point[:1] == b"\x04" and len(point) == 1 + 2 * size:
        return int.from_bytes(point[1 : 1 + size], "big"), int.from_bytes(point[1 + size :], "big"), None
    if point[:1] in (b"\x02", b"\x03") and len(point) == 1 + size:
        return int.from_bytes(point[1:], "big"), None, point[0] & 1
    raise ParseError("EC parameters", "unrecognised point encoding")


def match_explicit_curve(specified: asn1_keys.SpecifiedECDomain) -> NamedCurve:
    """Find the named curve whose (p, a, b, n, G) equal the explicit parameters."""
    field_id = specified["field_id"]
    if field_id["field_type"].native != "prime_field":
        raise VerificationError(
            "characteristic-two EC fields are not used in eMRTD PKI", reason="unsupported-algorithm"
        )
    p = int(field_id["parameters"].native)
    a = int.from_bytes(bytes(specified["curve"]["a"].native), "big") % p
    b = int.from_bytes(bytes(specified["curve"]["b"].native), "big") % p
    n = int(specified["order"].native)
    gx, gy, parity = _point_xy(bytes(specified["base"].native), p)
    for c in named_curves():
        if (c.p, c.a, c.b, c.n, c.gx) != (p, a, b, n, gx):
            continue
        if (gy is not None and gy != c.gy) or (parity is not None and parity != c.gy & 1):
            continue
        return c
    raise VerificationError("explicit EC parameters match no known named curve", reason="unsupported-curve")


@dataclass(frozen=True)
class PublicKey:
    """A loaded verification key. ``key`` is a ``cryptography`` key, or an ``ecdsa.VerifyingKey``
    for the few curves OpenSSL lacks (``fallback``)."""

    kind: str  # "rsa" | "ec"
    label: str  # "RSA-2048", "EC brainpoolP224r1"
    curve: str | None
    explicit: bool  # the SPKI carried explicit parameters (rebuilt)
    fallback: bool
    key: Any = field(repr=False, compare=False)
    spki: bytes = field(repr=False)  # as received

    @property
    def rsa_numbers(self) -> rsa.RSAPublicNumbers:
        if self.kind != "rsa":
            raise VerificationError("not an RSA key", reason="wrong-key-type")
        numbers: rsa.RSAPublicNumbers = self.key.public_numbers()
        return numbers

    def verify(self, signature: bytes, data: bytes, scheme: SignatureScheme) -> bool:
        """True if ``signature`` over ``data`` is valid under ``scheme``; False if not. Raises
        ``VerificationError`` when the scheme does not fit the key."""
        if self.kind == "rsa":
            if scheme.kind not in ("rsa-pkcs1", "rsa-pss"):
                raise VerificationError(f"{scheme.label} with an RSA key", reason="algorithm-key-mismatch")
            pad: padding.AsymmetricPadding
            if scheme.kind == "rsa-pss":
                pad = padding.PSS(
                    mgf=padding.MGF1(hash_algorithm(scheme.mgf_hash or scheme.hash)),
                    salt_length=scheme.salt_length or 0,
                )
            else:
                pad = padding.PKCS1v15()
            try:
                self.key.verify(signature, data, pad, hash_algorithm(scheme.hash))
            except (InvalidSignature, ValueError):  # ValueError: e.g. a PSS salt too long for the key
                return False
            return True
        if scheme.kind not in ("ecdsa", "ecdsa-plain"):
            raise VerificationError(f"{scheme.label} with an EC key", reason="algorithm-key-mismatch")
        if scheme.kind == "ecdsa-plain":
            if len(signature) % 2 or not signature:
                return False
            half = len(signature) // 2
            r, s = int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
        else:
            try:
                r, s = utils.decode_dss_signature(signature)
            except ValueError:
                return False
        if self.fallback:
            try:
                result: bool = self.key.verify_digest(
                    ecdsa.util.sigencode_strings(r, s, self.key.curve.order),
                    digest(scheme.hash, data),
                    sigdecode=ecdsa.util.sigdecode_strings,
                    allow_truncate=True,
                )
            except (ecdsa.BadSignatureError, ecdsa.BadDigestError, ValueError, AssertionError):
                return False  # r or s out of range also lands here
            return result
        try:
            self.key.verify(utils.encode_dss_signature(r, s), data, ec.ECDSA(hash_algorithm(scheme.hash)))
        except (InvalidSignature, ValueError):
            return False
        return True


def load_public_key(spki_der: bytes) -> PublicKey:
    """Load an RSA or EC SubjectPublicKeyInfo, including explicit EC parameters."""
    try:
        info = asn1_keys.PublicKeyInfo.load(spki_der, strict=False)
        algorithm = info["algorithm"]["algorithm"].native
        if algorithm in ("rsa", "rsassa_pss"):
            return _load_rsa(info, spki_der)
        if algorithm == "ec":
            return _load_ec(info, spki_der)
    except (VerificationError, ParseError):
        raise
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ParseError("SubjectPublicKeyInfo", f"malformed ({type(exc).__name__})") from None
    raise VerificationError(f"unsupported public key algorithm {algorithm}", reason="unsupported-algorithm")


def _load_rsa(info: asn1_keys.PublicKeyInfo, spki_der: bytes) -> PublicKey:
    # RSASSA-PSS-keyed SPKIs (id-RSASSA-PSS) load in OpenSSL only with their restrictions; the
    # numbers are all we need, so rebuild them as a plain RSA key.
    numbers = info["public_key"].parsed
    key = rsa.RSAPublicNumbers(int(numbers["public_exponent"].native), int(numbers["modulus"].native)).public_key()
    return PublicKey("rsa", f"RSA-{key.key_size}", None, False, False, key, spki_der)


def _load_ec(info: asn1_keys.PublicKeyInfo, spki_der: bytes) -> PublicKey:
    params = info["algorithm"]["parameters"]
    point = bytes(info["public_key"].native)
    explicit = params.name == "specified"
    if params.name == "named":
        curve = _curve_by_oid(params.chosen.dotted)
        if curve is None:
            raise VerificationError(f"unknown named curve {params.chosen.dotted}", reason="unsupported-curve")
    elif explicit:
        curve = match_explicit_curve(params.chosen)
    else:
        raise VerificationError("EC key with implicitCA parameters", reason="unsupported-curve")
    label = f"EC {curve.name}"
    if not curve.in_openssl:
        ecdsa_curve = next(c for c in ecdsa.curves.curves if ".".join(str(x) for x in c.oid) == curve.oid)
        try:
            vk = ecdsa.VerifyingKey.from_string(point, curve=ecdsa_curve)
        except (ecdsa.MalformedPointError, ValueError, AssertionError):
            raise ParseError("EC public key", "point not on the curve") from None
        return PublicKey("ec", label, curve.name, explicit, True, vk, spki_der)
    rebuilt = asn1_keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": "ec",
                "parameters": asn1_keys.ECDomainParameters(name="named", value=curve.oid),
            },
            "public_key": point,
        }
    ).dump()
    try:
        key = serialization.load_der_public_key(rebuilt)
    except (ValueError, UnsupportedAlgorithm):
        raise ParseError("EC public key", "point not on the curve") from None
    return PublicKey("ec", label, curve.name, explicit, False, key, spki_der)


# --- certificates ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Certificate:
    """One X.509 certificate, parsed once. Subjects of CSCAs/DSCs name authorities, not people."""

    der: bytes = field(repr=False)
    subject: str
    issuer: str
    subject_der: bytes = field(repr=False)
    issuer_der: bytes = field(repr=False)
    #: RFC 5280 §7.1-normalised names, for matching issuer to subject across string encodings
    subject_key: str = field(repr=False)
    issuer_key: str = field(repr=False)
    serial: int
    not_before: datetime
    not_after: datetime
    ski: bytes | None
    aki: bytes | None
    key_usage: frozenset[str]
    is_ca: bool | None
    tbs: bytes = field(repr=False)
    signature_algorithm: str = field(repr=False)
    signature_params: bytes | None = field(repr=False)
    signature: bytes = field(repr=False)
    spki: bytes = field(repr=False)
    #: outer signatureAlgorithm equals the signed TBS ``signature`` field (RFC 5280 §4.1.1.2)
    algorithm_consistent: bool = True

    @property
    def self_issued(self) -> bool:
        return self.subject_key == self.issuer_key

    @property
    def signature_scheme(self) -> SignatureScheme:
        return scheme_for(self.signature_algorithm, self.signature_params)

    def public_key(self) -> PublicKey:
        return _cached_key(self.spki)

    def valid_at(self, when: datetime) -> bool:
        return self.not_before <= when <= self.not_after

    def signed_by(self, key: PublicKey) -> bool:
        if not self.algorithm_consistent:
            return False
        return key.verify(self.signature, self.tbs, self.signature_scheme)

    def fingerprint(self) -> str:
        return digest("sha256", self.der).hex()


@functools.lru_cache(maxsize=2048)
def _cached_key(spki: bytes) -> PublicKey:
    return load_public_key(spki)


def name_text(name: asn1_x509.Name) -> str:
    try:
        return str(name.human_friendly)
    except (ValueError, TypeError, KeyError):
        return "(unreadable name)"


def name_key(name: asn1_x509.Name) -> str:
    try:
        return str(name.hashable)  # asn1crypto is untyped
    except (ValueError, TypeError, KeyError):
        return bytes(name.dump()).hex()


def aki_matches(issuer: Certificate, aki: bytes | None) -> bool:
    """AKI/SKI agree, or one side does not say (then only the signature decides)."""
    return aki is None or issuer.ski is None or aki == issuer.ski


@functools.lru_cache(maxsize=4096)
def _name_key_cached(der: bytes) -> str:
    # names repeat (issuer = subject of CSCAs, one issuer for many certificates); normalising is costly
    return name_key(asn1_x509.Name.load(der))


@functools.lru_cache(maxsize=4096)
def _name_text_cached(der: bytes) -> str:
    return name_text(asn1_x509.Name.load(der))


def load_certificate(der: bytes) -> Certificate:
    """Parse a DER certificate. Raises ``ParseError``."""
    try:
        cert = asn1_x509.Certificate.load(bytes(der), strict=True)
        if bytes(cert["signature_value"].contents)[:1] != b"\x00":
            raise ParseError("certificate", "signature BIT STRING with unused bits")
        tbs = cert["tbs_certificate"]
        validity = tbs["validity"]
        params = cert["signature_algorithm"]["parameters"]
        ku = cert.key_usage_value
        bc = cert.basic_constraints_value
        return Certificate(
            der=bytes(der),
            subject=_name_text_cached(bytes(tbs["subject"].dump())),
            issuer=_name_text_cached(bytes(tbs["issuer"].dump())),
            subject_der=tbs["subject"].dump(),
            issuer_der=tbs["issuer"].dump(),
            subject_key=_name_key_cached(bytes(tbs["subject"].dump())),
            issuer_key=_name_key_cached(bytes(tbs["issuer"].dump())),
            serial=int(tbs["serial_number"].native),
            not_before=validity["not_before"].native,
            not_after=validity["not_after"].native,
            ski=cert.key_identifier,
            aki=cert.authority_key_identifier,
            key_usage=frozenset(ku.native) if ku is not None else frozenset(),
            is_ca=None if bc is None else bool(bc["ca"].native),
            tbs=tbs.dump(),
            signature_algorithm=cert["signature_algorithm"]["algorithm"].dotted,
            signature_params=None if params.native is None else params.dump(),
            signature=bytes(cert["signature_value"].native),
            spki=tbs["subject_public_key_info"].dump(),
            algorithm_consistent=bytes(cert["signature_algorithm"].dump()) == bytes(tbs["signature"].dump()),
        )
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise ParseError("certificate", f"malformed ({type(exc).__name__})") from None
