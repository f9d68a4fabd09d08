"""Terminal-side secure messaging session (implements ``nfc.sm.base.SecureMessaging``)."""

from __future__ import annotations

from nfc.iso7816.apdu import CommandApdu, ResponseApdu
from nfc.sm.codec import MAX_SHORT_READ, SmCodec


class SmSession:
    """3DES (retail MAC, IV 0, 8-byte SSC) or AES-128/192/256 (CMAC[:8], IV = E(KSenc, SSC), 16-byte SSC).

    Deterministic: the same keys, SSC and commands give the same bytes. After any
    ``SecureMessagingError`` from :meth:`unprotect` the object is spent; re-authenticate.
    """

    def __init__(self, cipher: str, ks_enc: bytes, ks_mac: bytes, ssc: int = 0) -> None:
        self._codec = SmCodec(cipher, ks_enc, ks_mac, ssc)
        self.cipher_name = cipher
        self.max_short_read = MAX_SHORT_READ[cipher]

    def __repr__(self) -> str:
        return f"SmSession(cipher={self.cipher_name!r}, ssc={self._codec.ssc})"

    @property
    def ssc(self) -> int:
        return self._codec.ssc

    def protect(self, command: CommandApdu) -> CommandApdu:
        return self._codec.wrap_command(command)

    def unprotect(self, response: ResponseApdu) -> ResponseApdu:
        data, sw = self._codec.unwrap_response(response.data, response.sw)
        return ResponseApdu(data, sw >> 8, sw & 0xFF)
