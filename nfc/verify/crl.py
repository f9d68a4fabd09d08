"""CSCA certificate revocation lists.

Loaded with ``x509.load_der_x509_crl``; the signature is checked with the CSCA key rebuilt by
``certs`` (explicit EC parameters), not ``is_signature_valid`` on an unloadable key.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import crl as asn1_crl
from cryptography import x509

from nfc.errors import ParseError
from nfc.verify.algorithms import scheme_for
from nfc.verify.certs import Certificate, PublicKey, name_key, name_text

MAX_CRL_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Crl:
    der: bytes = field(repr=False)
    issuer: str
    issuer_key: str = field(repr=False)
    aki: bytes | None
    this_update: datetime
    next_update: datetime | None
    revoked_serials: frozenset[int] = field(repr=False)
    tbs: bytes = field(repr=False)
    signature_algorithm: str = field(repr=False)
    signature_params: bytes | None = field(repr=False)
    signature: bytes = field(repr=False)

    def signed_by(self, key: PublicKey) -> bool:
        return key.verify(self.signature, self.tbs, scheme_for(self.signature_algorithm, self.signature_params))

    def is_revoked(self, cert: Certificate) -> bool:
        return cert.serial in self.revoked_serials

    def overdue(self, now: datetime) -> bool:
        return self.next_update is not None and self.next_update < now


def load_crl(der: bytes) -> Crl:
    """Parse a DER CRL. Raises ``ParseError``."""
    if len(der) > MAX_CRL_BYTES:
        raise ParseError("CRL", f"{len(der)} bytes is too large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 48.x warns on legacy encodings seen on real CRLs
            parsed = x509.load_der_x509_crl(bytes(der))
            revoked = frozenset(entry.serial_number for entry in parsed)
            this_update = parsed.last_update_utc
            next_update = parsed.next_update_utc
        raw = asn1_crl.CertificateList.load(bytes(der))
        if bytes(raw["signature"].contents)[:1] != b"\x00":
            raise ParseError("CRL", "signature BIT STRING with unused bits")
        alg = raw["signature_algorithm"]
        params = alg["parameters"]
        tbs = raw["tbs_cert_list"]
        return Crl(
            der=bytes(der),
            issuer=name_text(tbs["issuer"]),
            issuer_key=name_key(tbs["issuer"]),
            aki=raw.authority_key_identifier,
            this_update=this_update,
            next_update=next_update,
            revoked_serials=revoked,
            tbs=tbs.dump(),
            signature_algorithm=alg["algorithm"].dotted,
            signature_params=None if params.native is None else params.dump(),
            signature=bytes(raw["signature"].native),
        )
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ParseError("CRL", f"malformed ({type(exc).__name__})") from None
