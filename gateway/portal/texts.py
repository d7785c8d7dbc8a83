"""The requester's texts outside the widget (the e-mails about their request), in the built-in
locales' ``requester`` section. ``{reference}``, ``{site}``, ``{minutes}`` and ``{days}`` are
filled in when a mail is sent."""

from __future__ import annotations

from collections.abc import Mapping

from gateway import locales


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
