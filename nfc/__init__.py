"""Everything between a card reader and verified card data (ICAO 9303 eMRTD, Vietnamese CCCD).

`nfc` imports neither Qt nor `kiosk`; see docs/ARCHITECTURE.md.
"""
