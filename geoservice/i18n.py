"""UI translations: German is the source language; English strings live in one reviewable table.

Data texts (titles, descriptions, decisions) stay German. Every UI string goes through `_()`;
tests check that each one used in code and templates has an English entry.
"""

from __future__ import annotations

LANGUAGES = ("de", "en")

# msgid (German) -> English. Keep sorted by topic, not alphabetically, so related strings stay together.
EN: dict[str, str] = {}


def register(entries: dict[str, str]) -> None:
    """Add English translations (German msgid -> English) from a module's own table."""
    EN.update(entries)


def translate(message: str, lang: str, **values) -> str:
    """Return message in lang, with {placeholders} filled in."""
    text = EN.get(message, message) if lang == "en" else message
    return text.format(**values) if values else text


def negotiate(requested: str | None, cookie: str | None, accept_language, default: str) -> str:
    """Pick the UI language: ?lang=, then the cookie, then Accept-Language, then the default."""
    for candidate in (requested, cookie):
        if candidate in LANGUAGES:
            return candidate
    best = accept_language.best_match(LANGUAGES) if accept_language else None
    return best or default
