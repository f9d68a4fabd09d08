"""Signature schemes as named in CMS/X.509 AlgorithmIdentifiers → what to hand to ``cryptography``.

The scheme always comes from the AlgorithmIdentifier next to the signature (the SignerInfo for a
SOD), never from the signer's certificate (emrtd-lessons §1.8). RSASSA-PSS parameters are read, not
assumed; absent fields take the RFC 4055 defaults (SHA-1, MGF1-SHA-1, salt 20).
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import algos
from cryptography.hazmat.primitives import hashes

from nfc.errors import VerificationError

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

_HASH_OIDS = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}

_RSA_PKCS1 = {
    "1.2.840.113549.1.1.5": "sha1",
    "1.2.840.113549.1.1.14": "sha224",
    "1.2.840.113549.1.1.11": "sha256",
    "1.2.840.113549.1.1.12": "sha384",
    "1.2.840.113549.1.1.13": "sha512",
}
_ECDSA = {
    "1.2.840.10045.4.1": "sha1",
    "1.2.840.10045.4.3.1": "sha224",
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
}
#: BSI TR-03111 ecdsa-plain-signatures (r‖s instead of DER)
_ECDSA_PLAIN = {
    "0.4.0.127.0.7.1.1.4.1.1": "sha1",
    "0.4.0.127.0.7.1.1.4.1.2": "sha224",
    "0.4.0.127.0.7.1.1.4.1.3": "sha256",
    "0.4.0.127.0.7.1.1.4.1.4": "sha384",
    "0.4.0.127.0.7.1.1.4.1.5": "sha512",
}
RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
RSASSA_PSS = "1.2.840.113549.1.1.10"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"


@dataclass(frozen=True)
class SignatureScheme:
    kind: str  # "rsa-pkcs1" | "rsa-pss" | "ecdsa" | "ecdsa-plain"
    hash: str  # "sha256", ...
    mgf_hash: str | None = None  # PSS only
    salt_length: int | None = None  # PSS only

    @property
    def label(self) -> str:
        if self.kind == "rsa-pss":
            mgf = (self.mgf_hash or "").upper()
            return f"RSASSA-PSS {self.hash.upper()} (MGF1-{mgf}, salt {self.salt_length})"
        names = {"rsa-pkcs1": "RSA PKCS#1 v1.5", "ecdsa": "ECDSA", "ecdsa-plain": "ECDSA (plain)"}
        return f"{names[self.kind]} {self.hash.upper()}"


def hash_algorithm(name: str) -> hashes.HashAlgorithm:
    try:
        return HASHES[name]()
    except KeyError:
        raise VerificationError(f"unsupported hash {name}", reason="unsupported-algorithm") from None


def digest(name: str, data: bytes) -> bytes:
    h = hashes.Hash(hash_algorithm(name))
    h.update(data)
    return h.finalize()


def scheme_for(oid: str, params_der: bytes | None, digest_hint: str | None = None) -> SignatureScheme:
    """Map a signature AlgorithmIdentifier to a scheme. ``digest_hint`` is the SignerInfo's
    digestAlgorithm, needed when an issuer puts the bare key OID (rsaEncryption, ecPublicKey) there."""
    if oid in _RSA_PKCS1:
        return SignatureScheme("rsa-pkcs1", _RSA_PKCS1[oid])
    if oid in _ECDSA:
        return SignatureScheme("ecdsa", _ECDSA[oid])
    if oid in _ECDSA_PLAIN:
        return SignatureScheme("ecdsa-plain", _ECDSA_PLAIN[oid])
    if oid in (RSA_ENCRYPTION, EC_PUBLIC_KEY):
        if digest_hint is None:
            raise VerificationError(f"signature algorithm {oid} names no hash", reason="unsupported-algorithm")
        return SignatureScheme("rsa-pkcs1" if oid == RSA_ENCRYPTION else "ecdsa", digest_hint)
    if oid == RSASSA_PSS:
        return _pss(params_der)
    raise VerificationError(f"unsupported signature algorithm {oid}", reason="unsupported-algorithm")


def _pss(params_der: bytes | None) -> SignatureScheme:
    if params_der is None or params_der == b"\x05\x00":
        return SignatureScheme("rsa-pss", "sha1", "sha1", 20)
    try:
        params = algos.RSASSAPSSParams.load(params_der)
        hash_oid = params["hash_algorithm"]["algorithm"].dotted
        mgf = params["mask_gen_algorithm"]
        if mgf["algorithm"].dotted != "1.2.840.113549.1.1.8":
            raise VerificationError("RSASSA-PSS with a mask function other than MGF1", reason="unsupported-algorithm")
        mgf_hash_oid = mgf["parameters"]["algorithm"].dotted
        salt = int(params["salt_length"].native)
        trailer = params["trailer_field"].native
    except VerificationError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise VerificationError(
            f"unreadable RSASSA-PSS parameters ({type(exc).__name__})", reason="unsupported-algorithm"
        ) from None
    if trailer not in (1, "trailer_field_bc"):
        raise VerificationError("RSASSA-PSS trailer field other than 1", reason="unsupported-algorithm")
    try:
        return SignatureScheme("rsa-pss", _HASH_OIDS[hash_oid], _HASH_OIDS[mgf_hash_oid], salt)
    except KeyError:
        raise VerificationError("RSASSA-PSS with an unsupported hash", reason="unsupported-algorithm") from None
