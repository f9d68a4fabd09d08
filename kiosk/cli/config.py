"""``cccd-kiosk config show|check``: the merged configuration (secrets as ***) and its validation."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kiosk.config import ConfigError, LoadedConfig, flatten, load_config, redacted


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "config", help="show or check the kiosk configuration", description=__doc__
    )
    parser.add_argument(
        "action", choices=("show", "check"), help="show: print merged values; check: validate"
    )
    parser.add_argument("--site", type=Path, help="site TOML file (default: $CCCD_KIOSK_SITE_FILE or /etc/…)")
    parser.add_argument(
        "--device", type=Path, help="device TOML file (default: $CCCD_KIOSK_DEVICE_FILE or /etc/…)"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def _show(loaded: LoadedConfig, as_json: bool) -> None:
    values = redacted(loaded.config)
    pairs = flatten(values)
    if as_json:
        json.dump(
            {"config": values, "sources": {k: loaded.sources.get(k, "default") for k, _ in pairs},
             "files": [str(f) for f in loaded.files]},
            sys.stdout, ensure_ascii=False, indent=2,
        )  # fmt: skip
        print()
        return
    width = max(len(k) for k, _ in pairs)
    files = ", ".join(str(f) for f in loaded.files) or "none (built-in defaults and environment only)"
    print(f"# files: {files}")
    for key, value in pairs:
        shown = json.dumps(value, ensure_ascii=False)
        print(f"{key:<{width}} = {shown}    # {loaded.sources.get(key, 'default')}")


def run(args: argparse.Namespace) -> int:
    try:
        loaded = load_config(args.site, args.device)
    except ConfigError as exc:
        if args.json:
            json.dump({"ok": False, "key": exc.key, "source": exc.source, "error": str(exc)}, sys.stdout)
            print()
        else:
            print(f"configuration error: {exc}", file=sys.stderr)
            print(f"hint: {exc.hint}", file=sys.stderr)
        return 1
    if args.action == "show":
        _show(loaded, args.json)
    elif args.json:
        json.dump({"ok": True, "files": [str(f) for f in loaded.files]}, sys.stdout)
        print()
    else:
        print(
            f"configuration OK ({len(loaded.files)} file(s): {', '.join(map(str, loaded.files)) or 'none'})"
        )
    return 0
