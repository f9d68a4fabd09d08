"""Passive Authentication: the three real specimen SODs, generated SODs for every signer kind,
tampering, signer lookup, and the DSC chain."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from nfc.lds.sod import parse_sod
from nfc.verify.certs import load_certificate
from nfc.verify.passive import verify_sod
from nfc.verify.trust import TrustStore
from nfc.virtual.test_pki import KINDS, build_sod, generate_pki

NOW = datetime(2026, 6, 1, tzinfo=UTC)
FOLDERS = {
    "bsi2008": (
        "EF_SOD.bin",
        {1: "Datagroup1.bin", 2: "Datagroup2.bin", 3: "Datagroup3.bin", 14: "Datagroup14.bin"},
        "ECDSA SHA1 / EC brainpoolP224r1",
    ),
    "loes2006": (
        "ef011D.bin",
        {1: "ef0101.bin", 2: "ef0102.bin", 15: "ef010F.bin"},
        "RSA PKCS#1 v1.5 SHA256 / RSA-2048",
    ),
    "hjp-rsapss": (
        "EF_SOD.bin",
        {1: "Datagroup1.bin", 14: "Datagroup14.bin"},
        "RSASSA-PSS SHA256 (MGF1-SHA256, salt 32) / RSA-2048",
    ),
}
GROUPS = {1: b"\x61\x05hello", 2: b"\x75\x03abc", 13: b"\x6d\x02xy", 14: b"\x6e\x01\x00", 15: b"\x6f\x01\x01"}


def _load(shared_data: Path, name: str) -> tuple[bytes, dict[int, bytes], str]:
    sod_name, dgs, algorithm = FOLDERS[name]
    folder = shared_data / "lds" / name
    return (folder / sod_name).read_bytes(), {n: (folder / f).read_bytes() for n, f in dgs.items()}, algorithm


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_specimen_signature_and_every_present_hash_verify(shared_data: Path, name: str) -> None:
    sod_bytes, groups, algorithm = _load(shared_data, name)
    result = verify_sod(parse_sod(sod_bytes), groups, None, NOW)
    assert result.signature_ok and result.message_digest_ok
    assert result.ok and result.reason is None
    assert result.signature_algorithm == algorithm
    assert all(result.dg_results[n] == "passed" for n in groups)
    assert result.chain is None  # no trust store given


def test_bsi2008_uses_explicit_brainpool_p224_fallback(shared_data: Path) -> None:
    sod = parse_sod((shared_data / "lds/bsi2008/EF_SOD.bin").read_bytes())
    key = load_certificate(sod.certificates[0]).public_key()
    assert key.explicit and key.fallback and key.curve == "brainpoolP224r1"


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_specimen_tampered_dg_fails(shared_data: Path, name: str) -> None:
    sod_bytes, groups, _ = _load(shared_data, name)
    changed = dict(groups)
    changed[1] = groups[1][:-1] + bytes([groups[1][-1] ^ 1])
    result = verify_sod(parse_sod(sod_bytes), changed, None, NOW)
    assert not result.ok and result.reason == "dg-hash-mismatch:DG1"
    assert result.dg_results[1] == "failed"


def test_hjp_unread_groups_are_not_checked(shared_data: Path) -> None:
    sod_bytes, groups, _ = _load(shared_data, "hjp-rsapss")
    result = verify_sod(parse_sod(sod_bytes), groups, None, NOW)
    assert {n for n, v in result.dg_results.items() if v == "not-checked"} == {2, 3, 4}
    assert result.ok


def test_unrelated_csca_does_not_chain(shared_data: Path, tmp_path: Path) -> None:
    store = TrustStore(tmp_path)
    store.add_csca(load_certificate((shared_data / "lds/hjp-rsapss/unrelated_CSCA_NL_serial6.cer").read_bytes()))
    sod_bytes, groups, _ = _load(shared_data, "hjp-rsapss")
    result = verify_sod(parse_sod(sod_bytes), groups, store, NOW)
    assert result.ok
    assert result.chain is not None and result.chain.status == "no-issuer" and not result.chained


@pytest.mark.parametrize("kind", KINDS)
def test_generated_sod_verifies_and_chains(kind: str, tmp_path: Path) -> None:
    pki = generate_pki(kind)
    store = TrustStore(tmp_path)
    assert store.add_csca(load_certificate(pki.csca)) == "csca"
    result = verify_sod(parse_sod(pki.build_sod(GROUPS)), GROUPS, store, NOW)
    assert result.ok and result.chained
    assert result.chain is not None and result.chain.path[-1] == load_certificate(pki.csca).subject


def test_dg_read_but_not_in_sod() -> None:
    sod = parse_sod(generate_pki("ec-p256").build_sod({1: GROUPS[1], 2: GROUPS[2]}))
    identity = verify_sod(sod, {1: GROUPS[1], 13: GROUPS[13]}, None, NOW)
    assert identity.reason == "dg-not-in-sod:DG13"
    other = verify_sod(sod, {1: GROUPS[1], 14: GROUPS[14]}, None, NOW)
    assert other.ok and not other.covered(14)


def test_signature_over_altered_attributes_fails() -> None:
    raw = bytearray(generate_pki("ec-p256").build_sod(GROUPS))
    sod = parse_sod(bytes(raw))
    assert sod.signed_attrs is not None
    # flip a byte inside the signing time (part of the signed attributes)
    at = bytes(raw).index(sod.signed_attrs) + sod.signed_attrs.index(b"\x17\x0d") + 2 + 11  # seconds
    raw[at] ^= 0x01
    result = verify_sod(parse_sod(bytes(raw)), GROUPS, None, NOW)
    assert not result.signature_ok and result.reason == "sod-signature-invalid"


def test_signer_found_by_subject_key_identifier() -> None:
    pki = generate_pki("ec-p256")
    sod = parse_sod(build_sod(GROUPS, pki.dsc, pki.dsc_key, signer_by_ski=True))
    assert verify_sod(sod, GROUPS, None, NOW).ok


def test_missing_dsc_is_reported() -> None:
    a, b = generate_pki("ec-p256"), generate_pki("ec-bp384")
    sod = parse_sod(build_sod(GROUPS, a.dsc, a.dsc_key))
    # a SOD whose SignerInfo names a certificate that is not embedded
    other = parse_sod(build_sod(GROUPS, b.dsc, b.dsc_key))
    from dataclasses import replace

    result = verify_sod(replace(sod, certificates=other.certificates), GROUPS, None, NOW)
    assert result.reason == "dsc-missing" and not result.ok


def test_expired_dsc_fails_the_chain(tmp_path: Path) -> None:
    pki = generate_pki("ec-p256")
    store = TrustStore(tmp_path)
    store.add_csca(load_certificate(pki.csca))
    result = verify_sod(parse_sod(pki.build_sod(GROUPS)), GROUPS, store, datetime(2041, 1, 1, tzinfo=UTC))
    assert result.chain is not None and result.chain.status == "failed" and result.chain.reason == "dsc-expired"


def test_sha1_through_sha512_digests() -> None:
    pki = generate_pki("ec-p256")
    for digest in ("sha1", "sha224", "sha256", "sha384", "sha512"):
        sod = parse_sod(build_sod(GROUPS, pki.dsc, pki.dsc_key, digest))
        assert sod.digest_algorithm == digest
        assert verify_sod(sod, GROUPS, None, NOW).ok


def test_signing_time_outside_dsc_validity_fails() -> None:
    pki = generate_pki("ec-p256")
    late = parse_sod(build_sod(GROUPS, pki.dsc, pki.dsc_key, signing_time=datetime(2041, 1, 1, tzinfo=UTC)))
    result = verify_sod(late, GROUPS, None, NOW)
    assert result.signature_ok and result.reason == "sod-signed-outside-dsc-validity" and not result.ok


def test_dsc_validity_at_signing_time_policy(tmp_path: Path) -> None:
    from nfc.verify.chain import ChainPolicy

    pki = generate_pki("ec-p256")
    store = TrustStore(tmp_path)
    store.add_csca(load_certificate(pki.csca))
    later = datetime(2041, 1, 1, tzinfo=UTC)  # DSC expired, CSCA still valid; SOD signed 2025
    policy = ChainPolicy(dsc_validity="signing-time")
    result = verify_sod(parse_sod(pki.build_sod(GROUPS)), GROUPS, store, later, policy=policy)
    assert result.chained, result.chain
