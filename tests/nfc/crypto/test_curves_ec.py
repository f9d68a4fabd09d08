"""Standardized domain parameters and the affine EC arithmetic, cross-checked with ``cryptography``."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from nfc.crypto.curves import DH_GROUPS, EC_CURVES, domain_parameters
from nfc.crypto.ec import Curve
from nfc.errors import ParseError


@pytest.mark.parametrize("param_id", sorted(EC_CURVES))
def test_generator_on_curve_with_stated_order(param_id: int) -> None:
    domain = EC_CURVES[param_id]
    curve = domain.curve
    assert curve.contains(domain.generator)
    assert curve.multiply(domain.n, domain.generator) is None
    assert curve.multiply(domain.n - 1, domain.generator) == curve.neg(domain.generator)


@pytest.mark.parametrize("param_id", [p for p, d in sorted(EC_CURVES.items()) if d.curve_class])
def test_matches_cryptography_curve(param_id: int) -> None:
    domain = EC_CURVES[param_id]
    assert domain.curve_class is not None
    k = 0x1234567890ABCDEF1234567890ABCDEF
    numbers = ec.derive_private_key(k, domain.curve_class()).public_key().public_numbers()
    assert domain.curve.multiply(k, domain.generator) == (numbers.x, numbers.y)


def test_names_and_ids() -> None:
    assert {i: d.name for i, d in EC_CURVES.items()} == {
        8: "P-192",
        9: "brainpoolP192r1",
        10: "P-224",
        11: "brainpoolP224r1",
        12: "P-256",
        13: "brainpoolP256r1",
        14: "brainpoolP320r1",
        15: "P-384",
        16: "brainpoolP384r1",
        17: "brainpoolP512r1",
        18: "P-521",
    }
    assert EC_CURVES[9].curve_class is None and EC_CURVES[11].curve_class is None
    assert EC_CURVES[14].curve_class is None
    assert EC_CURVES[13].curve_class is ec.BrainpoolP256R1
    with pytest.raises(KeyError):
        domain_parameters(3)


@pytest.mark.parametrize("param_id", sorted(DH_GROUPS))
def test_dh_groups_have_prime_order_subgroup(param_id: int) -> None:
    group = DH_GROUPS[param_id]
    assert pow(group.g, group.q, group.p) == 1
    assert (group.p - 1) % group.q == 0
    assert group.g != 1


def test_g2_group_is_rfc5114_1024() -> None:
    assert DH_GROUPS[0].q == 0xF518AA8781A8DF278ABA4E7D64B7CB9D49462353


def test_point_add_double_identity() -> None:
    domain = EC_CURVES[13]
    curve, g = domain.curve, domain.generator
    two_g = curve.double(g)
    assert curve.add(g, g) == two_g
    assert curve.add(two_g, g) == curve.multiply(3, g)
    assert curve.add(g, curve.neg(g)) is None
    assert curve.add(None, g) == g
    assert curve.multiply(0, g) is None


def test_encode_decode() -> None:
    domain = EC_CURVES[12]
    curve = domain.curve
    encoded = curve.encode(domain.generator)
    assert len(encoded) == 65 and encoded[0] == 4
    assert curve.decode(encoded) == domain.generator
    bad = bytearray(encoded)
    bad[-1] ^= 1
    with pytest.raises(ParseError):
        curve.decode(bytes(bad))
    with pytest.raises(ParseError):
        curve.decode(encoded[:-1])
    with pytest.raises(ValueError):
        curve.encode(None)
    assert not Curve(23, 1, 1).contains((30, 1))
