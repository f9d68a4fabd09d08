"""The one CMS SignerInfo check shared by EF.SOD and CSCA master lists (RFC 5652 §5.4, §5.6).

messageDigest must equal H(eContent); the signature covers the signed attributes *as received*
with the ``[0]`` tag changed to SET (0x31) — never a re-encoding (emrtd-lessons §1.8).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from nfc.errors import VerificationError
from nfc.verify.algorithms import SignatureScheme, digest, scheme_for
from nfc.verify.certs import PublicKey


@dataclass(frozen=True)
class SignerCheck:
    message_digest_ok: bool
    signature_ok: bool
    scheme: SignatureScheme | None
    reason: str | None  # None when both passed

    @property
    def ok(self) -> bool:
        return self.message_digest_ok and self.signature_ok


def check_signer(
    *,
    econtent: bytes,
    signed_attrs: bytes | None,
    message_digest: bytes | None,
    digest_algorithm: str,
    signature_algorithm: str,
    signature_params: bytes | None,
    signature: bytes,
    key: PublicKey,
) -> SignerCheck:
    if signed_attrs is None:
        md_ok = True  # no attributes: the signature is directly over eContent
        signed = econtent
    else:
        if message_digest is None:
            return SignerCheck(False, False, None, "sod-message-digest-missing")
        md_ok = hmac.compare_digest(message_digest, digest(digest_algorithm, econtent))
        signed = b"\x31" + signed_attrs[1:]
    try:
        scheme = scheme_for(signature_algorithm, signature_params, digest_algorithm)
        sig_ok = key.verify(signature, signed, scheme)
    except VerificationError as exc:
        return SignerCheck(md_ok, False, None, exc.reason)
    reason = None if md_ok and sig_ok else ("message-digest-mismatch" if not md_ok else "signature-invalid")
    return SignerCheck(md_ok, sig_ok, scheme, reason)
