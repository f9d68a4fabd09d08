"""atheris harness for the `ocr-mrz` target (fuzz/targets.py): `python fuzz_ocr_mrz.py -runs=100000`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.harness import main

if __name__ == "__main__":
    main("ocr-mrz", sys.argv[1:])
