"""Data-only package: TOML hardware profiles (readers, printers, cameras, kiosk models).

Loaded and validated by ``kiosk.profiles``; fields are documented in ``README.md`` beside this file.
"""
