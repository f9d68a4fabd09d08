"""Trust store: imports (master lists, CSCAs, CRLs), persistence, freshness, chain + revocation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from nfc.errors import VerificationError
from nfc.lds.sod import parse_sod
from nfc.verify.certs import load_certificate
from nfc.verify.chain import ChainPolicy, validate_dsc
from nfc.verify.passive import verify_sod
from nfc.verify.trust import TrustStore, default_directory
from nfc.virtual.test_pki import (
    CSCA_VALIDITY,
    DSC_VALIDITY,
    build_certificate,
    build_crl,
    ec_key_from_seed,
    generate_pki,
    spki_der,
)

NOW = datetime(2026, 8, 1, tzinfo=UTC)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_import_master_lists_and_reload(shared_data: Path, tmp_path: Path) -> None:
    store = TrustStore(tmp_path / "trust")
    pki = shared_data / "pki"
    report = store.import_files(
        [pki / "DE_ML_2026-05-28-08-28-45.ml", pki / "NL_ML_2026-07-22.ml"],
        master_list_roots=[pki / "DE_ROOT_CA_CSCA07.cer", pki / "NL_ROOT_CA.cer"],
        now=NOW,
    )
    assert report.master_lists == 2 and report.rejected == 0
    assert [c[:3] for c in report.master_list_counts] == [
        ("DE_ML_2026-05-28-08-28-45.ml", 588, 375),
        ("NL_ML_2026-07-22.ml", 411, 411),
    ]
    # the lists overlap: every CSCA is stored once
    assert report.cscas_added + report.already_present >= 411
    reloaded = TrustStore(tmp_path / "trust")
    assert len(reloaded.list()) == len(store.list())
    assert any("Vietnam" in e.subject for e in reloaded.list())


def test_master_list_without_root_is_rejected(shared_data: Path, tmp_path: Path) -> None:
    store = TrustStore(tmp_path)
    report = store.import_files([shared_data / "pki/NL_ML_2026-07-22.ml"])
    assert report.rejected == 1 and report.problems[0][1] == "master-list-no-root"
    assert store.list() == ()


def test_single_csca_crl_and_freshness(tmp_path: Path) -> None:
    pki = generate_pki("ec-p256")
    files = [_write(tmp_path, "csca.cer", pki.csca), _write(tmp_path, "csca.crl", build_crl(pki.csca, pki.csca_key))]
    store = TrustStore(tmp_path / "trust")
    report = store.import_files(files)
    assert (report.cscas_added, report.crls_added, report.rejected) == (1, 1, 0)
    fresh = store.freshness(NOW)
    assert fresh.ok and fresh.cscas == 1 and fresh.crls == 1
    late = store.freshness(datetime(2037, 1, 1, tzinfo=UTC))
    assert not late.ok and len(late.overdue_crls) == 1
    expiring = store.freshness(datetime(2043, 11, 1, tzinfo=UTC), expiring_within_days=90)
    assert len(expiring.expiring_cscas) == 1


def test_dsc_is_not_a_csca(tmp_path: Path) -> None:
    store = TrustStore(tmp_path)
    report = store.import_files([_write(tmp_path, "dsc.cer", generate_pki("ec-p256").dsc)])
    assert report.rejected == 1 and report.problems[0][1] == "csca-not-verifiable"


def test_crl_from_unknown_issuer_is_rejected(shared_data: Path, tmp_path: Path) -> None:
    report = TrustStore(tmp_path).import_files([shared_data / "lds/hjp-rsapss/COL.crl"])
    assert report.rejected == 1 and report.problems[0][1] == "crl-untrusted"


def test_pem_certificate_import(tmp_path: Path) -> None:
    import base64

    der = generate_pki("ec-bp384").csca
    pem = b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"
    report = TrustStore(tmp_path / "t").import_files([_write(tmp_path, "c.pem", pem)])
    assert report.cscas_added == 1


def test_revoked_dsc_fails_and_require_crl_policy(tmp_path: Path) -> None:
    pki = generate_pki("ec-p256")
    csca, dsc = load_certificate(pki.csca), load_certificate(pki.dsc)
    store = TrustStore(tmp_path)
    store.add_csca(csca)
    assert validate_dsc(dsc, store, NOW).revocation == "unknown"
    strict = validate_dsc(dsc, store, NOW, ChainPolicy(require_crl=True))
    assert strict.status == "failed" and strict.reason == "crl-unavailable"
    store.add_crl(
        __import__("nfc.verify.crl", fromlist=["load_crl"]).load_crl(build_crl(pki.csca, pki.csca_key, (dsc.serial,)))
    )
    revoked = validate_dsc(dsc, store, NOW)
    assert revoked.status == "failed" and revoked.reason == "dsc-revoked" and revoked.revocation == "revoked"


def test_link_certificate_path(tmp_path: Path) -> None:
    """Old CSCA (trusted) → link certificate → new CSCA key → DSC."""
    old_key, new_key, dsc_key = (ec_key_from_seed(s) for s in (b"old", b"new", b"dsc"))
    old_spki, new_spki, dsc_spki = spki_der(old_key), spki_der(new_key), spki_der(dsc_key)
    old = build_certificate(
        subject="CSCA LINK TEST",
        issuer="CSCA LINK TEST",
        subject_spki=old_spki,
        issuer_key=old_key,
        issuer_spki=old_spki,
        serial=1,
        validity=CSCA_VALIDITY,
        ca=True,
    )
    link = build_certificate(
        subject="CSCA LINK TEST",
        issuer="CSCA LINK TEST",
        subject_spki=new_spki,
        issuer_key=old_key,
        issuer_spki=old_spki,
        serial=2,
        validity=CSCA_VALIDITY,
        ca=True,
    )
    dsc = build_certificate(
        subject="DS LINK TEST",
        issuer="CSCA LINK TEST",
        subject_spki=dsc_spki,
        issuer_key=new_key,
        issuer_spki=new_spki,
        serial=3,
        validity=DSC_VALIDITY,
        ca=False,
    )
    store = TrustStore(tmp_path)
    store.add_csca(load_certificate(old))
    # before the link certificate arrives the new key is unknown under a known CSCA name
    assert validate_dsc(load_certificate(dsc), store, NOW).reason == "dsc-issuer-key-unknown"
    lenient = ChainPolicy(unknown_key_of_known_issuer_fails=False)
    assert validate_dsc(load_certificate(dsc), store, NOW, lenient).status == "no-issuer"
    assert store.add_csca(load_certificate(link)) == "link"
    result = validate_dsc(load_certificate(dsc), store, NOW)
    assert result.status == "chained" and len(result.path) == 3


def test_forged_dsc_under_a_trusted_csca_fails(tmp_path: Path) -> None:
    pki = generate_pki("ec-p256")
    store = TrustStore(tmp_path)
    store.add_csca(load_certificate(pki.csca))
    forged = bytearray(pki.dsc)
    forged[-3] ^= 0x01  # inside the certificate's signature value
    result = validate_dsc(load_certificate(bytes(forged)), store, NOW)
    assert result.status == "failed" and result.reason == "dsc-signature-invalid"


def test_chained_sod_through_the_store(tmp_path: Path) -> None:
    pki = generate_pki("rsa-pss-2048")
    store = TrustStore(tmp_path)
    store.add_csca(load_certificate(pki.csca))
    groups = {1: b"\x61\x01A"}
    result = verify_sod(parse_sod(pki.build_sod(groups)), groups, store, NOW)
    assert result.chained and result.chain is not None and result.chain.revocation == "unknown"


def test_add_csca_refuses_unverifiable(tmp_path: Path) -> None:
    with pytest.raises(VerificationError):
        TrustStore(tmp_path).add_csca(load_certificate(generate_pki("ec-bp384").dsc))


def test_default_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CCCD_KIOSK_DATA_DIR", str(tmp_path))
    assert default_directory() == tmp_path / "trust"
    monkeypatch.delenv("CCCD_KIOSK_DATA_DIR")
    assert default_directory() == Path.home() / ".local/share/cccd-kiosk/trust"


def test_known_issuer_name_with_unknown_key(tmp_path: Path) -> None:
    """Same CSCA name, different key (rollover not yet imported, or a forged DSC)."""
    trusted_key, other_key, dsc_key = (ec_key_from_seed(s) for s in (b"trusted", b"rolled", b"dsc2"))
    trusted_spki, other_spki = spki_der(trusted_key), spki_der(other_key)
    trusted = build_certificate(
        subject="CSCA ROLL",
        issuer="CSCA ROLL",
        subject_spki=trusted_spki,
        issuer_key=trusted_key,
        issuer_spki=trusted_spki,
        serial=1,
        validity=CSCA_VALIDITY,
        ca=True,
    )
    dsc = build_certificate(
        subject="DS ROLL",
        issuer="CSCA ROLL",
        subject_spki=spki_der(dsc_key),
        issuer_key=other_key,
        issuer_spki=other_spki,
        serial=2,
        validity=DSC_VALIDITY,
        ca=False,
    )
    store = TrustStore(tmp_path)
    store.add_csca(load_certificate(trusted))
    strict = validate_dsc(load_certificate(dsc), store, NOW)
    assert strict.status == "failed" and strict.reason == "dsc-issuer-key-unknown"
    lenient = validate_dsc(load_certificate(dsc), store, NOW, ChainPolicy(unknown_key_of_known_issuer_fails=False))
    assert lenient.status == "no-issuer"
