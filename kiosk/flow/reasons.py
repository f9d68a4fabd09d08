"""Every way a check-in can end, with what the patient reads (vi/en), whether staff are alerted, and
what the patient can do next. Never a dead end: each reason has a next step."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class NextStep(enum.Enum):
    RETRY = "retry"  # try the card again
    OTHER_KEY = "other-key"  # scan the QR / MRZ or type the number
    STAFF = "staff"  # go to the desk (staff are alerted)
    CONTINUE = "continue"  # informational: the check-in goes on


@dataclass(frozen=True)
class Reason:
    code: str
    vi: str
    en: str
    next_step: NextStep
    alert_staff: bool

    def text(self, language: str) -> str:
        return self.vi if language == "vi" else self.en


def _r(code: str, vi: str, en: str, next_step: NextStep, alert: bool) -> Reason:
    return Reason(code, vi, en, next_step, alert)


REASONS: dict[str, Reason] = {r.code: r for r in (
    _r("no-reader", "Đầu đọc thẻ chưa sẵn sàng. Vui lòng đến quầy tiếp đón, nhân viên sẽ hỗ trợ.",
       "The card reader is not ready. Please go to the reception desk; staff will help you.", NextStep.STAFF, True),
    _r("no-card", "Chưa thấy thẻ. Đặt thẻ căn cước nằm phẳng lên đầu đọc.",
       "No card found. Place your ID card flat on the reader.", NextStep.RETRY, False),
    _r("card-removed", "Thẻ đã bị nhấc ra khi đang đọc. Đặt lại thẻ và giữ yên đến khi xong.",
       "The card was lifted while reading. Place it again and hold it still until done.", NextStep.RETRY, False),
    _r("io-error", "Không đọc được thẻ. Đặt lại thẻ và giữ yên.",
       "The card could not be read. Place it again and hold it still.", NextStep.RETRY, False),
    _r("timeout", "Thẻ trả lời quá chậm. Đặt lại thẻ và giữ yên.",
       "The card answered too slowly. Place it again and hold it still.", NextStep.RETRY, False),
    _r("sm-error", "Kết nối với thẻ bị gián đoạn. Nhấc thẻ lên rồi đặt lại.",
       "The connection to the card was interrupted. Lift the card and place it again.", NextStep.RETRY, False),
    _r("wrong-key", "Số căn cước không khớp với thẻ. Quét mã QR trên thẻ hoặc nhập lại 6 số cuối.",
       "The ID number does not match the card. Scan the QR code on the card or type the last 6 digits again.",
       NextStep.OTHER_KEY, False),
    _r("bad-key-input", "Số vừa nhập chưa đúng. Nhập 6 số cuối của số căn cước (12 số).",
       "That number is not valid. Type the last 6 digits of your 12-digit ID number.", NextStep.OTHER_KEY, False),
    _r("key-needed", "Thẻ này cần quét 3 dòng chữ ở mặt sau. Đưa mặt sau thẻ vào camera.",
       "This card needs the 3 lines on its back. Hold the back of the card to the camera.", NextStep.OTHER_KEY, False),
    _r("unsupported-card", "Thẻ này không đọc được ở máy. Vui lòng đến quầy tiếp đón.",
       "This card cannot be read here. Please go to the reception desk.", NextStep.STAFF, True),
    _r("incomplete-read", "Chưa đọc đủ dữ liệu thẻ. Đặt lại thẻ và giữ yên.",
       "The card data is incomplete. Place the card again and hold it still.", NextStep.RETRY, False),
    _r("not-genuine", "Không xác thực được thẻ. Vui lòng đến quầy tiếp đón, nhân viên sẽ kiểm tra giúp.",
       "The card could not be verified. Please go to the reception desk; staff will check it.", NextStep.STAFF, True),
    _r("clone-suspected", "Không xác thực được chip của thẻ. Vui lòng đến quầy tiếp đón.",
       "The card's chip could not be verified. Please go to the reception desk.", NextStep.STAFF, True),
    _r("data-mismatch", "Thông tin trên thẻ không thống nhất. Vui lòng đến quầy tiếp đón.",
       "The card's data does not match itself. Please go to the reception desk.", NextStep.STAFF, True),
    _r("issuer-unknown", "Thẻ đã được đọc; nhân viên sẽ xác nhận thêm tại phòng khám.",
       "Card read; staff will confirm it at the clinic.", NextStep.CONTINUE, True),
    _r("card-expired", "Thẻ căn cước đã hết hạn. Nhân viên sẽ xác nhận thêm.",
       "Your ID card has expired. Staff will confirm your visit.", NextStep.CONTINUE, True),
    # the optional face check: never blame the patient, never a dead end (staff confirm the identity)
    _r("face-not-checked", "Chưa xác nhận khuôn mặt. Nhân viên sẽ xác nhận danh tính của bạn; bạn vẫn được khám.",
       "Your face was not checked. Staff will confirm who you are; you will still be seen.",
       NextStep.CONTINUE, True),
    _r("face-unsure", "Máy chưa xác nhận được khuôn mặt. Nhân viên sẽ xác nhận danh tính của bạn.",
       "The kiosk could not confirm your face. Staff will confirm who you are.", NextStep.CONTINUE, True),
    _r("face-no-match", "Máy chưa xác nhận được khuôn mặt. Nhân viên sẽ xác nhận danh tính của bạn.",
       "The kiosk could not confirm your face. Staff will confirm who you are.", NextStep.CONTINUE, True),
    _r("insurance-valid", "Thẻ bảo hiểm y tế còn hiệu lực.", "Health insurance is valid.", NextStep.CONTINUE, False),
    _r("insurance-new-card", "Bảo hiểm y tế còn hiệu lực (đã cấp thẻ mới).",
       "Health insurance is valid (a new card was issued).", NextStep.CONTINUE, False),
    _r("insurance-expired",
       "Thẻ bảo hiểm y tế đã hết hạn. Bạn vẫn được khám; vui lòng gặp nhân viên để được hướng dẫn.",
       "Your health insurance has expired. You can still be seen; please see staff about payment.",
       NextStep.CONTINUE, True),
    _r("insurance-wrong-name", "Họ tên không khớp với dữ liệu bảo hiểm. Nhân viên sẽ kiểm tra giúp.",
       "Your name does not match the insurance record. Staff will check it.", NextStep.CONTINUE, True),
    _r("insurance-wrong-dob", "Ngày sinh không khớp với dữ liệu bảo hiểm. Nhân viên sẽ kiểm tra giúp.",
       "Your date of birth does not match the insurance record. Staff will check it.", NextStep.CONTINUE, True),
    _r("insurance-not-found", "Không tìm thấy thẻ bảo hiểm y tế. Bạn vẫn được khám dịch vụ; gặp nhân viên nếu có thẻ.",
       "No health insurance found. You can be seen as a fee-paying patient; see staff if you have a card.",
       NextStep.CONTINUE, True),
    _r("insurance-revoked", "Thẻ bảo hiểm y tế không còn giá trị. Nhân viên sẽ hướng dẫn.",
       "Your health insurance card is no longer valid. Staff will advise you.", NextStep.CONTINUE, True),
    _r("insurance-problem", "Bảo hiểm y tế cần được kiểm tra thêm. Nhân viên sẽ hỗ trợ.",
       "Your health insurance needs checking. Staff will help you.", NextStep.CONTINUE, True),
    _r("insurance-offline", "Chưa kiểm tra được bảo hiểm (mất kết nối). Bạn vẫn được khám; nhân viên sẽ xác nhận.",
       "Insurance could not be checked (no connection). You will still be seen; staff will confirm.",
       NextStep.CONTINUE, True),
    _r("his-offline", "Đã cấp số thứ tự. Hệ thống bệnh viện đang chậm; nhân viên sẽ xác nhận lượt khám.",
       "Your number is issued. The hospital system is slow; staff will confirm your visit.", NextStep.CONTINUE, True),
    _r("his-rejected", "Hệ thống bệnh viện chưa nhận đăng ký. Vui lòng đến quầy tiếp đón với số thứ tự này.",
       "The hospital system did not accept the registration. Please take this number to the reception desk.",
       NextStep.STAFF, True),
    _r("printer-failed", "Máy in vé đang lỗi. Vui lòng ghi nhớ số thứ tự trên màn hình và báo nhân viên.",
       "The ticket printer has a problem. Please note the number on the screen and tell staff.", NextStep.STAFF, True),
    _r("store-failed", "Máy chưa lưu được lượt đăng ký. Vui lòng đến quầy tiếp đón.",
       "The kiosk could not save your registration. Please go to the reception desk.", NextStep.STAFF, True),
    _r("cancelled", "Đã hủy. Mời bạn bắt đầu lại.", "Cancelled. Please start again.", NextStep.RETRY, False),
    _r("idle-timeout", "Hết thời gian chờ. Mời bạn bắt đầu lại.", "Time is up. Please start again.", NextStep.RETRY,
       False),
    _r("internal-error", "Máy gặp sự cố. Vui lòng đến quầy tiếp đón.",
       "The kiosk has a problem. Please go to the reception desk.", NextStep.STAFF, True),
)}

#: nfc / kiosk error reason codes → flow reason codes
ERROR_REASONS = {
    "no-reader": "no-reader", "no-service": "no-reader", "no-card": "no-card", "card-removed": "card-removed",
    "io-error": "io-error", "timeout": "timeout", "sm-error": "sm-error", "wrong-key": "wrong-key",
    "bad-key-input": "bad-key-input", "access-failed": "key-needed", "unsupported-card": "unsupported-card",
    "bad-data": "incomplete-read", "card-status": "io-error", "file-absent": "incomplete-read",
    "access-denied": "wrong-key", "verification-failed": "not-genuine",
}

INSURANCE_REASONS = {
    "valid": "insurance-valid", "new-card-issued": "insurance-new-card", "expired": "insurance-expired",
    "wrong-name": "insurance-wrong-name", "wrong-dob": "insurance-wrong-dob", "not-found": "insurance-not-found",
    "revoked": "insurance-revoked",
}


def reason(code: str) -> Reason:
    return REASONS.get(code, REASONS["internal-error"])


def reason_for_error(error: BaseException) -> Reason:
    code = getattr(error, "reason", "")
    return reason(ERROR_REASONS.get(code, code if code in REASONS else "internal-error"))
