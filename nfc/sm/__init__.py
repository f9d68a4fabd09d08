"""Secure messaging (ICAO 9303-11 §9.8): 3DES retail-MAC and AES-CMAC suites."""
