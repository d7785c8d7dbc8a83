"""The cookies a service declares: the schema of ``services[].cookies`` and its resolution.

Each entry is a cookie (or storage key) name, ``*`` standing for any run of characters
(``_ga_*``), either alone or as an object with the texts the cookie declaration on a policy page
shows::

    "cookies": ["_gid", {"name": "_ga", "provider": "Google",
                         "purpose": {"en": "Tells visits apart", "fr": "Distingue les visites"},
                         "duration": "2 years"}]

``provider``, ``purpose`` and ``duration`` are each one text for every language or an object of
texts by language. The names are what the scanner matches and what withdrawing a consent deletes;
the texts are what ``<div data-wg-cookie-table>`` renders, in the visitor's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway import problems as rule
from gateway.problems import Problems

MAX_DECLARED = 30  # cookie names declared per service
MAX_COOKIE_TEXT = 300
COOKIE_TEXTS = ("provider", "purpose", "duration")
ANY_LANGUAGE = "*"
DECLARED_NAME = re.compile(r"[A-Za-z0-9_.:*-]{1,64}")
_LANG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})*")
_NAME_RULE = "letters, digits, _ . : - and * as a wildcard, at most 64"


@dataclass(frozen=True)
class DeclaredCookie:
    """One declared cookie: its name and its texts by language (``*``: every language)."""

    name: str
    provider: Mapping[str, str]
    purpose: Mapping[str, str]
    duration: Mapping[str, str]


def parse_cookies(value: Any, where: str, problems: Problems) -> tuple[DeclaredCookie, ...]:
    """A service's ``cookies`` list; every problem found is added with its dotted path."""
    if not isinstance(value, list):
        problems.add(where, rule.WRONG_TYPE, "a list of cookie names or cookie objects")
        return ()
    if len(value) > MAX_DECLARED:
        problems.add(where, rule.TOO_MANY, f"at most {MAX_DECLARED} cookies")
        return ()
    out: list[DeclaredCookie] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        at = f"{where}.{i}"
        if isinstance(item, str):
            item = {"name": item}
        elif not isinstance(item, dict):
            problems.add(at, rule.WRONG_TYPE, "a cookie name, or an object with a name")
            continue
        for extra in sorted(set(item) - {"name", *COOKIE_TEXTS}):
            problems.add(f"{at}.{str(extra)[:40]}", rule.UNKNOWN, "unknown field")
        name = item.get("name")
        if name is None:
            problems.add(f"{at}.name", rule.MISSING, "every cookie needs a name")
            continue
        if not isinstance(name, str) or not DECLARED_NAME.fullmatch(name):
            problems.add(f"{at}.name", rule.INVALID_FORMAT, _NAME_RULE)
            continue
        if name in seen:
            problems.add(f"{at}.name", rule.DUPLICATE, "declared twice for this service")
            continue
        seen.add(name)
        texts = [_texts(item.get(field), f"{at}.{field}", problems) for field in COOKIE_TEXTS]
        out.append(DeclaredCookie(name, *texts))
    return tuple(out)


def _texts(value: Any, where: str, problems: Problems) -> dict[str, str]:
    if value is None:
        return {}
    texts = {ANY_LANGUAGE: value} if isinstance(value, str) else value
    if not isinstance(texts, dict) or not texts:
        problems.add(where, rule.WRONG_TYPE, "a text, or an object of texts by language")
        return {}
    for lang, text in texts.items():
        if lang != ANY_LANGUAGE and not (isinstance(lang, str) and _LANG.fullmatch(lang)):
            problems.add(f"{where}.{str(lang)[:40]}", rule.INVALID_FORMAT, "a language tag")
        elif not isinstance(text, str) or not text.strip():
            problems.add(f"{where}.{lang}", rule.WRONG_TYPE, "a non-empty text")
        elif len(text) > MAX_COOKIE_TEXT:
            problems.add(f"{where}.{lang}", rule.TOO_LONG, f"at most {MAX_COOKIE_TEXT} characters")
    return {str(k): v for k, v in texts.items() if isinstance(v, str)}


def resolve_cookies(
    cookies: Sequence[DeclaredCookie], pick: Callable[[Mapping[str, str]], str]
) -> list[dict[str, str]]:
    """What the widget is sent for one language: ``name`` and each text the cookie has.

    ``pick`` chooses a text from a map by language (the config's fallback chain); a text given
    for every language (``*``) is used when the chain finds none.
    """
    out = []
    for cookie in cookies:
        entry = {"name": cookie.name}
        for field in COOKIE_TEXTS:
            texts: Mapping[str, str] = getattr(cookie, field)
            text = pick(texts) or texts.get(ANY_LANGUAGE, "")
            if text:
                entry[field] = text
        out.append(entry)
    return out
