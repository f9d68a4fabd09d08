"""atheris harness for the `bhyt` target (fuzz/targets.py): `python fuzz_bhyt.py -runs=100000`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.harness import main

if __name__ == "__main__":
    main("bhyt", sys.argv[1:])
