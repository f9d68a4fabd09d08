"""One error hierarchy for the chip layer.

Every error carries a stable ``reason`` code (the kiosk flow maps it to patient text) and a ``hint`` for
the person at the reader. Messages never contain personal data (ID numbers, names, dates of birth).
"""

from __future__ import annotations


class NfcError(Exception):
    """Base of every error raised by ``nfc``."""

    reason: str = "nfc-error"
    hint: str = "Try again; if it keeps failing, call staff."

    def __init__(self, message: str, *, hint: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint
        if reason is not None:
            self.reason = reason


# --- transport ------------------------------------------------------------------------------------
class TransportError(NfcError):
    reason = "io-error"
    hint = "The reader did not answer. Check its cable; run `cccd-kiosk selftest`."


class ReaderServiceError(TransportError):
    reason = "no-service"
    hint = "The PC/SC service (pcscd) is not running. Start it: `systemctl start pcscd`."


class NoReaderError(TransportError):
    reason = "no-reader"
    hint = "No card reader found. Plug the reader in and check `cccd-kiosk readers`."


class NoCardError(TransportError):
    reason = "no-card"
    hint = "No card on the reader. Place the card flat on the reader and hold it still."


class CardRemovedError(TransportError):
    reason = "card-removed"
    hint = "The card was taken away during reading. Place it back and hold it still until done."


class TransportTimeoutError(TransportError):
    reason = "timeout"
    hint = "The card took too long to answer. Hold it still on the reader and try again."


# --- ISO 7816 status words -----------------------------------------------------------------------
class StatusWordError(NfcError):
    """The card answered with a non-success status word."""

    reason = "card-status"

    def __init__(self, sw: int, command: str = "", *, hint: str | None = None) -> None:
        self.sw = sw
        self.command = command
        label = f" to {command}" if command else ""
        super().__init__(f"card answered {sw:04X}{label}: {self.describe()}", hint=hint)

    def describe(self) -> str:
        return "command failed"


class FileNotFoundOnCardError(StatusWordError):
    reason = "file-absent"

    def describe(self) -> str:
        return "file or application not found"


class SecurityStatusNotSatisfiedError(StatusWordError):
    reason = "access-denied"

    def describe(self) -> str:
        return "security status not satisfied"


class AuthenticationFailedError(StatusWordError):
    reason = "wrong-key"
    hint = "The card refused the key. Check the ID number (or MRZ) and try again."

    def describe(self) -> str:
        return "authentication failed"


class WrongLengthError(StatusWordError):
    reason = "wrong-length"

    def describe(self) -> str:
        return "wrong length"


class InstructionNotSupportedError(StatusWordError):
    reason = "not-supported"

    def describe(self) -> str:
        return "instruction not supported"


class WrongParametersError(StatusWordError):
    reason = "wrong-parameters"

    def describe(self) -> str:
        return "wrong parameters or data"


class EndOfFileError(StatusWordError):
    reason = "end-of-file"

    def describe(self) -> str:
        return "offset beyond end of file"


# --- secure messaging and access control ---------------------------------------------------------
class SecureMessagingError(NfcError):
    """SM failed (bad MAC, missing DO, plain answer while SM is active). The session keys are gone;
    the only way on is a fresh BAC/PACE, never a blind retry."""

    reason = "sm-error"
    hint = "Secure channel to the card was lost. Lift the card and place it again."

    def __init__(self, message: str, *, sw: int | None = None, hint: str | None = None) -> None:
        #: the plain status word the card answered with, when it dropped SM
        self.sw = sw
        super().__init__(message, hint=hint)


class AccessControlError(NfcError):
    """BAC or PACE could not be completed (wrong key, unsupported protocol, bad card answer)."""

    reason = "access-failed"
    hint = "The card could not be opened. Check the ID number (or MRZ) and try again."


class WrongKeyError(AccessControlError):
    reason = "wrong-key"
    hint = "The card refused the key. Check the last 6 digits of the ID number (or the MRZ)."


class UnsupportedCardError(NfcError):
    reason = "unsupported-card"
    hint = "This card is not a chip ID card or passport this kiosk can read. Call staff."


# --- parsing -------------------------------------------------------------------------------------
class ParseError(NfcError):
    """Bytes from the card (or a file) are not what the standard says. ``what`` names the structure,
    ``offset`` the byte position where it went wrong (when known)."""

    reason = "bad-data"
    hint = "The card's data could not be read correctly. Call staff."

    def __init__(self, what: str, problem: str, offset: int | None = None) -> None:
        self.what = what
        self.offset = offset
        where = f" at byte {offset}" if offset is not None else ""
        super().__init__(f"{what}: {problem}{where}")


class VerificationError(NfcError):
    reason = "verification-failed"
    hint = "The card could not be proven genuine. Call staff."


class InvalidKeyInputError(NfcError):
    """A typed or scanned key (CAN, MRZ fields) is malformed before it ever reaches the card."""

    reason = "bad-key-input"
    hint = "Check the number you entered: the CAN is the last 6 digits of the 12-digit ID number."
