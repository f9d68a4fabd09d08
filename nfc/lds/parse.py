"""``parse_file(name, data)``: one entry point for the reader, dispatching on the LDS file name.

Returns: COM → ``EfCom``; CardAccess, DG14 → ``tuple[SecurityInfo, ...]``; DG1 → ``MrzData``;
DG2 → ``tuple[FaceImage, ...]``; DG13 → ``VietnamPersonalData``; DG15 → SubjectPublicKeyInfo DER
``bytes``; SOD → ``nfc.lds.sod.Sod``; any other data group (DG3, DG4, DG11, ...) → the ``bytes`` inside
its outer tag (biometrics behind EAC and unused groups are only unwrapped). Raises only ``ParseError``.
"""

from __future__ import annotations

from collections.abc import Callable

from nfc.errors import ParseError
from nfc.lds.cardaccess import parse_security_infos
from nfc.lds.com import parse_com
from nfc.lds.dg1 import parse_dg1
from nfc.lds.dg2 import parse_dg2
from nfc.lds.dg13 import parse_dg13
from nfc.lds.dg14 import parse_dg14
from nfc.lds.dg15 import parse_dg15
from nfc.lds.files import BY_NAME
from nfc.lds.sod import parse_sod
from nfc.lds.tlv import unwrap

PARSERS: dict[str, Callable[[bytes], object]] = {
    "COM": parse_com,
    "CardAccess": parse_security_infos,
    "DG1": parse_dg1,
    "DG2": parse_dg2,
    "DG13": parse_dg13,
    "DG14": parse_dg14,
    "DG15": parse_dg15,
    "SOD": parse_sod,
}


def parse_file(name: str, data: bytes) -> object:
    parser = PARSERS.get(name)
    if parser is not None:
        return parser(bytes(data))
    lds_file = BY_NAME.get(name)
    if lds_file is None or lds_file.tag is None:
        raise ParseError("LDS file", "unknown file name")
    return unwrap(bytes(data), lds_file.tag, name)
