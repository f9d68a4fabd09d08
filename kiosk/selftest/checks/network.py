"""``his`` and ``bhyt``: the hospital system and the BHYT gateway answer an HTTP GET of a cheap endpoint
(FHIR ``/metadata``; the gateway's base URL, where any HTTP answer proves reachability). The latency is
the measured value; each server's ``Date`` header is kept for the clock check."""

from __future__ import annotations

import time
from datetime import UTC
from email.utils import parsedate_to_datetime

import requests

from kiosk.selftest.checks.clock import HTTP_DATES
from kiosk.selftest.engine import Check, Hint, Outcome, SelftestContext, fail, ok, skip, warn

SLOW_MS = 2000.0

HIS_DOWN = Hint(
    "Không kết nối được hệ thống bệnh viện (HIS). Kiểm tra cáp mạng/Wi-Fi và địa chỉ his.base_url; "
    "hỏi IT xem máy chủ FHIR có đang chạy không.",
    "The hospital system (HIS) cannot be reached. Check the network cable/Wi-Fi and his.base_url; ask IT "
    "whether the FHIR server is running.",
)
HIS_ERROR = Hint(
    "Hệ thống bệnh viện trả lỗi máy chủ. Báo IT bệnh viện; kiosk vẫn in phiếu và gửi lại sau.",
    "The hospital system answers with a server error. Tell hospital IT; the kiosk still prints tickets and "
    "sends visits later.",
)
BHYT_DOWN = Hint(
    "Không kết nối được cổng giám định BHYT. Kiểm tra mạng và bhyt.url; bệnh nhân vẫn được tiếp nhận "
    "với trạng thái 'chưa kiểm tra thẻ'.",
    "The BHYT gateway cannot be reached. Check the network and bhyt.url; patients are still admitted as "
    "'card not verified'.",
)
BHYT_ERROR = Hint(
    "Cổng BHYT trả lỗi máy chủ (có thể đang bảo trì). Thử lại sau; báo IT nếu kéo dài.",
    "The BHYT gateway answers with a server error (maintenance?). Try later; tell IT if it persists.",
)
SLOW_HINT = Hint(
    "Máy chủ trả lời chậm. Kiểm tra chất lượng mạng của kiosk.",
    "The server answers slowly. Check the kiosk's network quality.",
)


def _probe(
    context: SelftestContext, label: str, url: str, timeout: float, down: Hint, error: Hint
) -> Outcome:
    started = time.perf_counter()
    try:
        with requests.get(
            url,
            timeout=(min(timeout, 3.0), timeout),
            stream=True,
            allow_redirects=False,
            headers={"Accept": "application/fhir+json, application/json"},
        ) as response:
            status = response.status_code
            date_header = response.headers.get("Date")
    except requests.exceptions.RequestException as exc:
        # the exception text can hold the URL; report the type only
        return fail(f"{label} unreachable ({type(exc).__name__})", down)
    ms = round((time.perf_counter() - started) * 1000, 1)
    if date_header:
        try:
            server_time = parsedate_to_datetime(date_header)
        except (TypeError, ValueError):
            server_time = None
        if server_time is not None:
            if server_time.tzinfo is None:
                server_time = server_time.replace(tzinfo=UTC)
            with_date = list(context.fact(HTTP_DATES, []))
            with_date.append((label, server_time))
            context.remember(HTTP_DATES, with_date)
    if status >= 500:
        return fail(f"{label} answers HTTP {status}", error, ms, "ms")
    if ms > SLOW_MS:
        return warn(f"{label} answered HTTP {status} slowly", SLOW_HINT, ms, "ms")
    return ok(f"{label} answered HTTP {status}", ms, "ms")


def check_his(context: SelftestContext) -> Outcome:
    his = context.config.his
    if his.kind == "none" or not his.base_url:
        return skip("no HIS configured (his.kind = none)")
    return _probe(context, "HIS", his.base_url.rstrip("/") + "/metadata", his.timeout_s, HIS_DOWN, HIS_ERROR)


def check_bhyt(context: SelftestContext) -> Outcome:
    bhyt = context.config.bhyt
    if not bhyt.url:
        return skip("no BHYT gateway configured")
    return _probe(context, "BHYT", bhyt.url.rstrip("/") + "/", bhyt.timeout_s, BHYT_DOWN, BHYT_ERROR)


CHECKS = (
    Check("his", "HIS reachable (latency)", check_his, timeout_s=20.0),
    Check("bhyt", "BHYT gateway reachable (latency)", check_bhyt, timeout_s=20.0),
)
