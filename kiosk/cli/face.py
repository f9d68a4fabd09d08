"""``cccd-kiosk face``: technician check of the face match on two still images.

Compares a chip photo (DG2 image bytes: JPEG or JPEG 2000) with one camera still. A still cannot show
liveness, so the result says ``liveness: not-run`` and is never a patient decision. Prints numbers
and codes only: no image data, no embedding.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

# Same numbers as the other commands (kiosk/cli/_common.py).
EXIT_OK = 0
EXIT_NOT_MATCHED = 1
EXIT_USAGE = 2
EXIT_IO = 7

_MAX_FILE = 25 * 1024 * 1024


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "face",
        help="compare a chip photo with a camera still (technician check, no liveness)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--chip-photo", required=True, type=Path, metavar="FILE",
                        help="DG2 face image (JPEG or JPEG 2000)")
    parser.add_argument("--image", required=True, type=Path, metavar="FILE", help="camera still (JPEG/PNG)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--match-below", type=float, default=None, help="override the match threshold")
    parser.add_argument("--no-match-from", type=float, default=None, help="override the no-match threshold")
    parser.set_defaults(handler=run)


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise FileNotFoundError(f"not a file: {path}")
    if path.stat().st_size > _MAX_FILE:
        raise ValueError(f"file too large: {path}")
    return path.read_bytes()


def run(args: argparse.Namespace) -> int:
    from kiosk.face.errors import FaceError
    from kiosk.face.match import MatchConfig
    from kiosk.face.session import FaceCheckConfig, compare_stills

    try:
        chip = _read(args.chip_photo)
        still = _read(args.image)
    except (OSError, ValueError) as exc:
        print(f"error [file]: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        defaults = MatchConfig()
        match = MatchConfig(
            args.match_below if args.match_below is not None else defaults.match_below,
            args.no_match_from if args.no_match_from is not None else defaults.no_match_from,
        )
    except ValueError as exc:
        print(f"error [usage]: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        decision = compare_stills(chip, still, config=FaceCheckConfig(match=match))
    except FaceError as exc:
        print(f"error [{exc.reason}]: {exc}\nwhat to do: {exc.hint}", file=sys.stderr)
        return EXIT_IO
    result: dict[str, object] = decision.as_dict()
    result["thresholds"] = {"match_below": match.match_below, "no_match_from": match.no_match_from}
    result["note"] = "technician still-image check: liveness not run; not a patient decision"
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        distance = "-" if decision.distance is None else f"{decision.distance:.3f}"
        print(f"outcome:   {decision.outcome}")
        print(f"reason:    {decision.reason}")
        print(f"distance:  {distance}  (match < {match.match_below}, no-match >= {match.no_match_from})")
        print(f"model:     {decision.model or '-'}")
        print("liveness:  not run (one still image cannot show it)")
    if decision.reason.value == "model-unavailable":
        return EXIT_IO
    return EXIT_OK if decision.outcome.value == "match" else EXIT_NOT_MATCHED
