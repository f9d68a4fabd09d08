"""The demo environment: the virtual CCCD (through pcscd + vpcd when available, otherwise in-process, and
it says which), the local BHYT gateway emulator, the local FHIR server, an embedded store in a data folder,
and the check-in flow wired exactly as on a kiosk. Used by ``cccd-kiosk demo``, the UI tests and the
end-to-end tests."""

from __future__ import annotations

import dataclasses
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig, PrinterConfig
from kiosk.flow.machine import FlowView, KioskFlow
from kiosk.services import Wiring, wire
from nfc.transport.base import CardConnection
from nfc.virtual.builder import DEFAULT_CITIZEN, Citizen, VirtualCccd, build_card
from nfc.virtual.faults import FaultPlan

VIRTUAL_READER = "Virtual PCD 00 00"


def citizen_qr_payload(citizen: Citizen) -> str:
    """The text of the citizen's card QR (cccd-chip §9 layout)."""
    return "|".join([
        citizen.id_number, citizen.old_id_number or "", citizen.full_name,
        citizen.date_of_birth.strftime("%d%m%Y"), "Nam" if citizen.sex == "M" else "Nữ",
        citizen.place_of_residence, citizen.issue_date.strftime("%d%m%Y"),
    ])


def bhyt_person_for(citizen: Citizen, code: str = "000") -> Any:
    from datetime import date

    from kiosk.insurance.emulator import TestPerson

    return TestPerson(
        citizen.id_number, citizen.full_name, citizen.date_of_birth.strftime("%d/%m/%Y"),
        "Nam" if citizen.sex == "M" else "Nữ", citizen.place_of_residence, "GD4010100012345",
        "01/01/2024", f"31/12/{date.today().year + 1}", code=code,
    )


