"""Fuzz targets shared by the hypothesis tests (tests/fuzz), the atheris harnesses and ``scripts/fuzz``."""
