"""The kiosk's trust store: CSCA certificates, link certificates and CRLs on disk.

Layout under the directory: ``certs/<sha256>.der``, ``crls/<sha256>.crl`` and ``index.json`` (what
each file is, where it came from, when it was added). Nothing enters without a check: a master list
only through its verified signature, a CSCA only with a valid self-signature (or as a link
certificate signed by a CSCA already trusted), a CRL only with a valid CSCA signature.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nfc.errors import NfcError, ParseError, VerificationError
from nfc.verify.certs import Certificate, aki_matches, load_certificate
from nfc.verify.crl import Crl, load_crl
from nfc.verify.masterlist import is_master_list, verify_master_list

INDEX = "index.json"
MAX_IMPORT_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class TrustEntry:
    kind: str  # "csca" | "link" | "crl"
    subject: str  # certificate subject, or CRL issuer
    not_after: datetime | None  # certificate expiry, or CRL next update
    source: str  # file name it was imported from
    fingerprint: str  # sha256 of the DER


@dataclass(frozen=True)
class ImportReport:
    files: int = 0
    master_lists: int = 0
    cscas_added: int = 0
    links_added: int = 0
    crls_added: int = 0
    already_present: int = 0
    rejected: int = 0
    #: (file name, reason code, message) for everything that was not imported
    problems: tuple[tuple[str, str, str], ...] = ()
    #: per master list: (file, total, CSCAs verified, links verified, rejected)
    master_list_counts: tuple[tuple[str, int, int, int, int], ...] = ()


@dataclass(frozen=True)
class FreshnessReport:
    checked_at: datetime
    cscas: int
    crls: int
    expired_cscas: tuple[str, ...] = ()
    #: (subject, not_after) of CSCAs that expire within the window
    expiring_cscas: tuple[tuple[str, datetime], ...] = ()
    #: (issuer, next_update) of CRLs whose next update is past
    overdue_crls: tuple[tuple[str, datetime], ...] = ()

    @property
    def ok(self) -> bool:
        return self.cscas > 0 and not self.overdue_crls and not self.expired_cscas


@dataclass
class _Counter:
    master_lists: int = 0
    cscas: int = 0
    links: int = 0
    crls: int = 0
    present: int = 0
    rejected: int = 0
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    ml_counts: list[tuple[str, int, int, int, int]] = field(default_factory=list)


def default_directory() -> Path:
    base = os.environ.get("CCCD_KIOSK_DATA_DIR")
    root = Path(base) if base else Path.home() / ".local" / "share" / "cccd-kiosk"
    return root / "trust"


class TrustStore:
    """CSCA trust anchors on disk. Not thread-safe for writers; readers only see saved states."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._certs: dict[str, tuple[Certificate, str, str]] = {}  # fingerprint → (cert, kind, source)
        self._crls: dict[str, tuple[Crl, str]] = {}
        self._by_subject: dict[str, list[Certificate]] = {}
        self._load()

    # -- persistence ---------------------------------------------------------------------------------
    def _load(self) -> None:
        index_path = self.directory / INDEX
        if not index_path.exists():
            return
        try:
            index = json.loads(index_path.read_text("utf-8"))
            for entry in index.get("certificates", []):
                cert = load_certificate((self.directory / "certs" / entry["file"]).read_bytes())
                self._put_cert(cert, entry["kind"], entry.get("source", ""))
            for entry in index.get("crls", []):
                crl = load_crl((self.directory / "crls" / entry["file"]).read_bytes())
                self._crls[entry["file"].split(".")[0]] = (crl, entry.get("source", ""))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ParseError("trust store", f"index unreadable ({type(exc).__name__})") from None

    def save(self) -> None:
        (self.directory / "certs").mkdir(parents=True, exist_ok=True)
        (self.directory / "crls").mkdir(parents=True, exist_ok=True)
        certs = []
        for fp, (cert, kind, source) in sorted(self._certs.items()):
            path = self.directory / "certs" / f"{fp}.der"
            if not path.exists():
                path.write_bytes(cert.der)
            certs.append(
                {
                    "file": path.name,
                    "kind": kind,
                    "source": source,
                    "subject": cert.subject,
                    "not_after": cert.not_after.isoformat(),
                }
            )
        crls = []
        for fp, (crl, source) in sorted(self._crls.items()):
            path = self.directory / "crls" / f"{fp}.crl"
            if not path.exists():
                path.write_bytes(crl.der)
            crls.append(
                {
                    "file": path.name,
                    "source": source,
                    "issuer": crl.issuer,
                    "next_update": crl.next_update.isoformat() if crl.next_update else None,
                }
            )
        # write-then-rename: a crash never leaves a half-written index
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".index-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"version": 1, "certificates": certs, "crls": crls}, out, indent=1, ensure_ascii=False)
        os.replace(tmp, self.directory / INDEX)

    # -- lookups (chain.IssuerSource) ---------------------------------------------------------------
    def issuers_of(self, cert: Certificate) -> Sequence[Certificate]:
        return tuple(self._by_subject.get(cert.issuer_key, ()))

    def crls_for(self, issuer: Certificate) -> Sequence[Crl]:
        return tuple(
            crl
            for crl, _ in self._crls.values()
            if crl.issuer_key == issuer.subject_key and aki_matches(issuer, crl.aki)
        )

    def certificates(self) -> tuple[Certificate, ...]:
        return tuple(c for c, _, _ in self._certs.values())

    def list(self) -> tuple[TrustEntry, ...]:
        entries = [
            TrustEntry(kind, c.subject, c.not_after, source, fp) for fp, (c, kind, source) in self._certs.items()
        ]
        entries += [
            TrustEntry("crl", crl.issuer, crl.next_update, source, fp) for fp, (crl, source) in self._crls.items()
        ]
        return tuple(sorted(entries, key=lambda e: (e.kind, e.subject)))

    def freshness(self, now: datetime | None = None, *, expiring_within_days: int = 90) -> FreshnessReport:
        now = now or datetime.now(UTC)
        horizon = now + timedelta(days=expiring_within_days)
        cscas = [c for c, kind, _ in self._certs.values() if kind == "csca"]
        return FreshnessReport(
            checked_at=now,
            cscas=len(cscas),
            crls=len(self._crls),
            expired_cscas=tuple(sorted(c.subject for c in cscas if c.not_after < now)),
            expiring_cscas=tuple(sorted((c.subject, c.not_after) for c in cscas if now <= c.not_after <= horizon)),
            overdue_crls=tuple(
                sorted(
                    (crl.issuer, crl.next_update)
                    for crl, _ in self._crls.values()
                    if crl.next_update is not None and crl.next_update < now
                )
            ),
        )

    # -- adding ---------------------------------------------------------------------------------------
    def _put_cert(self, cert: Certificate, kind: str, source: str) -> bool:
        fp = cert.fingerprint()
        if fp in self._certs:
            return False
        self._certs[fp] = (cert, kind, source)
        self._by_subject.setdefault(cert.subject_key, []).append(cert)
        return True

    def add_csca(self, cert: Certificate, source: str = "") -> str:
        """Add one CSCA (self-signed, verified) or link certificate (signed by a trusted CSCA).
        Returns "csca" or "link"; raises ``VerificationError`` otherwise."""
        if cert.self_issued and _verifies(cert, cert):
            kind = "csca"
        elif any(_verifies(cert, issuer) for issuer in self.issuers_of(cert)):
            kind = "link"
        else:
            raise VerificationError(
                "certificate is neither a valid self-signed CSCA nor signed by a trusted CSCA",
                reason="csca-not-verifiable",
            )
        self._put_cert(cert, kind, source)
        return kind

    def add_crl(self, crl: Crl, source: str = "") -> None:
        issuers = [c for c in self._by_subject.get(crl.issuer_key, ()) if aki_matches(c, crl.aki)]
        if not any(_crl_ok(crl, c) for c in issuers):
            raise VerificationError("CRL is not signed by a trusted CSCA", reason="crl-untrusted")
        self._crls[_fingerprint(crl.der)] = (crl, source)

    def import_files(
        self,
        paths: Iterable[Path],
        *,
        master_list_roots: Sequence[Path | Certificate] = (),
        now: datetime | None = None,
    ) -> ImportReport:
        """Import master lists, CSCA/link certificates (DER or PEM) and CRLs; save the store.

        Certificates go before CRLs so a CRL can be checked against a CSCA imported in the same call."""
        roots = [r if isinstance(r, Certificate) else load_certificate(_read(Path(r))) for r in master_list_roots]
        counter = _Counter()
        files = [Path(p) for p in paths]
        loaded: list[tuple[Path, bytes]] = []
        for path in files:
            try:
                loaded.append((path, _read(path)))
            except (OSError, ParseError) as exc:
                counter.rejected += 1
                counter.problems.append((path.name, "unreadable", str(exc)))
        crls: list[tuple[Path, bytes]] = []
        for path, data in loaded:
            try:
                if is_master_list(data):
                    self._import_master_list(path, data, roots, counter, now)
                elif _looks_like_crl(data):
                    crls.append((path, data))
                else:
                    self._import_certificate(path, data, counter)
            except NfcError as exc:
                counter.rejected += 1
                counter.problems.append((path.name, exc.reason, str(exc)))
        for path, data in crls:
            try:
                self.add_crl(load_crl(data), path.name)
                counter.crls += 1
            except NfcError as exc:
                counter.rejected += 1
                counter.problems.append((path.name, exc.reason, str(exc)))
        self.save()
        return ImportReport(
            len(files),
            counter.master_lists,
            counter.cscas,
            counter.links,
            counter.crls,
            counter.present,
            counter.rejected,
            tuple(counter.problems),
            tuple(counter.ml_counts),
        )

    def _import_master_list(
        self, path: Path, data: bytes, roots: Sequence[Certificate], counter: _Counter, now: datetime | None
    ) -> None:
        if not roots:
            raise VerificationError(
                "a master list needs a configured root certificate (--root)", reason="master-list-no-root"
            )
        result = verify_master_list(data, roots, now)
        counter.master_lists += 1
        for cert in result.cscas:
            if self._put_cert(cert, "csca", path.name):
                counter.cscas += 1
            else:
                counter.present += 1
        for cert in result.links:
            if self._put_cert(cert, "link", path.name):
                counter.links += 1
            else:
                counter.present += 1
        rejected = result.self_signed_failed + result.load_failed + result.links_unverified
        counter.ml_counts.append((path.name, result.total, len(result.cscas), len(result.links), rejected))

    def _import_certificate(self, path: Path, data: bytes, counter: _Counter) -> None:
        cert = load_certificate(data)
        if cert.fingerprint() in self._certs:
            counter.present += 1
            return
        if self.add_csca(cert, path.name) == "csca":
            counter.cscas += 1
        else:
            counter.links += 1


