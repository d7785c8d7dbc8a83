"""The requester's texts outside the widget, in the built-in locales' ``requester`` section: the
e-mails about their request (``mail.*``), and the two pages their links open, the requester's
link page (``link.*``) and the data subject's permission page (``permission.*``).
``{reference}``, ``{site}``, ``{minutes}``, ``{days}``, ``{agent}`` and ``{agent_email}`` are
filled in when a mail is sent; a page fills in its own (``{date}`` in its language)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from gateway import locales

Page = Literal["link", "permission"]


def mail_language(tag: str) -> str:
    """The built-in locale whose texts serve a request in ``tag`` (``de-CH`` → ``de``, ``zh-TW``
    → ``zh-Hant``); English when none matches."""
    return locales.negotiate([tag], "en")


def mail_texts(language: str) -> Mapping[str, str]:
    """The e-mail texts of a built-in locale (``mail_language``'s answer), without the prefix."""
    return {
        name.removeprefix("mail."): text
        for name, text in locales.texts("requester", language).items()
        if name.startswith("mail.")
    }


def page_texts(page: Page, language: str | None, accept_language: str | None) -> dict[str, Any]:
    """``{lang, dir, texts}`` for a page's own texts (their keys as stored, ``link.title``): in
    ``language``, the request's, when the page's link named one; else in the browser's first
    built-in locale; else English. A request in a language no locale serves reads English, as
    its e-mails do."""
    if language is not None:
        lang = mail_language(language)
    else:
        lang = locales.negotiate(locales.browser_languages(accept_language), "en")
    prefix = f"{page}."
    texts = {k: v for k, v in locales.texts("requester", lang).items() if k.startswith(prefix)}
    return {"lang": lang, "dir": locales.direction(lang), "texts": texts}
