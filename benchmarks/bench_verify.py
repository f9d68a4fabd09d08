"""Verification benchmark: ms per EF.SOD verification and per CSCA master-list import.

Prints one JSON object. Targets: ≤ 5 ms per SOD (parse + signature + hashes + chain), ≤ 1 s per master
list (signature + every CSCA self-signature).

    .venv/bin/python benchmarks/bench_verify.py [--rounds 50]

SOD cases use the generated test PKI (RSA-2048, ECDSA P-256, brainpoolP384r1 with explicit
parameters); the brainpoolP224r1 specimen (bsi2008) shows the pure-Python fallback cost.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nfc.lds.sod import parse_sod  # noqa: E402
from nfc.verify.certs import Certificate, load_certificate  # noqa: E402
from nfc.verify.crl import Crl  # noqa: E402
from nfc.verify.masterlist import verify_master_list  # noqa: E402
from nfc.verify.passive import verify_sod  # noqa: E402
from nfc.verify.trust import TrustStore  # noqa: E402
from nfc.virtual.test_pki import generate_pki  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
NOW = datetime(2026, 8, 1, tzinfo=UTC)
# CCCD-like sizes: DG1 (MRZ), DG2 (~20 kB face), DG13, DG14, DG15
GROUPS = {
    1: b"\x61" + bytes(92),
    2: b"\x75" + bytes(20000),
    13: b"\x6d" + bytes(600),
    14: b"\x6e" + bytes(330),
    15: b"\x6f" + bytes(160),
}


class _OneCsca:
    def __init__(self, csca: Certificate) -> None:
        self.csca = csca

    def issuers_of(self, cert: Certificate) -> list[Certificate]:
        return [self.csca]

    def crls_for(self, issuer: Certificate) -> list[Crl]:
        return []


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median": round(statistics.median(ordered), 3),
        "p95": round(ordered[int(len(ordered) * 0.95) - 1], 3),
        "min": round(ordered[0], 3),
    }


def bench_sod(kind: str, rounds: int) -> dict[str, object]:
    pki = generate_pki(kind)
    sod_bytes = pki.build_sod(GROUPS)
    store = _OneCsca(load_certificate(pki.csca))
    samples = []
    for _ in range(rounds + 2):
        started = time.perf_counter()
        result = verify_sod(parse_sod(sod_bytes), GROUPS, store, NOW)  # type: ignore[arg-type]
        samples.append((time.perf_counter() - started) * 1000)
        assert result.ok and result.chained
    key = load_certificate(pki.dsc).public_key()
    return {"signer": key.label, "explicit_parameters": key.explicit, "ms": _stats(samples[2:])}


def bench_specimen(rounds: int) -> dict[str, object]:
    folder = SHARED / "lds/bsi2008"
    sod_bytes = (folder / "EF_SOD.bin").read_bytes()
    groups = {n: (folder / f"Datagroup{n}.bin").read_bytes() for n in (1, 2, 3, 14)}
    samples = []
    for _ in range(rounds + 2):
        started = time.perf_counter()
        assert verify_sod(parse_sod(sod_bytes), groups, None, NOW).ok
        samples.append((time.perf_counter() - started) * 1000)
    return {"signer": "EC brainpoolP224r1 explicit (python-ecdsa fallback)", "ms": _stats(samples[2:])}


def bench_master_list(ml: str, root: str, rounds: int) -> dict[str, object]:
    data = (SHARED / "pki" / ml).read_bytes()
    root_cert = load_certificate((SHARED / "pki" / root).read_bytes())
    verify_samples, import_samples = [], []
    result = None
    for _ in range(rounds):
        started = time.perf_counter()
        result = verify_master_list(data, [root_cert], NOW)
        verify_samples.append((time.perf_counter() - started) * 1000)
        with tempfile.TemporaryDirectory() as tmp:
            store = TrustStore(Path(tmp))
            started = time.perf_counter()
            store.import_files([SHARED / "pki" / ml], master_list_roots=[root_cert], now=NOW)
            import_samples.append((time.perf_counter() - started) * 1000)
    assert result is not None
    return {
        "certificates": result.total,
        "cscas_verified": len(result.cscas),
        "links_verified": len(result.links),
        "verify_ms": _stats(verify_samples),
        "import_to_store_ms": _stats(import_samples),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--ml-rounds", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    report: dict[str, object] = {"benchmark": "verify", "targets": {"sod_ms": 5, "master_list_ms": 1000}}
    report["sod"] = {kind: bench_sod(kind, args.rounds) for kind in ("rsa-2048", "ec-p256", "ec-bp384-explicit")}
    report["sod_specimen_bsi2008"] = bench_specimen(args.rounds)
    report["master_list"] = {
        "DE": bench_master_list("DE_ML_2026-05-28-08-28-45.ml", "DE_ROOT_CA_CSCA07.cer", args.ml_rounds),
        "NL": bench_master_list("NL_ML_2026-07-22.ml", "NL_ROOT_CA.cer", args.ml_rounds),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
