"""PACE protocol identifiers (ICAO 9303-11 §9.2.2): key agreement, mapping and cipher from the OID."""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto.core import ObjectIdentifier

from nfc.errors import UnsupportedCardError

ID_PACE = "0.4.0.127.0.7.2.2.4"
_AGREEMENT_MAPPING = {
    1: ("DH", "GM"),
    2: ("ECDH", "GM"),
    3: ("DH", "IM"),
    4: ("ECDH", "IM"),
    6: ("ECDH", "CAM"),
}
_CIPHERS = {1: "3DES", 2: "AES-128", 3: "AES-192", 4: "AES-256"}


@dataclass(frozen=True)
class PaceAlgorithm:
    oid: str
    agreement: str  # "DH" | "ECDH"
    mapping: str  # "GM" | "IM" | "CAM"
    cipher: str  # "3DES" | "AES-128" | "AES-192" | "AES-256"

    @property
    def oid_bytes(self) -> bytes:
        """OID content octets (what goes after tag 80 in MSE:Set AT and after 06 in 7F49)."""
        return bytes(ObjectIdentifier(self.oid).contents)

    def mechanism(self, domain_name: str) -> str:
        return f"PACE-{self.agreement}-{self.mapping}-{self.cipher} {domain_name}"


def pace_algorithm(oid: str) -> PaceAlgorithm:
    """Decode a PACE OID; ``UnsupportedCardError`` for anything else."""
    prefix = ID_PACE + "."
    if oid.startswith(prefix):
        parts = oid[len(prefix) :].split(".")
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
            mapping = _AGREEMENT_MAPPING.get(int(parts[0]))
            cipher = _CIPHERS.get(int(parts[1]))
            if mapping and cipher and not (mapping[1] == "CAM" and cipher == "3DES"):
                return PaceAlgorithm(oid, mapping[0], mapping[1], cipher)
    raise UnsupportedCardError(f"unsupported PACE protocol {oid}")


def pace_oid(agreement: str, mapping: str, cipher: str) -> str:
    """The OID for a combination (used by tests and the virtual card)."""
    for number, pair in _AGREEMENT_MAPPING.items():
        if pair == (agreement, mapping):
            for cipher_number, name in _CIPHERS.items():
                if name == cipher:
                    return f"{ID_PACE}.{number}.{cipher_number}"
    raise ValueError(f"no PACE OID for {agreement}-{mapping}-{cipher}")


def oid_from_bytes(content: bytes) -> str:
    """Dotted OID from content octets (MSE:Set AT tag 80); ``ValueError`` when malformed."""
    if not 0 < len(content) < 128:
        raise ValueError("OID content length out of range")
    return str(ObjectIdentifier.load(b"\x06" + bytes((len(content),)) + content).dotted)
