"""Chip Authentication public keys (DG14 / EF.CardSecurity) → a key-agreement group and the chip's
public value.

Three encodings occur: id-ecPublicKey with a named curve or explicit parameters (matched to the named
curve, emrtd-lessons §1.7), BSI standardized domain parameters (0.4.0.127.0.7.1.2 + parameter id,
ICAO 9303-11 §9.5.1), and dhpublicnumber with explicit (p, g, q).
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import core
from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives.asymmetric import ec

from nfc.access.pace.groups import DhGroup, EcGroup
from nfc.crypto.curves import EC_CURVES, DhDomain, EcDomain, domain_parameters
from nfc.errors import AccessControlError, ParseError, VerificationError
from nfc.verify.certs import NamedCurve, match_explicit_curve, named_curves

ID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
ID_DH_PUBLIC_NUMBER = "1.2.840.10046.2.1"
ID_STANDARDIZED_DOMAIN_PARAMETERS = "0.4.0.127.0.7.1.2"

_CURVE_CLASSES: dict[str, type[ec.EllipticCurve]] = {
    "secp192r1": ec.SECP192R1,
    "secp224r1": ec.SECP224R1,
    "secp256r1": ec.SECP256R1,
    "secp384r1": ec.SECP384R1,
    "secp521r1": ec.SECP521R1,
    "brainpoolP256r1": ec.BrainpoolP256R1,
    "brainpoolP384r1": ec.BrainpoolP384R1,
    "brainpoolP512r1": ec.BrainpoolP512R1,
}


class _AlgorithmIdentifier(core.Sequence):  # type: ignore[misc]
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]  # noqa: RUF012


class _Spki(core.Sequence):  # type: ignore[misc]
    _fields = [("algorithm", _AlgorithmIdentifier), ("public_key", core.BitString)]  # noqa: RUF012


class _DhParameters(core.Sequence):  # type: ignore[misc]
    # X9.42 DomainParameters: p, g, q, then optional j and validation parameters we do not need
    _fields = [  # noqa: RUF012
        ("p", core.Integer),
        ("g", core.Integer),
        ("q", core.Integer),
        ("j", core.Integer, {"optional": True}),
        ("validation_parms", core.Any, {"optional": True}),
    ]


@dataclass(frozen=True)
class CaKey:
    group: EcGroup | DhGroup
    public: bytes  # EC: uncompressed point; DH: public value, field-size bytes
    label: str  # "brainpoolP256r1", "DH-2048"

    @property
    def is_ec(self) -> bool:
        return isinstance(self.group, EcGroup)


def _ec_domain(curve: NamedCurve) -> EcDomain:
    for domain in EC_CURVES.values():
        if (domain.p, domain.a % domain.p, domain.b, domain.n, domain.gx) == (
            curve.p,
            curve.a,
            curve.b,
            curve.n,
            curve.gx,
        ):
            return domain
    return EcDomain(
        -1, curve.name, curve.p, curve.a, curve.b, curve.gx, curve.gy, curve.n, _CURVE_CLASSES.get(curve.name)
    )


def load_ca_key(spki_der: bytes) -> CaKey:
    """Parse a CA SubjectPublicKeyInfo. Raises ``ParseError`` / ``VerificationError``."""
    try:
        spki = _Spki.load(spki_der)
        oid = spki["algorithm"]["algorithm"].dotted
        params = spki["algorithm"]["parameters"]
        raw_public = bytes(spki["public_key"].contents)[1:]  # skip the unused-bits byte
        if oid == ID_EC_PUBLIC_KEY:
            ec_params = asn1_keys.ECDomainParameters.load(params.dump())
            if ec_params.name == "named":
                curve = next((c for c in named_curves() if c.oid == ec_params.chosen.dotted), None)
                if curve is None:
                    raise VerificationError("unknown named curve in CA key", reason="unsupported-curve")
            elif ec_params.name == "specified":
                curve = match_explicit_curve(ec_params.chosen)
            else:
                raise VerificationError("implicitCA parameters in CA key", reason="unsupported-curve")
            domain = _ec_domain(curve)
            group = EcGroup(domain, domain.generator)
            group.decode_public(raw_public)  # on the curve, or AccessControlError
            return CaKey(group, raw_public, domain.name)
        if oid == ID_STANDARDIZED_DOMAIN_PARAMETERS:
            std = domain_parameters(int(core.Integer.load(params.dump()).native))
            if isinstance(std, EcDomain):
                group_ec = EcGroup(std, std.generator)
                group_ec.decode_public(raw_public)
                return CaKey(group_ec, raw_public, std.name)
            return _dh_key(std, raw_public)
        if oid == ID_DH_PUBLIC_NUMBER:
            dh = _DhParameters.load(params.dump())
            p, g, q = int(dh["p"].native), int(dh["g"].native), int(dh["q"].native)
            return _dh_key(DhDomain(-1, f"DH-{p.bit_length()}", p, g, q), raw_public)
    except (VerificationError, ParseError):
        raise
    except AccessControlError:
        raise ParseError("CA public key", "public value is not a valid group element") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ParseError("CA public key", f"malformed ({type(exc).__name__})") from None
    raise VerificationError(f"unsupported CA key algorithm {oid}", reason="unsupported-algorithm")


def _dh_key(domain: DhDomain, raw_public: bytes) -> CaKey:
    # the BIT STRING holds an INTEGER y (RFC 3279 §2.3.3)
    y = int(core.Integer.load(raw_public).native)
    group = DhGroup(domain, domain.g)
    public = y.to_bytes(domain.field_bytes, "big")
    group.decode_public(public)
    return CaKey(group, public, domain.name)
