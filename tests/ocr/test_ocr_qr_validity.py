"""CCCD QR payloads (generated codes in photo-like frames) and expected expiry dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import cv2
import numpy as np
import pytest
import qrcode

from ocr.errors import QrPayloadError
from ocr.keys import keys_from_qr
from ocr.qr import decode_qr, parse_cccd_qr
from ocr.validity import LIFETIME, expiry_candidates

PAYLOAD = "001090000001|123456789|NGUYỄN VĂN A|01011990|Nam|Số 1 Phố X, Phường Y, Quận Z, Hà Nội|15042021"


def qr_frame(text: str | bytes, angle: float = 12.0, seed: int = 0) -> Any:
    q = qrcode.QRCode(border=4, box_size=5, error_correction=qrcode.constants.ERROR_CORRECT_M)
    q.add_data(text.encode("utf-8") if isinstance(text, str) else text)
    q.make()
    code: Any = np.array(q.make_image().convert("L"), np.uint8)
    frame: Any = np.full((960, 1280), 170, np.uint8)
    y, x = 250, 400
    frame[y : y + code.shape[0], x : x + code.shape[1]] = code
    rot = cv2.getRotationMatrix2D((640, 480), angle, 1.0)
    frame = cv2.warpAffine(frame, rot, (1280, 960), borderValue=170)
    rng = np.random.default_rng(seed)
    frame = cv2.GaussianBlur(frame, (0, 0), 0.8).astype(np.float32) + rng.normal(0, 4, frame.shape)
    ok, buf = cv2.imencode(".jpg", np.clip(frame, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def test_decode_photo_keeps_diacritics() -> None:
    qr = decode_qr(qr_frame(PAYLOAD))
    assert qr is not None
    assert qr.name == "NGUYỄN VĂN A"
    assert qr.address == "Số 1 Phố X, Phường Y, Quận Z, Hà Nội"
    assert qr.can == "000001" and qr.document_number == "090000001"
    assert qr.birth_date == dt.date(1990, 1, 1) and qr.issue_date == dt.date(2021, 4, 15)
    assert "NGUY" not in repr(qr)


def test_2024_payload_with_extra_empty_fields_and_no_old_id() -> None:
    qr = parse_cccd_qr("079203000123||TRẦN THỊ B|02032003|Nữ|Phường 1, TP Hồ Chí Minh|04102024||||")
    assert qr.old_id == "" and qr.sex == "Nữ" and qr.extra == ("", "", "", "")
    keys = keys_from_qr(qr)
    assert keys.can == "000123" and keys.birth_date == "030302"
    # born 2003, issued after 1/7/2024 at 21 → next milestone 25 → 02/03/2028
    assert keys.expiry_dates[0] == "280302"


@pytest.mark.parametrize("payload,reason", [
    ("hello world", "bad-qr-format"),
    ("00109000000|123456789|A|01011990|Nam|X|15042021", "bad-qr-id"),
    ("001090000001|12345|A|01011990|Nam|X|15042021", "bad-qr-id"),
    ("001090000001|123456789|A|31021990|Nam|X|15042021", "bad-qr-date"),
    ("001090000001|123456789|A|01011990|Nam|X|2021-04-15", "bad-qr-date"),
    ("001090000001|123456789||01011990|Nam|X|15042021", "bad-qr-format"),
    (b"\xff\xfe|garbage", "bad-qr-encoding"),
])
def test_malformed_payloads_raise_typed_errors(payload: str | bytes, reason: str) -> None:
    with pytest.raises(QrPayloadError) as info:
        parse_cccd_qr(payload)
    assert info.value.reason == reason
    assert "001090000001" not in str(info.value)


def test_foreign_qr_in_a_frame_is_rejected_clearly() -> None:
    with pytest.raises(QrPayloadError):
        decode_qr(qr_frame("https://example.org/not-a-card", angle=-8))


def test_no_qr_is_none() -> None:
    assert decode_qr(np.full((480, 640, 3), 128, np.uint8)) is None


def test_expiry_rules() -> None:
    # public sample: born 05/01/1993, issued 2021 → expires 05/01/2033 (age 40)
    assert expiry_candidates(dt.date(1993, 1, 5), dt.date(2021, 6, 1))[0] == "330105"
    # issued within 2 years before the 25th birthday → valid until 40
    assert expiry_candidates(dt.date(2000, 5, 10), dt.date(2024, 1, 1))[0] == "400510"
    # issued at 58 or later → lifetime
    assert expiry_candidates(dt.date(1960, 3, 3), dt.date(2019, 1, 1))[0] == LIFETIME
    # new law: a child card changes at 14
    assert expiry_candidates(dt.date(2015, 8, 20), dt.date(2024, 9, 1))[0] == "290820"
    # the 2-year boundary day is ambiguous: both readings offered
    cands = expiry_candidates(dt.date(1990, 6, 15), dt.date(2013, 6, 15))
    assert set(cands[:2]) == {"150615", "300615"}
