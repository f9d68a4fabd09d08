"""Cryptographic building blocks for BAC, PACE and secure messaging (ICAO 9303-11).

Every hash, cipher and MAC goes through ``cryptography``; ``ec`` holds the little affine arithmetic
OpenSSL does not expose (PACE mapping, curves ``cryptography`` lacks).
"""
