"""``disk``: free space where the kiosk keeps its data (check-in store, outbox, trust store, logs)."""

from __future__ import annotations

import shutil
from pathlib import Path

from kiosk.selftest.engine import Check, Hint, Outcome, SelftestContext, fail, ok, warn

FAIL_BELOW_MB = 200
WARN_BELOW_MB = 1024

DISK_HINT = Hint(
    "Ổ đĩa gần đầy. Xóa nhật ký cũ hoặc tệp tạm trong thư mục dữ liệu, hoặc kiểm tra thời hạn lưu trữ "
    "(retention.days).",
    "The disk is nearly full. Remove old logs or temporary files in the data directory, or check the "
    "retention period (retention.days).",
)
MISSING_HINT = Hint(
    "Thư mục dữ liệu chưa tồn tại. Tạo nó (quyền ghi cho tài khoản kiosk) hoặc sửa data_dir trong cấu hình.",
    "The data directory does not exist. Create it (writable by the kiosk account) or fix data_dir in the "
    "configuration.",
)


def _existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def check_disk(context: SelftestContext) -> Outcome:
    data_dir = Path(context.config.data_dir)
    usage = shutil.disk_usage(_existing(data_dir))
    free_mb = usage.free // (1024 * 1024)
    detail = f"{free_mb} MB free of {usage.total // (1024 * 1024)} MB"
    if free_mb < FAIL_BELOW_MB:
        return fail(detail, DISK_HINT, free_mb, "MB")
    if free_mb < WARN_BELOW_MB:
        return warn(detail, DISK_HINT, free_mb, "MB")
    if not data_dir.exists():
        return warn(f"{detail}; data directory missing", MISSING_HINT, free_mb, "MB")
    return ok(detail, free_mb, "MB")


CHECKS = (Check("disk", "Disk space in the data directory", check_disk, timeout_s=5.0),)
