"""Every parser that takes outside input, as a fuzz target: bytes in, parse, and only the package's typed
errors may come out. Anything else (IndexError, UnicodeError, RecursionError, MemoryError, ...) is a bug.

Each target has seed inputs (valid examples: the virtual card's files, sample gateway and FHIR answers)
so mutation reaches deep into the parser, not just its first length check.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED_LDS = REPO.parent / "shared" / "data" / "lds"


@dataclass(frozen=True)
class Target:
    name: str
    run: Callable[[bytes], object]
    #: the error types this parser is allowed to raise (its package's hierarchy)
    typed: tuple[type[BaseException], ...]
    seeds: Callable[[], list[bytes]]


# --- seeds -------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _card_files() -> Mapping[str, bytes]:
    from nfc.virtual.builder import build_card

    built = build_card()
    names = ("COM", "DG1", "DG2", "DG13", "DG14", "DG15", "SOD")
    files = {name: built.file(name) for name in names}
    files["CardAccess"] = built.content.card_access or b""
    files["MRZ"] = "\n".join(built.mrz).encode()
    return files


def _shared(*names: str) -> list[bytes]:
    found = []
    for name in names:
        path = SHARED_LDS / name
        if path.is_file() and path.stat().st_size < 64 * 1024:
            found.append(path.read_bytes())
    return found


def _seeds_for(name: str, *shared: str) -> Callable[[], list[bytes]]:
    def seeds() -> list[bytes]:
        return [_card_files()[name], *_shared(*shared)]

    return seeds


# --- nfc parsers ---------------------------------------------------------------------------------------
def _nfc_errors() -> tuple[type[BaseException], ...]:
    from nfc.errors import NfcError

    return (NfcError,)


def run_tlv(data: bytes) -> object:
    from nfc.lds.tlv import header_length_of, iter_tlvs

    header_length_of(data[:8])
    count = 0
    for tlv in iter_tlvs(data):
        count += len(tlv.value)
    return count


def run_dg1(data: bytes) -> object:
    from nfc.lds.dg1 import parse_dg1

    return parse_dg1(data)


def run_dg2(data: bytes) -> object:
    from nfc.lds.dg2 import parse_dg2

    return parse_dg2(data)


def run_dg13(data: bytes) -> object:
    from nfc.lds.dg13 import parse_dg13

    return parse_dg13(data)


def run_dg14(data: bytes) -> object:
    from nfc.lds.dg14 import parse_dg14

    return parse_dg14(data)


def run_dg15(data: bytes) -> object:
    from nfc.lds.dg15 import parse_dg15

    return parse_dg15(data)


def run_sod(data: bytes) -> object:
    from nfc.lds.sod import parse_sod

    return parse_sod(data)


def run_card_access(data: bytes) -> object:
    from nfc.lds.cardaccess import parse_security_infos

    return parse_security_infos(data)


def run_mrz(data: bytes) -> object:
    from nfc.lds.mrz import parse_mrz

    return parse_mrz(data.decode("utf-8", "replace"))


# --- ocr text parsers ------------------------------------------------------------------------------------
def _ocr_errors() -> tuple[type[BaseException], ...]:
    from ocr.errors import OcrError

    return (OcrError,)


def run_ocr_mrz(data: bytes) -> object:
    """The OCR side's MRZ text check (``ocr.mrz.parse.evaluate``) on lines of any shape."""
    from ocr.mrz.parse import LAYOUTS, evaluate

    formats = sorted(LAYOUTS)
    fmt = formats[data[0] % len(formats)] if data else formats[0]
    lines = tuple(data[1:].decode("utf-8", "replace").split("\n"))
    return evaluate(fmt, lines)


def run_qr(data: bytes) -> object:
    from ocr.qr import parse_cccd_qr

    return parse_cccd_qr(data)


def _dg2_seeds() -> list[bytes]:
    from nfc.lds.dg2 import build_dg2

    # a small image keeps each input short; the record structure is what the parser walks
    return [build_dg2(b"\xff\xd8\xff\xe0" + bytes(60) + b"\xff\xd9", "jpeg", 8, 8),
            *_shared("bsi2008/Datagroup2.bin")]


def _mrz_seeds() -> list[bytes]:
    files = _card_files()
    return [files["MRZ"], b"\x00" + files["MRZ"], b"\x01" + files["MRZ"]]


def _qr_seeds() -> list[bytes]:
    return ["001090000001|123456789|Nguyễn Văn A|01011990|Nam|Số 1, Phường X, Hà Nội|15082021".encode(),
            "079203000123||Trần Thị B|29022004|Nữ|Ấp 3, TP Hồ Chí Minh|01072024|extra".encode()]


# --- gateway and HIS answers (through the clients' own parsing) ------------------------------------------
def _kiosk_errors() -> tuple[type[BaseException], ...]:
    from kiosk.errors import KioskError

    return (KioskError,)


def _response(status: int, body: bytes, url: str, content_type: str) -> Any:
    import requests
    from requests.structures import CaseInsensitiveDict

    response = requests.Response()
    response.status_code = status
    response.raw = io.BytesIO(body)
    response.url = url
    response.headers = CaseInsensitiveDict({"Content-Type": content_type})
    return response


_STATUSES = (200, 200, 200, 201, 400, 401, 404, 412, 500, 503)


