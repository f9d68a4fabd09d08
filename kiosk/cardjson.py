"""``CardRead`` → the JSON document of ``cccd-kiosk read --json`` and the staff local API.

Schema: docs/card-read-json.md. This is an *output for the person or HIS that asked for the card*;
it contains personal data by design and must never be logged.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields
from typing import Any

from nfc.model import CardRead

SCHEMA = "cccd-kiosk/card-read/1"

_MRZ_FIELDS = ("format", "document_code", "issuing_state", "document_number", "optional_data",
               "optional_data_2", "date_of_birth", "sex", "date_of_expiry", "nationality", "surname",
               "given_names")


def card_read_to_json(read: CardRead) -> dict[str, Any]:
    mrz = read.mrz
    personal = read.personal_data
    face = read.faces[0] if read.faces else None
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "complete": read.complete,
        "atr": read.atr.hex().upper(),
        "access": {
            "protocol": read.access.protocol,
            "password": read.access.password,
            "mechanism": read.access.mechanism,
            "cipher": read.access.cipher,
            "fallback_reason": read.access.fallback_reason,
            "ms": round(read.access.ms, 2),
        },
        "mrz": None,
        "personal_data": None,
        "photo": None,
        "files": {
            name: {
                "status": entry.status.value,
                "bytes": len(entry.data) if entry.data is not None else 0,
                "apdus": entry.apdus,
                "bytes_on_wire": entry.bytes_on_wire,
                "ms": round(entry.ms, 2),
                "error": entry.error,
            }
            for name, entry in read.files.items()
        },
        "apdu_count": read.apdu_count,
        "bytes_total": read.bytes_total,
        "timings_ms": {k: round(v, 2) for k, v in read.timings_ms.items()},
        "verification": read.verification.to_json() if read.verification is not None else None,
    }
    if mrz is not None:
        document["mrz"] = {name: getattr(mrz, name) for name in _MRZ_FIELDS} | {
            "lines": list(mrz.lines),
            "check_digits_valid": dict(mrz.check_digits_valid),
            "cccd_id_number": mrz.cccd_id_number,
            "lifetime": mrz.lifetime,
        }
    if personal is not None:
        values = {f.name: getattr(personal, f.name) for f in fields(personal) if f.name != "unknown_fields"}
        values["parents"] = list(personal.parents)
        values["father_name"] = personal.father_name
        values["mother_name"] = personal.mother_name
        values["unknown_fields"] = {str(k): v.hex().upper() for k, v in personal.unknown_fields.items()}
        document["personal_data"] = values
    if face is not None:
        document["photo"] = {
            "format": face.format,
            "width": face.width,
            "height": face.height,
            "bytes": len(face.data),
            "sha256": hashlib.sha256(face.data).hexdigest(),
        }
    return document
