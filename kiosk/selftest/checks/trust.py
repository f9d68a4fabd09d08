"""``trust-store``: CSCA trust anchors present, no CRL past its next update, no CSCA expired or expiring."""

from __future__ import annotations

from pathlib import Path

from kiosk.selftest.engine import Check, Hint, Outcome, SelftestContext, fail, ok, warn
from nfc.errors import NfcError
from nfc.verify.trust import TrustStore

EXPIRING_DAYS = 90

EMPTY_HINT = Hint(
    "Kho tin cậy trống: nhập danh sách CSCA (master list) và CRL của Bộ Công an bằng `cccd-kiosk trust import`.",
    "The trust store is empty: import the CSCA master list and CRLs with `cccd-kiosk trust import`.",
)
CRL_HINT = Hint(
    "CRL đã quá hạn cập nhật (next update đã qua): tải CRL mới và nhập bằng `cccd-kiosk trust import`.",
    "A CRL is past its next update: download the current CRL and import it with `cccd-kiosk trust import`.",
)
EXPIRING_HINT = Hint(
    "Có chứng chỉ CSCA đã/sắp hết hạn: nhập master list mới nhất (`cccd-kiosk trust import`).",
    "A CSCA certificate has expired or expires soon: import the latest master list (`cccd-kiosk trust import`).",
)
BROKEN_HINT = Hint(
    "Kho tin cậy bị hỏng. Xóa thư mục trust rồi nhập lại master list và CRL.",
    "The trust store is damaged. Remove the trust directory and import the master list and CRLs again.",
)


def trust_directory(context: SelftestContext) -> Path:
    return context.options.trust_dir or Path(context.config.data_dir) / "trust"


def check_trust(context: SelftestContext) -> Outcome:
    directory = trust_directory(context)
    try:
        report = TrustStore(directory).freshness(expiring_within_days=EXPIRING_DAYS)
    except NfcError as exc:
        return fail(f"trust store unreadable ({exc.reason})", BROKEN_HINT)
    if report.cscas == 0:
        return fail(f"no CSCA in {directory}", EMPTY_HINT, 0, "CSCAs")
    if report.overdue_crls:
        oldest = min(when for _, when in report.overdue_crls)
        return fail(f"{len(report.overdue_crls)} CRL(s) overdue since {oldest:%Y-%m-%d}", CRL_HINT,
                    report.cscas, "CSCAs")
    if report.expired_cscas or report.expiring_cscas:
        return warn(f"{len(report.expired_cscas)} CSCA(s) expired, {len(report.expiring_cscas)} expiring within "
                    f"{EXPIRING_DAYS} days", EXPIRING_HINT, report.cscas, "CSCAs")
    return ok(f"{report.cscas} CSCA(s), {report.crls} CRL(s), all current", report.cscas, "CSCAs")


CHECKS = (Check("trust-store", "Trust store freshness", check_trust, timeout_s=15.0),)