class _FakeSession:
    """A ``requests.Session`` stand-in: fixed answers for the login, the fuzz input for the rest."""

    def __init__(self, status: int, body: bytes, content_type: str) -> None:
        self._status = status
        self._body = body
        self._content_type = content_type

    def post(self, url: str, **_: object) -> Any:
        if url.endswith("/api/token/take"):
            login = {"maKetQua": "200", "APIKey": {"access_token": "t", "id_token": "i", "expires_in": 3600}}
            return _response(200, json.dumps(login).encode(), url, "application/json")
        return _response(self._status, self._body, url, self._content_type)

    def request(self, method: str, url: str, **_: object) -> Any:
        return _response(self._status, self._body, url, self._content_type)

    def close(self) -> None:
        pass


def run_bhyt(data: bytes) -> object:
    from kiosk.insurance.client import BhytClient
    from kiosk.insurance.models import BhytCredentials

    status = _STATUSES[data[0] % len(_STATUSES)] if data else 200
    session = _FakeSession(status, data[1:], "application/json")
    credentials = BhytCredentials(username="u", password="p", officer_name="CB", officer_id_number="001090000002")
    client = BhytClient("http://bhyt.invalid", credentials, session=session,  # type: ignore[arg-type]
                        max_attempts=1, sleep=lambda _: None)
    return client.lookup("001090000001", "Nguyễn Văn A", "01/01/1990")


def run_fhir(data: bytes) -> object:
    from kiosk.his.fhir_adapter import FhirHisAdapter, FhirSettings

    status = _STATUSES[data[0] % len(_STATUSES)] if data else 200
    session = _FakeSession(status, data[1:], "application/fhir+json")
    adapter = FhirHisAdapter(FhirSettings(base_url="http://his.invalid/fhir"), session=session)  # type: ignore[arg-type]
    return adapter.find_patient("001090000001")


def _bhyt_seeds() -> list[bytes]:
    answer = {
        "maKetQua": "000", "ghiChu": "Thẻ còn giá trị sử dụng", "maThe": "DN4010123456789", "hoTen": "Nguyễn Văn A",
        "ngaySinh": "01/01/1990", "gioiTinh": "Nam", "diaChi": "Hà Nội", "maDKBD": "01001", "cqBHXH": "BHXH HN",
        "gtTheTu": "01/01/2026", "gtTheDen": "31/12/2026", "maKV": "", "ngayDu5Nam": "01/01/2030",
        "maSoBHXH": "0101234567", "maTheCu": "", "maTheMoi": "", "gtTheTuMoi": None, "gtTheDenMoi": None,
        "dsLichSuKCB2018": [{"maHoSo": "1", "maCSKCB": "01001", "ngayVao": "202601010800",
                             "ngayRa": "202601011000", "tenBenh": "x", "tinhTrang": "1", "kqDieuTri": "1"}],
        "dsLichSuKT2018": [{"userKT": "a", "thoiGianKT": "20260101", "thongBao": "ok", "maLoi": "000"}],
    }
    return [b"\x00" + json.dumps(answer, ensure_ascii=False).encode(), b"\x00" + b'{"maKetQua": "001"}']


def _fhir_seeds() -> list[bytes]:
    patient = {"resourceType": "Patient", "id": "p1", "meta": {"versionId": "1"},
               "identifier": [{"system": "http://fhir.hl7.org.vn/core/sid/cccd", "value": "001090000001"}],
               "name": [{"text": "Nguyễn Văn A", "family": "Nguyễn", "given": ["Văn", "A"]}],
               "gender": "male", "birthDate": "1990-01-01"}
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": 1,
              "entry": [{"resource": patient, "search": {"mode": "match"}}]}
    outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid",
                                                              "diagnostics": "bad"}]}
    return [b"\x00" + json.dumps(bundle, ensure_ascii=False).encode(),
            b"\x04" + json.dumps(outcome).encode()]


@functools.lru_cache(maxsize=1)
def all_targets() -> dict[str, Target]:
    nfc, ocr, kiosk = _nfc_errors(), _ocr_errors(), _kiosk_errors()
    targets = [
        Target("tlv", run_tlv, nfc, lambda: [_card_files()["DG13"], _card_files()["SOD"]]),
        Target("dg1", run_dg1, nfc, _seeds_for("DG1", "bsi2008/Datagroup1.bin")),
        Target("dg2", run_dg2, nfc, _dg2_seeds),
        Target("dg13", run_dg13, nfc, _seeds_for("DG13")),
        Target("dg14", run_dg14, nfc, _seeds_for("DG14", "bsi2008/Datagroup14.bin")),
        Target("dg15", run_dg15, nfc, _seeds_for("DG15", "bsi2008/Datagroup15.bin")),
        Target("sod", run_sod, nfc, _seeds_for("SOD", "loes2006/ef011D.bin")),
        Target("cardaccess", run_card_access, nfc, _seeds_for("CardAccess")),
        Target("mrz", run_mrz, nfc, lambda: [_card_files()["MRZ"]]),
        Target("ocr-mrz", run_ocr_mrz, ocr, _mrz_seeds),
        Target("qr", run_qr, ocr, _qr_seeds),
        Target("bhyt", run_bhyt, kiosk, _bhyt_seeds),
        Target("fhir", run_fhir, kiosk, _fhir_seeds),
    ]
    return {t.name: t for t in targets}


class UntypedError(AssertionError):
    """A parser raised something outside its package's error hierarchy."""


def check_input(target: Target, data: bytes) -> bool:
    """Run one input: True if parsed, False on a typed error; raises :class:`UntypedError` otherwise."""
    try:
        target.run(data)
    except target.typed:
        return False
    except Exception as exc:
        raise UntypedError(f"{target.name}: {type(exc).__name__}: {str(exc)[:200]}") from exc
    return True
