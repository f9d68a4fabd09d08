"""``config``: the layered configuration loads and validates, and the kiosk model's profiles resolve."""

from __future__ import annotations

from kiosk.errors import KioskError
from kiosk.selftest.engine import Check, Hint, Outcome, SelftestContext, fail, ok

CONFIG_HINT = Hint(
    "Cấu hình không hợp lệ: sửa khóa được nêu trong tệp cấu hình, rồi chạy `cccd-kiosk config check`.",
    "The configuration is invalid: fix the named key in the named file, then run `cccd-kiosk config check`.",
)
PROFILE_HINT = Hint(
    "Mẫu kiosk (hardware_profile) không tồn tại hoặc hồ sơ phần cứng bị lỗi. Chọn một mẫu có trong "
    "hardware_profiles/kiosks/.",
    "The kiosk model (hardware_profile) is unknown or its hardware profiles are broken. Pick a model from "
    "hardware_profiles/kiosks/.",
)


def check_config(context: SelftestContext) -> Outcome:
    if not context.config_ok:
        error = context.config_error
        return fail(str(error) if error is not None else "configuration could not be loaded", CONFIG_HINT)
    try:
        profile = context.config.hardware()
    except KioskError as exc:
        return fail(str(exc), PROFILE_HINT)
    return ok(f"kiosk model {profile.id}", profile.id)


CHECKS = (Check("config", "Configuration valid", check_config, timeout_s=10.0),)
