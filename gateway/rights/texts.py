"""The rights form's built-in texts, per built-in locale (``gateway/locales``); a key's config
may override any of them.

``{max}``, ``{minutes}`` and ``{date}`` are filled in by the widget. Tags are the locales' file
names (``en``, ``pt-BR``, ``zh-Hant``).
"""

from __future__ import annotations

from gateway import locales

TEXTS: dict[str, dict[str, str]] = {
    tag: dict(locales.texts("rights", tag)) for tag in locales.available_locales()
}
