"""Proving a card genuine: Passive, Chip and Active Authentication, trust store, verdict."""
