"""SecurityInfo values (ICAO 9303-11 §9.2) found in EF.CardAccess and DG14.

The parser lives in ``cardaccess.py``; these value types are shared with ``nfc.access`` (PACE) and
``nfc.verify`` (Chip/Active Authentication).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PaceInfo:
    protocol: str  # dotted OID, e.g. "0.4.0.127.0.7.2.2.4.2.2" (id-PACE-ECDH-GM-AES-CBC-CMAC-128)
    version: int
    parameter_id: int | None  # standardized domain parameters (13 = brainpoolP256r1); None = see DomainParameterInfo


@dataclass(frozen=True)
class PaceDomainParameterInfo:
    protocol: str
    domain_parameters: bytes  # DER AlgorithmIdentifier as found
    parameter_id: int | None


@dataclass(frozen=True)
class ChipAuthenticationInfo:
    protocol: str  # e.g. "0.4.0.127.0.7.2.2.3.2.2" id-CA-ECDH-AES-CBC-CMAC-128
    version: int
    key_id: int | None


@dataclass(frozen=True)
class ChipAuthenticationPublicKeyInfo:
    protocol: str  # id-PK-ECDH "0.4.0.127.0.7.2.2.1.2" or id-PK-DH "0.4.0.127.0.7.2.2.1.1"
    subject_public_key_info: bytes  # DER SubjectPublicKeyInfo (may carry explicit EC parameters)
    key_id: int | None


@dataclass(frozen=True)
class TerminalAuthenticationInfo:
    protocol: str
    version: int


@dataclass(frozen=True)
class ActiveAuthenticationInfo:
    protocol: str  # id-AA "2.23.136.1.1.5"
    version: int
    signature_algorithm: str  # dotted OID, e.g. ecdsa-with-SHA256


@dataclass(frozen=True)
class UnknownSecurityInfo:
    protocol: str
    raw: bytes  # the whole SecurityInfo SEQUENCE, kept for logs and future use


SecurityInfo = (
    PaceInfo
    | PaceDomainParameterInfo
    | ChipAuthenticationInfo
    | ChipAuthenticationPublicKeyInfo
    | TerminalAuthenticationInfo
    | ActiveAuthenticationInfo
    | UnknownSecurityInfo
)
