"""MRZ engine: locate → rectify → segment → classify → parse (check digits, field-type correction) → vote."""
