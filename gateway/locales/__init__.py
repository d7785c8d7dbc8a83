"""The widgets' built-in texts per locale, their writing direction, and language negotiation.

Owns the data files ``<tag>.json`` beside this module, one per locale: the consent banner's texts
(``consent``), its default categories' texts (``categories``), the rights form's texts
(``rights``, its code step included), what the requester reads outside the widget
(``requester``: the e-mails about their request) and the locale's ``direction`` (``ltr`` or
``rtl``). The files are package data, read once through ``importlib.resources`` (so an installed
gateway finds them) and kept for the life of the process. May import nothing from the rest of
the gateway (not even the shared core); the widgets' rooms, ``consent`` and ``rights``, and the
requester's ``portal`` import it.

:func:`negotiate` is BCP 47 lookup (RFC 4647 §3.4) over the built-in locales, with the aliases
browsers and old systems still send (``zh-TW``, ``iw``, ``no``, …); :func:`browser_languages`
reads its candidates from an ``Accept-Language`` header.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Literal

Section = Literal["consent", "rights", "requester"]

# Tags that name a built-in locale in another way: deprecated codes, macrolanguages, and
# regions whose script is implied. Keys are lower case; values are file names.
ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "zh": "zh-Hans",
        "zh-cn": "zh-Hans",
        "zh-sg": "zh-Hans",
        "zh-tw": "zh-Hant",
        "zh-hk": "zh-Hant",
        "zh-mo": "zh-Hant",
        "no": "nb",
        "nn": "nb",
        "pt-pt": "pt",
        "pt-br": "pt-BR",
        "iw": "he",
        "in": "id",
        "sh": "sr",
    }
)

# Languages written right to left, for tags no data file covers (a site owner's own language).
_RTL_LANGUAGES = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ps", "sd", "ug", "ur", "yi"}
)
_RTL_SCRIPTS = frozenset({"arab", "hebr", "syrc", "thaa", "nkoo", "adlm", "rohg"})


@dataclass(frozen=True)
class Locale:
    """One data file, as read."""

    tag: str
    direction: str
    consent: Mapping[str, str]
    categories: Mapping[str, Mapping[str, str]]
    rights: Mapping[str, str]
    requester: Mapping[str, str]


@cache
def _catalogue() -> Mapping[str, Locale]:
    found: dict[str, Locale] = {}
    for entry in resources.files(__name__).iterdir():
        if not entry.name.endswith(".json"):
            continue
        tag = entry.name.removesuffix(".json")
        data = json.loads(entry.read_text(encoding="utf-8"))
        found[tag] = Locale(
            tag=tag,
            direction=data["direction"],
            consent=MappingProxyType(dict(data["consent"])),
            categories=MappingProxyType(
                {cid: MappingProxyType(dict(t)) for cid, t in data["categories"].items()}
            ),
            rights=MappingProxyType(dict(data["rights"])),
            requester=MappingProxyType(dict(data["requester"])),
        )
    # English first (the reference every other file is checked against), then by tag.
    return MappingProxyType(dict(sorted(found.items(), key=lambda kv: (kv[0] != "en", kv[0]))))


def available_locales() -> tuple[str, ...]:
    """The built-in locales' tags (``en`` first), as their files are named (``pt-BR``)."""
    return tuple(_catalogue())


def texts(section: Section, tag: str) -> Mapping[str, str]:
    """One section's built-in texts in a built-in locale; raises ``KeyError`` for another tag."""
    locale = _catalogue()[tag]
    if section == "consent":
        return locale.consent
    return locale.rights if section == "rights" else locale.requester


def category_texts(tag: str) -> Mapping[str, Mapping[str, str]]:
    """The consent banner's default categories' titles and descriptions, by category id."""
    return _catalogue()[tag].categories


def direction(tag: str) -> str:
    """``rtl`` or ``ltr``: the built-in locale's own, else guessed from its language or script."""
    known = _catalogue()
    found = _match(tag, known)
    if found is not None:
        return known[found].direction
    subtags = tag.lower().replace("_", "-").split("-")
    rtl = subtags[0] in _RTL_LANGUAGES or any(s in _RTL_SCRIPTS for s in subtags[1:])
    return "rtl" if rtl else "ltr"


def negotiate(
    candidates: Sequence[str], default: str, *, among: Collection[str] | None = None
) -> str:
    """The locale to use for a visitor who wants ``candidates``, best first.

    Each candidate in turn is looked up (RFC 4647 lookup): the tag itself, compared without
    regard to case, then its known alias, then with its last subtag dropped, and so on down to the
    primary language; the first candidate that finds a locale wins. ``default`` when none does.
    ``among`` replaces the built-in locales as what can be chosen (a config that adds its own).
    """
    have = _catalogue() if among is None else among
    for candidate in candidates:
        found = _match(candidate, have)
        if found is not None:
            return found
    return default


def browser_languages(accept_language: str | None) -> list[str]:
    """The tags of an ``Accept-Language`` header in the order sent, without those refused with
    ``q=0``: the candidates :func:`negotiate` takes for a browser."""
    candidates = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        if "q=0" in params.replace(" ", "") and not params.strip().startswith("q=0."):
            continue  # q=0 means "not this one"
        if tag.strip():
            candidates.append(tag.strip())
    return candidates


def _match(tag: str, have: Collection[str]) -> str | None:
    by_lower = {t.lower(): t for t in have}
    subtags = tag.strip().lower().replace("_", "-").split("-")
    while subtags and subtags[0]:
        prefix = "-".join(subtags)
        if prefix in by_lower:
            return by_lower[prefix]
        alias = ALIASES.get(prefix, "").lower()
        if alias in by_lower:
            return by_lower[alias]
        subtags.pop()
        if subtags and len(subtags[-1]) == 1:
            subtags.pop()  # never end on a singleton such as the "x" of a private use part
    return None
