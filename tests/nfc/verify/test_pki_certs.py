"""Keys with explicit EC parameters, certificate parsing, CRLs, master lists (real DE/NL lists)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nfc.errors import ParseError, VerificationError
from nfc.verify.certs import load_certificate, load_public_key, match_explicit_curve, named_curves
from nfc.verify.crl import load_crl
from nfc.verify.masterlist import is_master_list, verify_master_list
from nfc.virtual.test_pki import build_crl, ec_key_from_seed, explicit_ec_spki, generate_pki, spki_der

LISTS = {
    "DE": ("DE_ML_2026-05-28-08-28-45.ml", "DE_ROOT_CA_CSCA07.cer"),
    "NL": ("NL_ML_2026-07-22.ml", "NL_ROOT_CA.cer"),
}
NOW = datetime(2026, 8, 1, tzinfo=UTC)


@pytest.mark.parametrize("curve", ["secp256r1", "secp384r1", "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1"])
def test_explicit_parameters_rebuild_to_the_named_curve(curve: str) -> None:
    key = ec_key_from_seed(b"explicit", curve)
    loaded = load_public_key(spki_der(key, explicit=True))
    assert loaded.explicit and not loaded.fallback and loaded.curve == curve
    assert loaded.key.public_numbers() == key.public_key().public_numbers()


def test_named_curve_table_includes_the_fallback_curves() -> None:
    names = {c.name for c in named_curves()}
    assert {"brainpoolP192r1", "brainpoolP224r1", "brainpoolP320r1", "secp256r1", "brainpoolP512r1"} <= names
    assert not next(c for c in named_curves() if c.name == "brainpoolP320r1").in_openssl


def test_explicit_parameters_of_no_known_curve_are_refused() -> None:
    from asn1crypto import keys

    spki = keys.PublicKeyInfo.load(spki_der(ec_key_from_seed(b"x"), explicit=True))
    specified = spki["algorithm"]["parameters"].chosen
    altered = keys.SpecifiedECDomain.load(specified.dump())
    altered["order"] = int(altered["order"].native) + 2
    with pytest.raises(VerificationError):
        match_explicit_curve(altered)


def test_vietnam_csca_key_loads_from_explicit_brainpool_p512(shared_data: Path) -> None:
    root = load_certificate((shared_data / "pki" / LISTS["DE"][1]).read_bytes())
    result = verify_master_list((shared_data / "pki" / LISTS["DE"][0]).read_bytes(), [root], NOW)
    vietnam = [c for c in result.cscas if "Vietnam" in c.subject]
    assert vietnam, "the DE list carries CSCA ePassport Vietnam"
    key = vietnam[0].public_key()
    assert key.curve == "brainpoolP512r1" and key.explicit and not key.fallback
    assert vietnam[0].ski is not None and vietnam[0].ski.hex() == "88918f5a25ece37a3e04c52d38a4f2b5123c85c7"


def test_fallback_curve_cost_is_measured(shared_data: Path) -> None:
    """brainpoolP224r1 runs on python-ecdsa: record its cost so a regression is visible."""
    from nfc.lds.sod import parse_sod
    from nfc.verify.algorithms import scheme_for

    sod = parse_sod((shared_data / "lds/bsi2008/EF_SOD.bin").read_bytes())
    key = load_certificate(sod.certificates[0]).public_key()
    scheme = scheme_for(sod.signature_algorithm, sod.signature_algorithm_params, sod.signer_digest_algorithm)
    started = time.perf_counter()
    for _ in range(5):
        assert key.verify(sod.signature, sod.signed_bytes, scheme)
    per_verify_ms = (time.perf_counter() - started) * 1000 / 5
    assert per_verify_ms < 100  # measured ≈ 5–8 ms on 2 cores


@pytest.mark.parametrize("country", sorted(LISTS))
def test_master_list_signature_and_every_csca(shared_data: Path, country: str) -> None:
    ml_name, root_name = LISTS[country]
    data = (shared_data / "pki" / ml_name).read_bytes()
    assert is_master_list(data)
    root = load_certificate((shared_data / "pki" / root_name).read_bytes())
    result = verify_master_list(data, [root], NOW)
    # every certificate loads; every self-signed CSCA's signature verifies
    assert result.load_failed == 0 and result.self_signed_failed == 0
    expected = {"DE": (588, 375), "NL": (411, 411)}[country]
    assert (result.total, len(result.cscas)) == expected
    print(
        f"{country}: {result.total} certificates, {len(result.cscas)} self-signed CSCAs verified, "
        f"{len(result.links)} link certificates verified, {result.links_unverified} links without issuer in "
        f"the list, {result.ms:.0f} ms"
    )


def test_master_list_with_the_wrong_root_is_refused(shared_data: Path) -> None:
    wrong = load_certificate((shared_data / "pki" / LISTS["NL"][1]).read_bytes())
    with pytest.raises(VerificationError) as caught:
        verify_master_list((shared_data / "pki" / LISTS["DE"][0]).read_bytes(), [wrong], NOW)
    assert caught.value.reason == "master-list-untrusted"


def test_tampered_master_list_is_refused(shared_data: Path) -> None:
    ml_name, root_name = LISTS["NL"]
    data = bytearray((shared_data / "pki" / ml_name).read_bytes())
    data[len(data) // 2] ^= 0x01  # inside the certificate list (eContent)
    root = load_certificate((shared_data / "pki" / root_name).read_bytes())
    with pytest.raises((VerificationError, ParseError)):
        verify_master_list(bytes(data), [root], NOW)


def test_colombia_crl_parses(shared_data: Path) -> None:
    crl = load_crl((shared_data / "lds/hjp-rsapss/COL.crl").read_bytes())
    assert "Colombia" in crl.issuer
    assert crl.next_update is not None and crl.this_update < crl.next_update
    assert len(crl.revoked_serials) == 15
    assert crl.overdue(NOW)


def test_generated_crl_signature_and_revocation() -> None:
    pki = generate_pki("ec-bp384-explicit")
    csca, dsc = load_certificate(pki.csca), load_certificate(pki.dsc)
    crl = load_crl(build_crl(pki.csca, pki.csca_key, (dsc.serial,)))
    assert crl.signed_by(csca.public_key())
    assert crl.is_revoked(dsc)
    other = generate_pki("ec-p256")
    assert not crl.signed_by(load_certificate(other.csca).public_key())


def test_certificate_fields() -> None:
    pki = generate_pki("ec-p256")
    csca, dsc = load_certificate(pki.csca), load_certificate(pki.dsc)
    assert csca.self_issued and csca.is_ca and "key_cert_sign" in csca.key_usage
    assert not dsc.self_issued and dsc.aki == csca.ski and "digital_signature" in dsc.key_usage
    assert dsc.signed_by(csca.public_key()) and csca.signed_by(csca.public_key())
    assert not csca.signed_by(dsc.public_key())


def test_explicit_spki_helper_round_trips() -> None:
    key = ec_key_from_seed(b"y", "brainpoolP256r1")
    named = spki_der(key)
    assert load_public_key(explicit_ec_spki(named)).key.public_numbers() == load_public_key(named).key.public_numbers()


@pytest.mark.parametrize("data", [b"", b"\x30\x00", b"\x30\x03\x02\x01\x01", bytes(100)])
def test_bad_certificates_raise_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError):
        load_certificate(data)


@pytest.mark.parametrize("kind", ["ec-p256", "rsa-pss-2048"])
def test_garbage_signatures_are_false_not_errors(kind: str) -> None:
    from nfc.verify.algorithms import SignatureScheme

    key = load_certificate(generate_pki(kind).dsc).public_key()
    schemes = (
        [SignatureScheme("rsa-pss", "sha256", "sha256", 4000), SignatureScheme("rsa-pkcs1", "sha256")]
        if key.kind == "rsa"
        else [SignatureScheme("ecdsa", "sha256"), SignatureScheme("ecdsa-plain", "sha256")]
    )
    for scheme in schemes:
        for signature in (b"", b"\x30\x00", bytes(64), b"\xff" * 300, b"\x30\x06\x02\x01\x00\x02\x01\x00"):
            assert key.verify(signature, b"data", scheme) is False


def test_fallback_curve_garbage_signatures(shared_data: Path) -> None:
    from nfc.lds.sod import parse_sod
    from nfc.verify.algorithms import SignatureScheme

    sod = parse_sod((shared_data / "lds/bsi2008/EF_SOD.bin").read_bytes())
    key = load_certificate(sod.certificates[0]).public_key()
    assert key.fallback
    for signature in (bytes(56), b"\xff" * 56, b"\xff" * 200, b"\x30\x06\x02\x01\x00\x02\x01\x00"):
        assert key.verify(signature, b"data", SignatureScheme("ecdsa-plain", "sha1")) is False
        assert key.verify(signature, b"data", SignatureScheme("ecdsa", "sha1")) is False
