"""Every user-visible string of the UI, from JSON catalogs (``vi.json``, ``en.json``); Vietnamese is the
default. Texts owned by other layers (flow reasons, camera guidance, self-test hints) come with their own
vi/en pair and are picked with :attr:`Translator.language`."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

LANGUAGES = ("vi", "en")
_DIR = Path(__file__).parent


@cache
def catalog(language: str) -> dict[str, str]:
    if language not in LANGUAGES:
        raise ValueError(f"unknown UI language {language!r}")
    data: dict[str, str] = json.loads((_DIR / f"{language}.json").read_text(encoding="utf-8"))
    return data


class Translator:
    """Current language + look-ups. Listeners are told when the language changes."""

    def __init__(self, language: str = "vi") -> None:
        catalog(language)
        self._language = language
        self._listeners: list[Callable[[str], None]] = []

    @property
    def language(self) -> str:
        return self._language

    def set_language(self, language: str) -> None:
        catalog(language)
        if language != self._language:
            self._language = language
            for listener in list(self._listeners):
                listener(language)

    def toggle(self) -> None:
        self.set_language("en" if self._language == "vi" else "vi")

    def on_change(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def __call__(self, key: str, **values: object) -> str:
        """The text for ``key``; a missing key shows itself (the catalog test catches it first)."""
        text = catalog(self._language).get(key, key)
        return text.format(**values) if values else text

    def pick(self, vi: str, en: str) -> str:
        """Choose between a vi/en pair owned by another layer."""
        return vi if self._language == "vi" else en
