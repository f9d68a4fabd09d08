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


def test_package_exports_load_lazily() -> None:
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, kiosk.face as f; f.consent_text('vi'); f.record_consent(True);"
        "print('dlib' in sys.modules, 'cv2' in sys.modules);"
        "[getattr(f, n) for n in f.__all__]; print(sorted(f.__all__) == sorted(f._EXPORTS))"
    )
    repo = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["False", "False", "True"], out.stderr
