"""atheris harness for the `cardaccess` target (fuzz/targets.py): `python fuzz_cardaccess.py -runs=100000`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.harness import main

if __name__ == "__main__":
    main("cardaccess", sys.argv[1:])
