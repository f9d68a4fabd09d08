"""Card-side secure messaging for the virtual CCCD (mirror of ``nfc.sm.session.SmSession``)."""

from __future__ import annotations

from nfc.iso7816.apdu import CommandApdu, ResponseApdu
from nfc.sm.codec import SmCodec


class CardSmSession:
    """Unwraps protected commands and wraps responses (always with DO'99 and DO'8E).

    ``unprotect_command`` raises ``SecureMessagingError`` on any defect; a real chip then answers a plain
    6987/6988 and forgets the keys, which is the applet's job.
    """

    def __init__(self, cipher: str, ks_enc: bytes, ks_mac: bytes, ssc: int = 0) -> None:
        self._codec = SmCodec(cipher, ks_enc, ks_mac, ssc)
        self.cipher_name = cipher
        self.cipher = cipher

    def __repr__(self) -> str:
        return f"CardSmSession(cipher={self.cipher_name!r}, ssc={self._codec.ssc})"

    @property
    def ssc(self) -> int:
        return self._codec.ssc

    def unprotect_command(self, command: CommandApdu) -> CommandApdu:
        return self._codec.unwrap_command(command)

    def protect_response(self, response: ResponseApdu) -> ResponseApdu:
        data = self._codec.wrap_response(response.data, response.sw)
        return ResponseApdu(data, response.sw1, response.sw2)
