"""Consent to the face check. Biometric processing is sensitive data under Law 91/2025/QH15 and
Decree 356/2025: per purpose, explicit, not pre-ticked, provable, and a refusal must not cost care.

The record holds the decision only (no image, no embedding, no identity); the flow files it with the
visit. A refusal is not an error: the check-in goes on and staff confirm the identity by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

#: bump when the wording changes, so every record says which text the patient saw
CONSENT_TEXT_VERSION = "face-consent-2026-11-v1"

CONSENT_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Xác nhận khuôn mặt (không bắt buộc)",
        "body": (
            "Máy có thể so khuôn mặt của bạn với ảnh trong chip căn cước để xác nhận bạn là chủ thẻ. "
            "Đây là dữ liệu sinh trắc học (dữ liệu cá nhân nhạy cảm). Ảnh chỉ được xử lý ngay trên máy, "
            "không lưu lại, không gửi đi và được xoá khi kết thúc lượt. "
            "Nếu bạn không đồng ý, bạn vẫn được đăng ký khám bình thường; nhân viên sẽ xác nhận giấy tờ."
        ),
        "accept": "Tôi đồng ý",
        "decline": "Không, cảm ơn",
    },
    "en": {
        "title": "Face confirmation (optional)",
        "body": (
            "The kiosk can compare your face with the photo in your ID card's chip to confirm you are "
            "the card holder. This is biometric data (sensitive personal data). The images are processed "
            "on this device only, never stored or sent, and erased when your session ends. "
            "If you decline, you are checked in as usual; a staff member will confirm your ID."
        ),
        "accept": "I agree",
        "decline": "No, thanks",
    },
}


def consent_text(language: str = "vi") -> dict[str, str]:
    return CONSENT_TEXT.get(language, CONSENT_TEXT["vi"])


@dataclass(frozen=True)
class ConsentRecord:
    """The patient's decision; safe to store and log (it contains no personal data)."""

    granted: bool
    language: str
    text_version: str
    at: datetime  # UTC

    def as_dict(self) -> dict[str, object]:
        return {
            "purpose": "face-match",
            "granted": self.granted,
            "language": self.language,
            "text_version": self.text_version,
            "at": self.at.isoformat(),
        }


def record_consent(
    granted: bool, *, language: str = "vi", now: Callable[[], datetime] | None = None
) -> ConsentRecord:
    """Record an explicit choice. Call only from a button the patient pressed: silence or a timeout
    is a refusal, never consent."""
    if language not in CONSENT_TEXT:
        language = "vi"
    at = now() if now is not None else datetime.now(UTC)
    return ConsentRecord(bool(granted), language, CONSENT_TEXT_VERSION, at)
