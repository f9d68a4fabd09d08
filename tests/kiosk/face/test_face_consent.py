from __future__ import annotations

from datetime import UTC, datetime

from kiosk.face.consent import CONSENT_TEXT, CONSENT_TEXT_VERSION, consent_text, record_consent

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_consent_texts_in_vietnamese_and_english() -> None:
    for language in ("vi", "en"):
        text = consent_text(language)
        assert set(text) == {"title", "body", "accept", "decline"}
    assert "sinh trắc học" in CONSENT_TEXT["vi"]["body"]  # tells the patient the data is sensitive
    assert "biometric" in CONSENT_TEXT["en"]["body"]
    assert consent_text("xx") == CONSENT_TEXT["vi"]


def test_record_holds_the_decision_only() -> None:
    record = record_consent(False, language="en", now=lambda: NOW)
    assert record.as_dict() == {
        "purpose": "face-match",
        "granted": False,
        "language": "en",
        "text_version": CONSENT_TEXT_VERSION,
        "at": "2026-11-30T08:00:00+00:00",
    }
    assert record_consent(True, language="zz", now=lambda: NOW).language == "vi"
