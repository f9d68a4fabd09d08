from __future__ import annotations

import io
import json
import logging
import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.logs import PiiFilter, configure_logging, pii_scope, scrub
from kiosk.privacy import (
    FieldCipher,
    PrivacyError,
    id_hash,
    load_or_create_key,
    mask_date,
    mask_id,
    mask_name,
    wipe,
)

# synthetic test person
ID_NUMBER = "001090012345"
NAME = "NGUYỄN VĂN AN"
DOB = "1990-01-02"
DOB_DMY = "02/01/1990"
ADDRESS = "12 Phố Huế, Hai Bà Trưng, Hà Nội"


@pytest.fixture
def captured() -> Iterator[tuple[io.StringIO, logging.Logger]]:
    stream = io.StringIO()
    handler = configure_logging("DEBUG", stream)
    logger = logging.getLogger("kiosk.test.pii")
    yield stream, logger
    logging.getLogger().removeHandler(handler)


def test_extra_pii_fields_never_reach_output(captured: tuple[io.StringIO, logging.Logger]) -> None:
    stream, logger = captured
    logger.info(
        "checked in",
        extra={"id_number": ID_NUMBER, "full_name": NAME, "dob": DOB, "address": ADDRESS, "queue_number": 42},
    )
    out = stream.getvalue()
    for value in (ID_NUMBER, NAME, DOB, ADDRESS):
        assert value not in out
    entry = json.loads(out)
    assert entry["queue_number"] == 42
    assert entry["pii_refused"] == ["address", "dob", "full_name", "id_number"]


def test_message_args_and_tracebacks_are_scrubbed(captured: tuple[io.StringIO, logging.Logger]) -> None:
    stream, logger = captured
    with pii_scope(NAME, DOB, ADDRESS):
        logger.warning("lookup for %s born %s id %s", NAME, DOB_DMY, ID_NUMBER)
        logger.info("ascii spelling NGUYEN VAN AN, iso %s, lives at %s", DOB, ADDRESS)
        try:
            raise ValueError(f"HIS said no patient {NAME} {ID_NUMBER}")
        except ValueError:
            logger.exception("HIS failed")
        logger.info("%s", "IDVNM0901234567001090012345<<<<<<<<<<<<<<<<")
    out = stream.getvalue()
    for value in (ID_NUMBER, NAME, "NGUYEN VAN AN", DOB, DOB_DMY, ADDRESS, "IDVNM09012"):
        assert value not in out, value
    assert out.count("[redacted]") >= 8
    assert "ValueError" in out  # the traceback shape survives for debugging


def test_scope_ends() -> None:
    with pii_scope("TRẦN THỊ BÌNH"):
        assert "TRẦN THỊ BÌNH" not in scrub("x TRẦN THỊ BÌNH y")
    assert scrub("x TRẦN THỊ BÌNH y") == "x TRẦN THỊ BÌNH y"


def test_long_identifiers_are_scrubbed() -> None:
    assert scrub("bhyt DN4010123456789 ok") == "bhyt DN[redacted] ok"
    for value in ("0912 345 678", "079-201-000-001", "123456789", "0012345678901234"):
        assert scrub(f"x {value} y") == "x [redacted] y", value


def test_ordinary_numbers_survive() -> None:
    assert scrub("queue 42 took 1532 ms, sw 6982, 2026-11-30") == "queue 42 took 1532 ms, sw 6982, 2026-11-30"


def test_bad_format_string_does_not_leak() -> None:
    record = logging.LogRecord("x", logging.INFO, "f", 1, "%d items %s", (ID_NUMBER,), None)
    PiiFilter().filter(record)
    assert ID_NUMBER not in record.getMessage()


# --- privacy helpers -------------------------------------------------------------------------------
def test_id_hash_is_keyed_hmac_sha256() -> None:
    import hashlib
    import hmac as std_hmac

    key = bytes(range(32))
    # independent reference computed with the standard library (test oracle only)
    expected = std_hmac.new(key, b"cccd-kiosk/id/v1\x00" + ID_NUMBER.encode(), hashlib.sha256).hexdigest()
    assert id_hash(ID_NUMBER, key) == expected
    assert id_hash("001 090-012345", key) == expected  # typing separators do not matter
    assert id_hash(ID_NUMBER, bytes(32)) != expected  # depends on the key
    assert hashlib.sha256(ID_NUMBER.encode()).hexdigest() != expected  # not a plain hash
    with pytest.raises(PrivacyError):
        id_hash(ID_NUMBER, b"short")
    with pytest.raises(PrivacyError):
        id_hash("  ", key)


def test_key_file_created_private_once(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "data", "id-hash.key")
    path = tmp_path / "data" / "id-hash.key"
    assert len(key) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_key(tmp_path / "data", "id-hash.key") == key
    path.chmod(0o644)
    with pytest.raises(PrivacyError) as info:
        load_or_create_key(tmp_path / "data", "id-hash.key")
    assert "chmod 600" in info.value.hint


def _make_key(path: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put(load_or_create_key(Path(path), "race.key"))


def test_key_creation_race_yields_one_key(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_make_key, args=(str(tmp_path), queue)) for _ in range(4)]
    for p in procs:
        p.start()
    keys = {queue.get(timeout=20) for _ in procs}
    for p in procs:
        p.join(10)
    assert len(keys) == 1


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("NGUYỄN VĂN AN", "NGUYỄN V** A*"),
        ("Trần Thị Bích Ngọc", "Trần T** B*** N***"),
        ("LÊ", "L*"),
        ("  ", ""),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_mask_name_counts_decomposed_letters_once() -> None:
    import unicodedata

    assert mask_name(unicodedata.normalize("NFD", "NGUYỄN VĂN AN")) == "NGUYỄN V** A*"


def test_mask_id_and_date() -> None:
    assert mask_id(ID_NUMBER) == "********2345"
    assert mask_id("12") == "**"  # never reveals more than a third
    assert mask_id("123456") == "****56"
    assert mask_date(DOB) == "1990-**-**"


def test_field_cipher_round_trip_and_binding() -> None:
    cipher = FieldCipher(bytes(32))
    blob = cipher.encrypt_json({"name": NAME}, b"visit-1")
    assert NAME.encode() not in blob
    assert cipher.decrypt_json(blob, b"visit-1") == {"name": NAME}
    with pytest.raises(PrivacyError):
        cipher.decrypt_json(blob, b"visit-2")
    with pytest.raises(PrivacyError):
        FieldCipher(bytes([1]) * 32).decrypt(blob, b"visit-1")
    with pytest.raises(PrivacyError):
        cipher.decrypt(b"\x01short")
    with pytest.raises(PrivacyError):
        cipher.encrypt_json({"when": object()})
    assert "key" in repr(cipher) and "\\x00" not in repr(cipher)


def test_wipe() -> None:
    buf = bytearray(ID_NUMBER.encode())
    wipe(buf)
    assert buf == bytearray(len(ID_NUMBER))
    view = memoryview(bytearray(b"abc"))
    wipe(view)
    assert bytes(view) == b"\x00\x00\x00"
