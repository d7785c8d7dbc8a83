"""Every text the requester reads in their space and its e-mails, in the request's language.

The texts live in the built-in locales' ``requester`` section (``gateway/locales/<tag>.json``):
``space.*`` for the page (it receives them from the API and holds none of its own), ``mail.*``
for the e-mails, beside the code e-mail's. The request types' names are the rights form's
(``type.*``), so the requester reads the words they chose from. Placeholders: ``{reference}``,
``{site}``, ``{date}``, ``{days}``, ``{status}``, ``{reason}``, ``{size}``, ``{minutes}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from gateway import locales

# The space's e-mail texts whose names the code e-mail's already use, as the locale files name
# them: the space's own code (to open it) and its closing line.
_STORED_AS = {
    "mail.code.subject": "mail.open.subject",
    "mail.code.intro": "mail.open.intro",
    "mail.code.expires": "mail.open.expires",
    "mail.ignore": "mail.space.ignore",
}
_SPACE_MAILS = (
    "mail.greeting",
    "mail.reference",
    "mail.space",
    "mail.confirmed.subject",
    "mail.confirmed.intro",
    "mail.message.subject",
    "mail.message.intro",
    "mail.status.subject",
    "mail.status.intro",
    "mail.closed.subject",
    "mail.closed.intro",
)


def space_texts(tag: str) -> Mapping[str, str]:
    """The texts for a request in language ``tag``: the nearest built-in locale's (``de-CH`` →
    ``de``), English when none is near; ``space.lang`` names the locale."""
    return _catalogue(locales.negotiate([tag], "en"))


@cache
def _catalogue(lang: str) -> Mapping[str, str]:
    requester = locales.texts("requester", lang)
    rights = locales.texts("rights", lang)
    out = {"space.lang": lang}
    out |= {name: text for name, text in requester.items() if name.startswith("space.")}
    out |= {f"space.{name}": text for name, text in rights.items() if name.startswith("type.")}
    out |= {name: requester[name] for name in _SPACE_MAILS}
    out |= {name: requester[stored] for name, stored in _STORED_AS.items()}
    return MappingProxyType(out)
