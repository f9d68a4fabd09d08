"""The gate's parts on their own: origin normalisation, the pairing token file, consent memory, CORS."""

from __future__ import annotations

import stat
import threading
import time
from pathlib import Path

import pytest

from kiosk.localapi.errors import ConsentRefused, HostNotAllowed, OriginNotAllowed, TooManyAttempts, Unauthorized
from kiosk.localapi.security import TOKEN_FILE, AccessControl, OriginConfigError, PairingToken, normalize_origin


@pytest.mark.parametrize(("given", "expected"), [
    ("https://HIS.BenhVien.vn", "https://his.benhvien.vn"),
    ("https://his.benhvien.vn/", "https://his.benhvien.vn"),
    ("https://his.benhvien.vn:443", "https://his.benhvien.vn"),
    ("http://his.benhvien.vn:80", "http://his.benhvien.vn"),
    ("http://10.0.0.5:8080", "http://10.0.0.5:8080"),
    ("https://[::1]:8443", "https://[::1]:8443"),
])
def test_origins_are_normalised(given: str, expected: str) -> None:
    assert normalize_origin(given) == expected


@pytest.mark.parametrize("bad", ["his.benhvien.vn", "ftp://his", "https://his/app", "https://his?x=1",
                                 "https://user@his", "null", "", "https://his:99999", "file:///etc"])
def test_bad_origins_are_typed_errors(bad: str) -> None:
    with pytest.raises(OriginConfigError):
        normalize_origin(bad)


def test_the_token_is_created_once_private_and_reused(tmp_path: Path) -> None:
    token, created = PairingToken.load_or_create(tmp_path)
    assert created
    path = tmp_path / TOKEN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(token.reveal()) >= 43  # 256 bits, url-safe base64
    again, created_again = PairingToken.load_or_create(tmp_path)
    assert not created_again and again.reveal() == token.reveal()
    assert token.reveal() not in repr(token) and token.reveal() not in str(token)
    assert PairingToken.generate().reveal() != token.reveal()


def test_a_token_file_others_could_read_is_replaced(tmp_path: Path) -> None:
    token, _ = PairingToken.load_or_create(tmp_path)
    (tmp_path / TOKEN_FILE).chmod(0o644)
    fresh, created = PairingToken.load_or_create(tmp_path)
    assert created and fresh.reveal() != token.reveal()
    assert stat.S_IMODE((tmp_path / TOKEN_FILE).stat().st_mode) == 0o600


def test_rotation_invalidates_the_old_token(tmp_path: Path) -> None:
    old, _ = PairingToken.load_or_create(tmp_path)
    new = PairingToken.rotate(tmp_path)
    assert PairingToken.load_or_create(tmp_path)[0].reveal() == new.reveal() != old.reveal()
    assert not new.matches(old.reveal())


def make(consent: object = None, **kwargs: object) -> AccessControl:
    return AccessControl(allowed_origins=["https://his.example"], token=PairingToken("t" * 43),
                         consent=consent or (lambda origin: True), port=47800, **kwargs)  # type: ignore[arg-type]


def test_host_allow_list_names_only_this_port() -> None:
    access = make()
    access.check_host("127.0.0.1:47800")
    access.check_host("LOCALHOST:47800")
    for host in ("127.0.0.1:47801", "evil.example:47800", "127.0.0.1", None, "127.0.0.1:47800.evil.example"):
        with pytest.raises(HostNotAllowed):
            access.check_host(host)


def test_origin_and_cors_only_for_the_allow_list() -> None:
    access = make()
    assert access.check_origin("https://HIS.example:443") == "https://his.example"
    assert access.cors_headers("https://his.example") == {"Access-Control-Allow-Origin": "https://his.example",
                                                          "Vary": "Origin"}
    for origin in ("https://evil.example", "null", "", None, "not a url", "http://his.example"):
        assert access.cors_headers(origin) == {}
        with pytest.raises(OriginNotAllowed):
            access.check_origin(origin)
        with pytest.raises(OriginNotAllowed):
            access.preflight(origin, "GET", "true")


def test_token_checks() -> None:
    access = make(failure_limit=100)
    access.check_token("Bearer " + "t" * 43)
    access.check_token("bearer   " + "t" * 43)
    access.check_token(None, "t" * 43)
    for header in ("Bearer " + "t" * 42, "Bearer", "Basic " + "t" * 43, "t" * 43, ""):
        with pytest.raises(Unauthorized):
            access.check_token(header)


def test_failed_tokens_lock_out_for_the_window() -> None:
    access = make(failure_limit=2, failure_window_s=0.3)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            access.check_token("Bearer wrong")
    with pytest.raises(TooManyAttempts):
        access.check_token("Bearer " + "t" * 43)
    time.sleep(0.35)
    access.check_token("Bearer " + "t" * 43)


def test_concurrent_requests_from_one_origin_prompt_staff_once() -> None:
    asked: list[str] = []
    release = threading.Event()

    def slow_yes(origin: str) -> bool:
        asked.append(origin)
        release.wait(5)
        return True

    access = make(slow_yes)
    threads = [threading.Thread(target=access.check_consent, args=("https://his.example",)) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    release.set()
    for thread in threads:
        thread.join(5)
    assert asked == ["https://his.example"]
    assert access.granted_origins() == {"https://his.example"}


def test_refusal_is_not_remembered_and_revoke_forgets_grants() -> None:
    answers = iter([False, True])
    access = make(lambda origin: next(answers))
    with pytest.raises(ConsentRefused):
        access.check_consent("https://his.example")
    access.check_consent("https://his.example")
    access.revoke("https://HIS.example")
    assert access.granted_origins() == frozenset()


def test_preflight_grants_private_network_only_when_asked() -> None:
    access = make()
    asked = access.preflight("https://his.example", "GET", "true")
    assert asked["Access-Control-Allow-Private-Network"] == "true"
    assert "Access-Control-Allow-Private-Network" not in access.preflight("https://his.example", "GET", None)
    assert "Access-Control-Allow-Methods" not in access.preflight("https://his.example", "DELETE", None)
