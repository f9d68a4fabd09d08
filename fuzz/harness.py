"""atheris (libFuzzer) harness for one target of :mod:`fuzz.targets`.

Usage: ``python -m fuzz.harness TARGET [libFuzzer options] [corpus dir]`` — or the per-target files
``fuzz/fuzz_<target>.py``. Typed errors are expected; any other exception is a crash that libFuzzer
records (``crash-*`` artifact) and a slow input a ``timeout-*`` artifact.
"""

from __future__ import annotations

import sys


def main(name: str, argv: list[str]) -> None:
    import logging

    import atheris

    logging.disable(logging.CRITICAL)  # clients log each refused answer; millions of lines help nobody

    # instrument our packages (coverage feedback); the seeds' first run imports every lazy module
    with atheris.instrument_imports(include=["nfc", "ocr", "kiosk"]):
        from fuzz.targets import all_targets, check_input

        target = all_targets()[name]
        for seed in target.seeds():
            check_input(target, seed)

    def one_input(data: bytes) -> None:
        check_input(target, data)

    atheris.Setup([sys.argv[0], *argv], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