class DemoEnvironment:
    """Context manager. ``transport``: "auto" (pcscd when it can run here), "pcscd" or "memory"."""

    def __init__(
        self,
        *,
        data_dir: Path | None = None,
        transport: str = "auto",
        citizen: Citizen = DEFAULT_CITIZEN,
        cloned: bool = False,
        faults: FaultPlan | None = None,
        trust_test_csca: bool = True,
        department: str | None = "KKB",
        language: str = "vi",
        face_check: bool = False,
        face: Any = None,
        face_jpeg: bytes | None = None,
    ) -> None:
        """``face_check`` turns on the optional face step (``face``: a prebuilt ``FaceCheck`` to share;
        ``face_jpeg``: the chip portrait of the virtual card, default a synthetic drawing without a real
        face)."""
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="cccd-kiosk-demo-")
            data_dir = Path(self._tmp.name)
        self.data_dir = data_dir
        self.transport_wanted = transport
        self.citizen = citizen
        self.cloned = cloned
        self.faults = faults
        self.trust_test_csca = trust_test_csca
        self.department = department
        self.language = language
        self.face_check = face_check
        self.face = face
        self.face_jpeg = face_jpeg
        self.transport = "memory"
        self.transport_note = ""
        self.views: list[FlowView] = []
        self.view_changed = threading.Condition()
        self.card: VirtualCccd | None = None
        self.virtual: Any = None  # the VirtualCard object (apdu log, faults)
        self.bhyt: Any = None
        self.fhir: Any = None
        self.wiring: Wiring | None = None
        self.flow: KioskFlow | None = None
        self._stack: Any = None
        self._bridge: Any = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> DemoEnvironment:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        from kiosk.his.fhir_server import FhirServer
        from kiosk.insurance.emulator import BhytEmulator

        self.card = build_card(self.citizen, cloned=self.cloned, face_jpeg=self.face_jpeg)
        self.virtual = self.card.card(faults=self.faults) if self.faults else self.card.card()
        self._start_transport()
        self.bhyt = BhytEmulator([bhyt_person_for(self.citizen)]).start()
        self.fhir = FhirServer().start()
        trust_dir = self.data_dir / "trust"
        if self.trust_test_csca:
            self._trust_test_csca(trust_dir)
        config = self.config()
        self.wiring = wire(config, self._open_connection, bhyt_url=self.bhyt.url,
                           bhyt_credentials=self.bhyt.credentials(), his_url=self.fhir.url + "/fhir"
                           if not self.fhir.url.endswith("/fhir") else self.fhir.url,
                           trust_dir=trust_dir, auto_department=self.department, face_check=self.face_check,
                           face=self.face)
        self.flow = KioskFlow(self.wiring.services, self.wiring.policy, self._on_view, language=self.language)

    def config(self) -> KioskConfig:
        return dataclasses.replace(
            KioskConfig(), data_dir=self.data_dir, site_name="Bệnh viện Thử nghiệm",
            printer=PrinterConfig(kind="file", path=str(self.data_dir / "ticket.escpos")),
        )

    def close(self) -> None:
        if self.flow is not None:
            self.flow.close()
        if self.wiring is not None:
            self.wiring.close()
        for server in (self.bhyt, self.fhir):
            if server is not None:
                server.stop()
        if self._bridge is not None:
            self._bridge.remove()
        if self._stack is not None:
            self._stack.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    # -- transport ---------------------------------------------------------------------------------
    def _start_transport(self) -> None:
        from nfc.virtual.stack import PcscdStack, stack_available

        if self.transport_wanted in ("auto", "pcscd"):
            ok, why = stack_available()
            if ok:
                from nfc.virtual.vpcd import VpcdBridge

                self._stack = PcscdStack()
                self._stack.start()
                self._bridge = VpcdBridge(self.virtual)  # type: ignore[arg-type]
                self._bridge.insert()
                self.transport = "pcscd"
                self.transport_note = f"virtual CCCD in '{VIRTUAL_READER}' through pcscd + vpcd"
                return
            if self.transport_wanted == "pcscd":
                from nfc.errors import ReaderServiceError

                raise ReaderServiceError(f"pcscd + vpcd cannot run here: {why}")
            self.transport_note = f"pcscd is not available ({why}); the virtual CCCD runs in-process"
        else:
            self.transport_note = "the virtual CCCD runs in-process (no PC/SC)"
        self.transport = "memory"

    def _open_connection(self) -> CardConnection:
        if self.transport == "pcscd":
            from nfc.errors import NoCardError
            from nfc.transport.pcsc import PcscConnection, wait_for_card

            # a card that was just put back can flicker present/absent for one presence poll (~0.4 s)
            for attempt in range(3):
                try:
                    return PcscConnection(wait_for_card(VIRTUAL_READER, timeout=5.0))
                except NoCardError:
                    if attempt == 2:
                        raise
                    time.sleep(0.4)
        from nfc.transport.memory import MemoryConnection

        assert self.virtual is not None
        return MemoryConnection(self.virtual)

    def _trust_test_csca(self, trust_dir: Path) -> None:
        from nfc.verify.trust import TrustStore
        from nfc.virtual.test_pki import generate_pki

        pki = generate_pki("ec-p256")
        trust_dir.mkdir(parents=True, exist_ok=True)
        path = trust_dir.parent / "test-csca.der"
        path.write_bytes(pki.csca)
        TrustStore(trust_dir).import_files([path])

    # -- driving the flow --------------------------------------------------------------------------
    def _on_view(self, view: FlowView) -> None:
        with self.view_changed:
            self.views.append(view)
            self.view_changed.notify_all()

    def tap(self, key: Any, qr_text: str | None = None) -> FlowView:
        """Put the card on the reader with ``key`` (as scanned) and run until the flow settles."""
        assert self.flow is not None
        self.flow.key_provided(key, qr_text=qr_text)
        self.flow.card_inserted()
        return self.flow.wait_until_settled(timeout=60)

    def wait_for(self, predicate: Callable[[FlowView], bool], timeout: float = 30.0) -> FlowView:
        with self.view_changed:
            ok = self.view_changed.wait_for(lambda: bool(self.views) and predicate(self.views[-1]), timeout)
        if not ok:
            raise TimeoutError("the flow did not reach the expected state")
        return self.views[-1]
