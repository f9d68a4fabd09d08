"""Status words → typed errors."""

from __future__ import annotations

from nfc.errors import (
    AuthenticationFailedError,
    EndOfFileError,
    FileNotFoundOnCardError,
    InstructionNotSupportedError,
    SecurityStatusNotSatisfiedError,
    StatusWordError,
    WrongLengthError,
    WrongParametersError,
)

SW_OK = 0x9000
SW_END_OF_FILE_WARNING = 0x6282  # fewer bytes than Le: end of file reached
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_AUTH_METHOD_BLOCKED = 0x6983
SW_REF_DATA_NOT_USABLE = 0x6984
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_SM_DATA_MISSING = 0x6987
SW_SM_DATA_INCORRECT = 0x6988
SW_WRONG_DATA = 0x6A80
SW_FILE_NOT_FOUND = 0x6A82
SW_INCORRECT_P1P2 = 0x6A86
SW_LC_INCONSISTENT = 0x6A87
SW_WRONG_P1P2 = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00
SW_NO_PRECISE_DIAGNOSIS = 0x6F00
SW_AUTH_FAILED = 0x6300

#: status words a chip under SM answers *in plain* after it dropped the session keys
SM_FAILURE_WORDS = frozenset({SW_SM_DATA_MISSING, SW_SM_DATA_INCORRECT})


def error_for(sw: int, command: str = "") -> StatusWordError:
    """The typed error for a failing status word."""
    if sw == SW_FILE_NOT_FOUND:
        return FileNotFoundOnCardError(sw, command)
    if sw == SW_SECURITY_NOT_SATISFIED:
        return SecurityStatusNotSatisfiedError(sw, command)
    if sw in (SW_AUTH_FAILED, SW_AUTH_METHOD_BLOCKED) or sw & 65520 == 25536:
        return AuthenticationFailedError(sw, command)
    if sw == SW_WRONG_LENGTH or (sw >> 8) == 0x6C:
        return WrongLengthError(sw, command)
    if sw in (SW_INS_NOT_SUPPORTED, SW_CLA_NOT_SUPPORTED):
        return InstructionNotSupportedError(sw, command)
    if sw in (SW_WRONG_DATA, SW_INCORRECT_P1P2, SW_LC_INCONSISTENT, SW_WRONG_P1P2):
        return WrongParametersError(sw, command)
    if sw == SW_END_OF_FILE_WARNING:
        return EndOfFileError(sw, command)
    return StatusWordError(sw, command)
