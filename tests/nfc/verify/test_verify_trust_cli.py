"""``cccd-kiosk trust`` and ``cccd-kiosk verify`` through the real argument parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from nfc.virtual.test_pki import build_crl, generate_pki


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CCCD_KIOSK_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_import_list_freshness_verify(
    shared_data: Path, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pki = generate_pki("ec-p256")
    csca = tmp_path / "csca.cer"
    csca.write_bytes(pki.csca)
    crl = tmp_path / "csca.crl"
    crl.write_bytes(build_crl(pki.csca, pki.csca_key))
    assert main(["trust", "import", str(csca), str(crl), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["cscas_added"] == 1 and out["crls_added"] == 1
    assert (data_dir / "trust" / "index.json").exists()

    assert main(["trust", "list", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert {e["kind"] for e in entries} == {"csca", "crl"}

    assert main(["trust", "freshness", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True

    assert main(["verify", str(shared_data / "lds/loes2006"), "--json"]) == 9
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "issuer-unknown" and report["dsc_aki"]


def test_master_list_import_needs_root(shared_data: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trust", "import", str(shared_data / "pki/NL_ML_2026-07-22.ml")]) == 1
    assert "master-list-no-root" in capsys.readouterr().out
    assert (
        main(
            [
                "trust",
                "import",
                str(shared_data / "pki/NL_ML_2026-07-22.ml"),
                "--root",
                str(shared_data / "pki/NL_ROOT_CA.cer"),
            ]
        )
        == 0
    )
    assert "411 CSCAs" in capsys.readouterr().out


def test_verify_text_output_and_tampered_folder(
    shared_data: Path, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(shared_data / "lds/bsi2008"), "--no-trust"]) == 9
    text = capsys.readouterr().out
    assert "verdict: issuer-unknown" in text and "brainpoolP224r1" in text
    folder = tmp_path / "tampered"
    folder.mkdir()
    for src in (shared_data / "lds/hjp-rsapss").glob("*.bin"):
        (folder / src.name).write_bytes(src.read_bytes())
    dg1 = bytearray((folder / "Datagroup1.bin").read_bytes())
    dg1[10] ^= 0x01
    (folder / "Datagroup1.bin").write_bytes(bytes(dg1))
    assert main(["verify", str(folder), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["reason"] == "dg-hash-mismatch:DG1"


def test_verify_missing_directory(data_dir: Path, tmp_path: Path) -> None:
    assert main(["verify", str(tmp_path / "nope")]) != 0