def _verifies(cert: Certificate, issuer: Certificate) -> bool:
    try:
        return cert.signed_by(issuer.public_key())
    except NfcError:
        return False


def _crl_ok(crl: Crl, issuer: Certificate) -> bool:
    try:
        return crl.signed_by(issuer.public_key())
    except NfcError:
        return False


def _fingerprint(data: bytes) -> str:
    from nfc.verify.algorithms import digest

    return digest("sha256", data).hex()


def _read(path: Path) -> bytes:
    if path.stat().st_size > MAX_IMPORT_BYTES:
        raise ParseError(path.name, "file too large for a trust import")
    data = path.read_bytes()
    if data.lstrip().startswith(b"-----BEGIN"):
        import base64

        lines = [ln for ln in data.decode("ascii", "replace").splitlines() if ln and not ln.startswith("-----")]
        try:
            return base64.b64decode("".join(lines), validate=False)
        except ValueError:
            raise ParseError(path.name, "bad PEM") from None
    return data


def _looks_like_crl(data: bytes) -> bool:
    """A CRL's TBSCertList has no [0] version-wrapped field and no SubjectPublicKeyInfo; asn1crypto
    tells the two apart reliably enough for a file-type guess."""
    from asn1crypto import crl as asn1_crl

    try:
        parsed = asn1_crl.CertificateList.load(data)
        parsed["tbs_cert_list"]["this_update"].native  # noqa: B018 - forces the parse
        return True
    except (ValueError, TypeError, KeyError):
        return False
