"""Built-in texts of the consent banner, in every built-in locale (``gateway/locales``).

Kept apart from the schema in ``config.py`` because it is data, not logic. A key's config
overrides any of these per language; the keys of ``BUILTIN_TEXTS["en"]`` are the complete list of
texts a config may set. Tags are the locales' file names (``en``, ``pt-BR``, ``zh-Hant``).
"""

from __future__ import annotations

from gateway import locales

BUILTIN_TEXTS: dict[str, dict[str, str]] = {
    tag: dict(locales.texts("consent", tag)) for tag in locales.available_locales()
}

CATEGORY_TEXTS: dict[str, dict[str, dict[str, str]]] = {
    tag: {cid: dict(texts) for cid, texts in locales.category_texts(tag).items()}
    for tag in locales.available_locales()
}
