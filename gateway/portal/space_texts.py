"""Every text the requester reads in their space and its e-mails, in the request's language.

The texts live in the built-in locales' ``requester`` section (``gateway/locales/<tag>.json``):
``space.*`` for the page (it receives them from the API and holds none of its own), ``mail.*``
for the e-mails (the space's own code e-mail is ``mail.open.*``, its closing line
``mail.space.ignore``), beside the verification e-mail's. The request types' names are the
rights form's (``type.*``), so the requester reads the words they chose from. Placeholders:
``{reference}``, ``{site}``, ``{date}``, ``{days}``, ``{status}``, ``{reason}``, ``{size}``,
``{minutes}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from gateway import locales


def space_texts(tag: str) -> Mapping[str, str]:
    """The texts for a request in language ``tag``: the nearest built-in locale's (``de-CH`` →
    ``de``), English when none is near; ``space.lang`` names the locale."""
    return _catalogue(locales.negotiate([tag], "en"))


@cache
def _catalogue(lang: str) -> Mapping[str, str]:
    requester = locales.texts("requester", lang)
    rights = locales.texts("rights", lang)
    out = {"space.lang": lang, **requester}
    out |= {f"space.{name}": text for name, text in rights.items() if name.startswith("type.")}
    return MappingProxyType(out)
