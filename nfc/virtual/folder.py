"""Load a virtual card from a folder of LDS files plus a keys/settings file, and save one.

Folder format (docs/virtual-card.md):
- LDS files named like the public test sets: ``EF_COM.bin``, ``EF_SOD.bin``, ``EF_CardAccess.bin``,
  ``DatagroupN.bin``; or by file identifier: ``ef011E.bin``, ``ef0101.bin``, ``ef011C.bin`` ...
- ``card.json`` (optional):
  ``{"can": "123456", "mrz": "line1\\nline2\\nline3", "chip_auth_key": "ca_key.pem",
     "active_auth_key": "aa_key.pem", "chip_auth_key_id": null, "extended_length": false,
     "locked": ["DG3"], "bac": true}``
  Without ``mrz`` the MRZ is taken from DG1; without ``can`` PACE-CAN is unavailable; without private
  keys the card behaves like a clone (CA/AA fail).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from nfc.errors import NfcError, ParseError
from nfc.lds.files import BY_NAME, CARD_ACCESS, by_name
from nfc.virtual.card import CardContent, CardSecrets, CardSettings

_NAMED = re.compile(r"^(?:EF_(COM|SOD|CardAccess)|Datagroup(\d{1,2}))\.bin$", re.IGNORECASE)
_BY_FID = re.compile(r"^ef([0-9a-f]{4})\.bin$", re.IGNORECASE)


class CardFolderError(NfcError):
    reason = "bad-card-folder"
    hint = "See docs/virtual-card.md for the folder format."


def lds_files_in(folder: Path) -> dict[str, bytes]:
    """{"DG1": bytes, "SOD": bytes, ...} from a folder in either naming scheme."""
    if not folder.is_dir():
        raise CardFolderError(f"not a folder: {folder}")
    found: dict[str, bytes] = {}
    by_fid = {f.fid: f.name for f in BY_NAME.values()}
    for path in sorted(folder.iterdir()):
        named = _NAMED.match(path.name)
        name: str | None = None
        if named:
            special, number = named.groups()
            specials = {"com": "COM", "sod": "SOD", "cardaccess": "CardAccess"}
            name = specials[special.lower()] if special else f"DG{int(number)}"
        else:
            fid = _BY_FID.match(path.name)
            if fid:
                name = by_fid.get(int(fid.group(1), 16))
        if name is not None:
            found[name] = path.read_bytes()
    if not found:
        raise CardFolderError(f"no LDS files (EF_COM.bin, DatagroupN.bin, ef0101.bin, ...) in {folder}")
    return found


def load_card_folder(folder: Path) -> tuple[CardContent, CardSecrets, CardSettings]:
    files = lds_files_in(folder)
    settings_path = folder / "card.json"
    config: dict[str, Any] = {}
    if settings_path.exists():
        try:
            config = json.loads(settings_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CardFolderError(f"card.json is not valid JSON: {exc}") from None
        if not isinstance(config, dict):
            raise CardFolderError("card.json must hold a JSON object")
    card_access = files.pop("CardAccess", None)
    mrz_text = config.get("mrz")
    if mrz_text is None and "DG1" in files:
        from nfc.lds.dg1 import parse_dg1

        try:
            mrz_text = "\n".join(parse_dg1(files["DG1"]).lines)
        except ParseError as exc:
            raise CardFolderError(f"DG1 cannot be parsed for the MRZ key: {exc}") from None
    mrz_information = None
    if mrz_text:
        from nfc.lds.mrz import parse_mrz

        mrz_information = parse_mrz(mrz_text).access_key().mrz_information()
    locked = frozenset(by_name(n).fid for n in config.get("locked", ["DG3"]))
    secrets = CardSecrets(
        mrz_information=mrz_information,
        can=config.get("can"),
        chip_auth_private_key=_key(folder, config.get("chip_auth_key")),
        chip_auth_key_id=config.get("chip_auth_key_id"),
        active_auth_private_key=_key(folder, config.get("active_auth_key")),
    )
    settings = CardSettings(extended_length=bool(config.get("extended_length", False)),
                            bac=bool(config.get("bac", True)))
    content = CardContent(
        files={by_name(n).fid: data for n, data in files.items()}, locked=locked, card_access=card_access
    )
    return content, secrets, settings


def save_card_folder(folder: Path, content: CardContent, secrets: CardSecrets, settings: CardSettings,
                     can: str | None = None) -> None:
    """Write a card in the folder format (the same one ``cccd-kiosk verify DIR`` reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {f.fid: f.name for f in BY_NAME.values()}
    for fid, data in content.files.items():
        name = names[fid]
        filename = f"Datagroup{name[2:]}.bin" if name.startswith("DG") else f"EF_{name}.bin"
        (folder / filename).write_bytes(data)
    if content.card_access is not None:
        (folder / f"ef{CARD_ACCESS.fid:04X}.bin").write_bytes(content.card_access)
    config: dict[str, Any] = {"can": can or secrets.can, "extended_length": settings.extended_length,
                              "bac": settings.bac, "locked": [names[f] for f in sorted(content.locked)]}
    for label, key in (("chip_auth_key", secrets.chip_auth_private_key),
                       ("active_auth_key", secrets.active_auth_private_key)):
        if key is not None:
            pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
            path = folder / f"{label}.pem"
            path.write_bytes(pem)
            path.chmod(0o600)
            config[label] = path.name
    (folder / "card.json").write_text(json.dumps(config, indent=2), encoding="utf-8")


def _key(folder: Path, name: str | None) -> Any:
    if not name:
        return None
    path = folder / name
    try:
        return load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise CardFolderError(f"private key {name} cannot be loaded: {type(exc).__name__}") from None
