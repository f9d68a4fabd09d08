"""ISO/IEC 7816-4 APDUs, status words and the APDU channel (chaining, 6Cxx, secure messaging)."""

from nfc.iso7816.apdu import CommandApdu, ResponseApdu

__all__ = ["CommandApdu", "ResponseApdu"]
