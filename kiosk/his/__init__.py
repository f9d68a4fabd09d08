"""The hospital information system behind a port: interface, FHIR R4 adapter, local FHIR server."""

from kiosk.his.fhir_adapter import FhirHisAdapter, FhirSettings
from kiosk.his.models import AppointmentRef, Department, EncounterRef, HisIdentity, PatientRef
from kiosk.his.port import HisPort

__all__ = [
    "AppointmentRef",
    "Department",
    "EncounterRef",
    "FhirHisAdapter",
    "FhirSettings",
    "HisIdentity",
    "HisPort",
    "PatientRef",
]
