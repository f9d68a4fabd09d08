from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk.privacy import FieldCipher, id_hash
from kiosk.store import Store, StoreError
from kiosk.store.db import SCHEMA_VERSION, connect
from kiosk.store.errors import SchemaTooNewError, UnknownVisitError

ID_NUMBER = "001090012345"  # synthetic test person
NAME = "NGUYỄN VĂN AN"
KEY = b"k" * 32


def test_check_in_is_durable_and_reopens(tmp_path: Path) -> None:
    h = id_hash(ID_NUMBER, KEY)
    with Store.open(tmp_path) as store:
        c = store.check_in(
            id_hash=h,
            department="KKB",
            verdict="issuer-unknown",
            flags=["needs_staff_confirmation"],
            personal={"name": NAME},
        )
        assert c.queue_number == 1
        assert c.needs_staff_confirmation
    with Store.open(tmp_path) as store:
        again = store.get(c.visit_id)
        assert again == c
        assert store.personal(c.visit_id) == {"name": NAME}
        assert store.integrity_check() == []
        assert store.schema_version() == SCHEMA_VERSION


def test_pragmas_are_durable(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert (tmp_path / "x.sqlite3").stat().st_mode & 0o077 == 0


def test_no_personal_data_in_clear_on_disk(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.check_in(
            id_hash=id_hash(ID_NUMBER, KEY),
            department="KKB",
            verdict="authentic",
            personal={"name": NAME, "dob": "1990-01-02"},
            operations=[("his.checkin", {"identifier": ID_NUMBER, "name": NAME})],
        )
        store.integrity_check()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("kiosk.sqlite3*"))
    for secret in (ID_NUMBER, NAME, "1990-01-02"):
        assert secret.encode() not in raw
    assert b"NGUY" not in raw


def test_repr_hides_id_hash(tmp_path: Path) -> None:
    h = id_hash(ID_NUMBER, KEY)
    with Store.open(tmp_path) as store:
        c = store.check_in(id_hash=h, department="KKB", verdict="authentic")
    assert h not in repr(c)


def test_rejects_clear_id_number(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store, pytest.raises(StoreError) as info:
        store.check_in(id_hash=ID_NUMBER, department="KKB", verdict="authentic")
    assert ID_NUMBER not in str(info.value)


def test_update_and_find_today(tmp_path: Path) -> None:
    h = id_hash(ID_NUMBER, KEY)
    with Store.open(tmp_path) as store:
        c = store.check_in(id_hash=h, department="KKB", verdict="authentic", flags=["offline"])
        store.check_in(id_hash=id_hash("079201000001", KEY), department="KKB", verdict="authentic")
        u = store.update(c.visit_id, status="confirmed", remove_flags=["offline"], add_flags=["x"])
        assert u.status == "confirmed" and u.flags == {"x"}
        assert store.get(c.visit_id) == u
        assert [v.visit_id for v in store.find_today(h)] == [c.visit_id]
        assert store.find_today(h, "NOI") == []
        with pytest.raises(UnknownVisitError):
            store.get("nope")


def test_personal_blob_bound_to_visit(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        a = store.check_in(id_hash="a" * 64, department="KKB", verdict="authentic", personal={"n": 1})
        b = store.check_in(id_hash="b" * 64, department="KKB", verdict="authentic", personal={"n": 2})
    conn = sqlite3.connect(tmp_path / "kiosk.sqlite3")
    blob = conn.execute("SELECT personal FROM checkins WHERE visit_id = ?", (a.visit_id,)).fetchone()[0]
    conn.execute("UPDATE checkins SET personal = ? WHERE visit_id = ?", (blob, b.visit_id))
    conn.commit()
    conn.close()
    with Store.open(tmp_path) as store, pytest.raises(Exception, match="authentication"):
        store.personal(b.visit_id)  # swapped ciphertext is refused, not silently mis-attributed


def test_schema_too_new_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.sqlite3"
    Store(path, cipher=FieldCipher(KEY)).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNewError):
        Store(path, cipher=FieldCipher(KEY))


def test_garbage_file_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError):
        Store(path, cipher=FieldCipher(KEY))
