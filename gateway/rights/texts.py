"""The rights form's built-in texts, per built-in locale (``gateway/locales``); a key's config
may override any of them.

``{max}``, ``{minutes}``, ``{date}`` and ``{email}`` are filled in by the widget (the code step's
``verify.*`` texts among them). Tags are the locales' file names (``en``, ``pt-BR``,
``zh-Hant``).
"""

from __future__ import annotations

from gateway import locales

TEXTS: dict[str, dict[str, str]] = {
    tag: dict(locales.texts("rights", tag)) for tag in locales.available_locales()
}
