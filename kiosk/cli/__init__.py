"""``cccd-kiosk`` command line. Each sub-command lives in its own module here and registers itself
through ``add_parser(subparsers)``; modules are imported lazily so a missing optional dependency
breaks only its own command."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: sub-command name → module (relative to kiosk.cli) providing ``add_parser`` and ``run(args) -> int``
COMMANDS: dict[str, str] = {
    "readers": "readers",
    "read": "read",
    "virtual-card": "virtual_card",
    "verify": "verify",
    "trust": "trust",
    "ocr": "ocr",
    "demo": "demo",
    "config": "config",
    "selftest": "selftest",
    "run": "run",
    "staff": "staff",
    "face": "face",
    "local-api": "localapi",
    "bhyt-emulator": "emulators",
    "fhir-emulator": "emulators",
}


def _available() -> dict[str, object]:
    modules: dict[str, object] = {}
    for name, module in COMMANDS.items():
        try:
            modules[name] = importlib.import_module(f"kiosk.cli.{module}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("kiosk.cli."):
                continue  # command not built yet
            raise
    return modules


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cccd-kiosk",
        description="Hospital check-in with the Vietnamese chip ID card: read, verify, check in, queue ticket.",
        epilog="Start with `cccd-kiosk demo` (a full check-in on the virtual card). Docs: docs/ARCHITECTURE.md",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = _available()
    seen: set[int] = set()
    for module in modules.values():
        if id(module) in seen:
            continue
        seen.add(id(module))
        module.add_parser(subparsers)  # type: ignore[attr-defined]
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
