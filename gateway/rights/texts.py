"""The rights form's built-in texts, per built-in locale (``gateway/locales``); a key's config
may override any of them.

``{max}``, ``{minutes}``, ``{date}`` and ``{email}`` are filled in by the widget. The code
step's texts come from :mod:`gateway.rights.step_texts`. Tags are the locales' file
names (``en``, ``pt-BR``, ``zh-Hant``).
"""

from __future__ import annotations

from gateway import locales
from gateway.rights.step_texts import STEP_TEXTS

TEXTS: dict[str, dict[str, str]] = {
    # A language without its own code-step texts shows English ones (every text is always there).
    tag: {**locales.texts("rights", tag), **STEP_TEXTS["en"], **STEP_TEXTS.get(tag, {})}
    for tag in locales.available_locales()
}
