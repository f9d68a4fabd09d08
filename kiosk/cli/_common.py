"""Shared CLI plumbing: exit codes and turning typed errors into plain-language messages."""

from __future__ import annotations

import sys

from nfc import errors as nfc_errors

EXIT_OK = 0
EXIT_INCOMPLETE = 1
EXIT_USAGE = 2
EXIT_NO_READER = 3
EXIT_NO_CARD = 4
EXIT_WRONG_KEY = 5
EXIT_UNSUPPORTED = 6
EXIT_IO = 7
EXIT_BAD_DATA = 8


def exit_code_for(error: Exception) -> int:
    if isinstance(error, nfc_errors.NoCardError):
        return EXIT_NO_CARD
    if isinstance(error, nfc_errors.NoReaderError | nfc_errors.ReaderServiceError):
        return EXIT_NO_READER
    if isinstance(error, nfc_errors.WrongKeyError | nfc_errors.AuthenticationFailedError
                  | nfc_errors.InvalidKeyInputError):
        return EXIT_WRONG_KEY
    if isinstance(error, nfc_errors.UnsupportedCardError | nfc_errors.AccessControlError):
        return EXIT_UNSUPPORTED
    if isinstance(error, nfc_errors.ParseError):
        return EXIT_BAD_DATA
    return EXIT_IO


def report_error(error: Exception) -> int:
    """Print what went wrong and what to do (stderr); return the exit code."""
    hint = getattr(error, "hint", "")
    reason = getattr(error, "reason", type(error).__name__)
    print(f"error [{reason}]: {error}", file=sys.stderr)
    if hint:
        print(f"what to do: {hint}", file=sys.stderr)
    return exit_code_for(error)
