"""The gateway's ``maKetQua`` table (card check, ``KQNhanLichSuKCB2024``) mapped to kiosk outcomes.

Source: ``tracnn/qlbv_public:config/__tech.php`` (``insurance_error_code``) as summarised in
``shared/notes/bhyt-and-his.md`` §1.4. Each code maps to exactly one :class:`InsuranceOutcome`; several
codes may share an outcome (101 and 500 are both "server error"). The suggested kiosk action is data too,
so the flow and the staff screen read it from here instead of re-deciding per code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType


class InsuranceAction(enum.Enum):
    """What the kiosk should do with an outcome (notes §1.4 "Suggested kiosk action", §4 kiosk rules)."""

    PROCEED = "proceed"
    PROCEED_NEW_CARD = "proceed-new-card"  # use maTheMoi / gtTheDenMoi / maDKBDMoi
    STAFF = "staff"  # ticket + staff review (spelling, expired, revoked, ...)
    CONFIG_ERROR = "config-error"  # kiosk set-up fault: alert IT; patient still admitted unverified
    RETRY_LATER = "retry-later"  # admit unverified, re-check from the outbox
    BUG = "bug"  # our request was malformed: log it, admit unverified
    RELOGIN = "relogin"  # handled inside the client; never returned to callers


class InsuranceOutcome(enum.Enum):
    VALID = "valid"
    DEFENCE_MINISTRY_CARD = "defence-ministry-card"
    PUBLIC_SECURITY_CARD = "public-security-card"
    NEW_CARD_OLD_EXPIRED = "new-card-old-expired"
    NEW_CARD_OLD_VALID = "new-card-old-valid"
    EXPIRED = "expired"
    NOT_FOUND = "not-found"
    WRONG_CARD_CODE = "wrong-card-code"
    WRONG_PROVINCE_CODE = "wrong-province-code"
    WRONG_BENEFIT_CODE = "wrong-benefit-code"
    OFFICER_NOT_REGISTERED = "officer-not-registered"
    OFFICER_NAME_MISMATCH = "officer-name-mismatch"
    WRONG_NAME = "wrong-name"
    WRONG_NAME_FIRST_LETTER_OK = "wrong-name-first-letter-ok"
    WRONG_DOB = "wrong-dob"
    CARD_DATA_ERROR = "card-data-error"
    SERVER_ERROR = "server-error"
    REVOKED = "revoked"
    REDUCED = "reduced"
    MOVED_OUT_OF_PROVINCE = "moved-out-of-province"
    MOVED_WITHIN_PROVINCE = "moved-within-province"
    READDED_SAME_UNIT = "readded-same-unit"
    STOPPED_PARTICIPATING = "stopped-participating"
    CHILD_WITHOUT_CARD = "child-without-card"
    BAD_PARAMETER_FORMAT = "bad-parameter-format"
    AUTH_ERROR = "auth-error"
    UNKNOWN = "unknown"  # a code not in the table: treated like a staff case, logged by code

    @property
    def info(self) -> CodeInfo:
        return _BY_OUTCOME[self]

    @property
    def action(self) -> InsuranceAction:
        return self.info.action

    @property
    def covered(self) -> bool:
        """True when the patient may be admitted with insurance right away."""
        return self.action in (InsuranceAction.PROCEED, InsuranceAction.PROCEED_NEW_CARD)

    @property
    def retry_later(self) -> bool:
        return self.action is InsuranceAction.RETRY_LATER


@dataclass(frozen=True)
class CodeInfo:
    code: str
    outcome: InsuranceOutcome
    action: InsuranceAction
    meaning_vi: str
    meaning_en: str


def _row(code: str, outcome: InsuranceOutcome, action: InsuranceAction, vi: str, en: str) -> CodeInfo:
    return CodeInfo(code, outcome, action, vi, en)


_O = InsuranceOutcome
_A = InsuranceAction
_ROWS: tuple[CodeInfo, ...] = (
    _row("000", _O.VALID, _A.PROCEED, "Thông tin thẻ chính xác", "Card information correct"),
    _row("001", _O.DEFENCE_MINISTRY_CARD, _A.STAFF, "Thẻ do BHXH Bộ Quốc Phòng quản lý",
         "Card managed by BHXH of the Ministry of Defence (check card + ID papers)"),
    _row("002", _O.PUBLIC_SECURITY_CARD, _A.STAFF, "Thẻ do BHXH Bộ Công An quản lý",
         "Card managed by BHXH of the Ministry of Public Security (check card + ID papers)"),
    _row("003", _O.NEW_CARD_OLD_EXPIRED, _A.PROCEED_NEW_CARD, "Thẻ cũ hết giá trị sử dụng, được cấp thẻ mới",
         "Old card expired; a new card was issued"),
    _row("004", _O.NEW_CARD_OLD_VALID, _A.PROCEED_NEW_CARD, "Thẻ cũ còn giá trị sử dụng, được cấp thẻ mới",
         "Old card still valid; a new card was issued"),
    _row("010", _O.EXPIRED, _A.STAFF, "Thẻ hết giá trị sử dụng", "Card expired"),
    _row("050", _O.NOT_FOUND, _A.STAFF, "Không thấy thông tin thẻ BHYT", "No card information"),
    _row("051", _O.WRONG_CARD_CODE, _A.STAFF, "Mã thẻ không đúng", "Wrong card code"),
    _row("052", _O.WRONG_PROVINCE_CODE, _A.STAFF, "Mã tỉnh cấp thẻ (ký tự 4, 5) không đúng",
         "Wrong province code (characters 4-5)"),
    _row("053", _O.WRONG_BENEFIT_CODE, _A.STAFF, "Mã quyền lợi thẻ (ký tự 3) không đúng",
         "Wrong benefit code (character 3)"),
    _row("054", _O.OFFICER_NOT_REGISTERED, _A.CONFIG_ERROR, "CCCD cán bộ không có trong danh sách đăng ký",
         "Officer's ID number not on the facility's registered user list"),
    _row("055", _O.OFFICER_NAME_MISMATCH, _A.CONFIG_ERROR, "Họ tên cán bộ không khớp số CCCD",
         "Officer's name does not match their ID number"),
    _row("060", _O.WRONG_NAME, _A.STAFF, "Thẻ sai họ tên", "Wrong name"),
    _row("061", _O.WRONG_NAME_FIRST_LETTER_OK, _A.STAFF, "Thẻ sai họ tên (đúng ký tự đầu)",
         "Wrong name (first character correct)"),
    _row("070", _O.WRONG_DOB, _A.STAFF, "Thẻ sai ngày sinh", "Wrong date of birth"),
    _row("100", _O.CARD_DATA_ERROR, _A.RETRY_LATER, "Lỗi khi lấy dữ liệu số thẻ", "Error reading card data"),
    _row("101", _O.SERVER_ERROR, _A.RETRY_LATER, "Lỗi server", "Server error"),
    _row("110", _O.REVOKED, _A.STAFF, "Thẻ đã thu hồi", "Card withdrawn"),
    _row("120", _O.REDUCED, _A.STAFF, "Thẻ đã báo giảm", "Card reported reduced"),
    _row("121", _O.MOVED_OUT_OF_PROVINCE, _A.STAFF, "Thẻ đã báo giảm, chuyển ngoại tỉnh",
         "Card reported reduced: moved out of province"),
    _row("122", _O.MOVED_WITHIN_PROVINCE, _A.STAFF, "Thẻ đã báo giảm, chuyển nội tỉnh",
         "Card reported reduced: moved within province"),
    _row("123", _O.READDED_SAME_UNIT, _A.STAFF, "Thẻ đã báo giảm do tăng lại cùng đơn vị",
         "Card reported reduced: re-added at the same unit"),
    _row("124", _O.STOPPED_PARTICIPATING, _A.STAFF, "Thẻ đã báo giảm, ngừng tham gia",
         "Card reported reduced: stopped participating"),
    _row("130", _O.CHILD_WITHOUT_CARD, _A.STAFF, "Trẻ em không xuất trình thẻ", "Child without card"),
    _row("205", _O.BAD_PARAMETER_FORMAT, _A.BUG, "Lỗi sai định dạng tham số", "Wrong parameter format"),
    _row("401", _O.AUTH_ERROR, _A.RELOGIN, "Lỗi xác thực tài khoản", "Authentication error (token expired)"),
    _row("500", _O.SERVER_ERROR, _A.RETRY_LATER, "Lỗi không xác định", "Server error"),
)

#: maKetQua → row (read-only)
CODE_TABLE: MappingProxyType[str, CodeInfo] = MappingProxyType({row.code: row for row in _ROWS})

_UNKNOWN = CodeInfo("", _O.UNKNOWN, _A.STAFF, "Mã kết quả không xác định", "Unknown result code")
_BY_OUTCOME: dict[InsuranceOutcome, CodeInfo] = {_O.UNKNOWN: _UNKNOWN}
for _info in _ROWS:
    _BY_OUTCOME.setdefault(_info.outcome, _info)  # first code wins (101 before 500 for SERVER_ERROR)


def normalize_code(raw: object) -> str:
    """Gateways send ``"000"``, ``"0"`` or ``0``: normalise to the three-digit form of the table."""
    text = str(raw).strip()
    if text.isdigit() and len(text) <= 3:
        return text.zfill(3)
    return text


def outcome_for_code(raw: object) -> CodeInfo:
    """Row for a ``maKetQua`` value; unknown codes give an ``UNKNOWN`` row carrying the code."""
    code = normalize_code(raw)
    info = CODE_TABLE.get(code)
    if info is not None:
        return info
    return CodeInfo(code[:8], _O.UNKNOWN, _A.STAFF, _UNKNOWN.meaning_vi, _UNKNOWN.meaning_en)
