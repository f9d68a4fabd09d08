"""Subprocess for the check-in crash test (run as a script, not collected; the test SIGKILLs it at random).

Usage: checkin_crash_worker.py DATA_DIR FHIR_URL COUNT UTC_OFFSET_HOURS

Checks in the synthetic patients 0..COUNT-1 in order with the real ``CheckInService`` and FHIR adapter,
draining the outbox now and then. A patient committed by an earlier (killed) run is found again by
``check_in`` itself (same person, same department, same day → the same visit), so a restart simply
walks the list again. Output lines (no personal data — visit ids and queue numbers only):

    C <index> <visit_id> <department> <queue_number> <delivered 0|1> <repeated 0|1>   after each check-in
    DONE                                                                             when all are in
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))

from kiosk.config import Department  # noqa: E402
from kiosk.flow.checkin import CheckInService  # noqa: E402
from kiosk.flow.identity import PatientIdentity  # noqa: E402
from kiosk.his.fhir_adapter import FhirHisAdapter, FhirSettings  # noqa: E402
from kiosk.his.models import Department as HisDepartment  # noqa: E402
from kiosk.privacy import id_hash_key  # noqa: E402
from kiosk.store import Store  # noqa: E402

DEPARTMENTS = (
    Department("KKB", "Khoa Khám bệnh", "Phòng 1"),
    Department("NOI", "Khoa Nội", "Phòng 2"),
    Department("NHI", "Khoa Nhi", "Phòng 3"),
)
_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi")
_MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Ngọc")
_GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khoa", "Lan", "Nam", "Thảo", "Vy")


def synthetic_identity(index: int) -> PatientIdentity:
    """Invented patient ``index``: a distinct 12-digit number (province 001, 1990s births)."""
    return PatientIdentity(
        id_number=f"0012{90 + index % 10:02d}{index:06d}",
        full_name=f"{_FAMILY[index % 8]} {_MIDDLE[index % 5]} {_GIVEN[index % 11]}",
        date_of_birth=f"{1990 + index % 10}-{1 + index % 12:02d}-{1 + index % 28:02d}",
        sex="female" if index % 2 else "male",
        address=f"Số {index} Phố Thử Nghiệm, Hà Nội",
        card_expiry=None,
    )


def department_of(index: int) -> str:
    return DEPARTMENTS[index % len(DEPARTMENTS)].code


def open_service(data_dir: Path, fhir_url: str, utc_offset_hours: int, **store_options: object
                 ) -> tuple[Store, FhirHisAdapter, CheckInService]:
    store = Store.open(data_dir, utc_offset_hours=utc_offset_hours, **store_options)  # type: ignore[arg-type]
    his = FhirHisAdapter(FhirSettings(
        base_url=fhir_url, departments=tuple(HisDepartment(d.code, d.name) for d in DEPARTMENTS),
        timeout=(1.0, 3.0)))
    return store, his, CheckInService(store, his, id_hash_key(data_dir), DEPARTMENTS)


def main(data_dir: Path, fhir_url: str, count: int, utc_offset_hours: int) -> None:
    store, his, service = open_service(data_dir, fhir_url, utc_offset_hours)
    for index in range(count):
        outcome = service.check_in(synthetic_identity(index), department_of(index), verdict="authentic")
        visit = outcome.checkin
        print(f"C {index} {visit.visit_id} {visit.department} {visit.queue_number} "
              f"{int(outcome.delivered)} {int(outcome.repeated)}", flush=True)
        if index % 7 == 6:
            service.drain()  # the backlog too, so kills also land inside drain batches
    print("DONE", flush=True)
    his.close()
    store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
