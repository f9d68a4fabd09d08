"""The interface the APDU channel uses to protect commands and check responses."""

from __future__ import annotations

from typing import Protocol

from nfc.iso7816.apdu import CommandApdu, ResponseApdu


class SecureMessaging(Protocol):
    """One SM session (keys + send sequence counter). Terminal side."""

    #: e.g. "3DES", "AES-128"
    cipher_name: str
    #: largest READ BINARY Le that still fits one short R-APDU under this cipher (223 AES, 231 3DES)
    max_short_read: int

    def protect(self, command: CommandApdu) -> CommandApdu:
        """Wrap a plain command (DO'85/'87, DO'97, DO'8E). Increments the SSC."""
        ...

    def unprotect(self, response: ResponseApdu) -> ResponseApdu:
        """Check DO'8E and DO'99, decrypt DO'85/'87, return the plain response.

        Raises ``SecureMessagingError`` (with ``sw`` set when the answer was plain) on any failure;
        the caller must then drop this object and re-authenticate.
        """
        ...
