"""What a service of a consent config declares: the cookies it sets and the hosts it talks to.

Each of a service's ``cookies`` is a cookie (or storage key) name, ``*`` standing for any run of
characters (``_ga_*``), alone or as an object that also says who sets it, why, for how long, and
where it lives::

    "cookies": ["_gid", {"name": "_ga", "provider": "Google",
                         "purpose": {"en": "Tells visits apart", "fr": "Distingue les visites"},
                         "duration": "2 years", "domain": "shop.example", "path": "/"}]

``provider``, ``purpose`` and ``duration`` are each one text for every language or an object of
texts by language. The names are what the cookie scanner matches and what the widget deletes when
the service's consent is refused or withdrawn (on ``domain`` and ``path`` when declared, else on
the page's host and its parent domains, on ``/``); the texts are what a cookie declaration shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway import problems as rule
from gateway.problems import Problems

MAX_DECLARED = 30  # cookie names or hosts declared per service
MAX_COOKIE_TEXT = 300
COOKIE_TEXTS = ("provider", "purpose", "duration")
COOKIE_FIELDS = frozenset({"name", *COOKIE_TEXTS, "domain", "path"})
ANY_LANGUAGE = "*"
DECLARED_NAME = re.compile(r"[A-Za-z0-9_.:*-]{1,64}")
HOST = re.compile(r"[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*")
_LANG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})*")
_PATH = re.compile(r"/[A-Za-z0-9._~/-]{0,200}")


@dataclass(frozen=True)
class DeclaredCookie:
    """One declared cookie: its name, its texts by language (``*``: every language), and where
    it lives when not on the page's host or its parents at ``/``."""

    name: str
    provider: Mapping[str, str]
    purpose: Mapping[str, str]
    duration: Mapping[str, str]
    domain: str | None = None
    path: str | None = None


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
        entry = {"name": item} if isinstance(item, str) else item
        if not isinstance(entry, dict):
            problems.add(at, rule.WRONG_TYPE, "a cookie name, or an object with a name")
            continue
        for extra in sorted(set(entry) - COOKIE_FIELDS):
            problems.add(f"{at}.{str(extra)[:40]}", rule.UNKNOWN, "unknown field")
        name = entry.get("name")
        if name is None:
            problems.add(f"{at}.name", rule.MISSING, "every cookie needs a name")
            continue
        if not isinstance(name, str) or not DECLARED_NAME.fullmatch(name):
            problems.add(
                f"{at}.name",
                rule.INVALID_FORMAT,
                "a cookie name (letters, digits, _ . : - and * as a wildcard)",
            )
            continue
        if name in seen:
            problems.add(f"{at}.name", rule.DUPLICATE, "declared twice for this service")
            continue
        seen.add(name)
        domain = entry.get("domain")
        if domain is not None and not (isinstance(domain, str) and HOST.fullmatch(domain)):
            problems.add(f"{at}.domain", rule.INVALID_FORMAT, "a lower-case host name")
            domain = None
        path = entry.get("path")
        if path is not None and not (isinstance(path, str) and _PATH.fullmatch(path)):
            problems.add(f"{at}.path", rule.INVALID_FORMAT, "a path starting with /")
            path = None
        provider, purpose, duration = (
            _texts(entry.get(field), f"{at}.{field}", problems) for field in COOKIE_TEXTS
        )
        out.append(DeclaredCookie(name, provider, purpose, duration, domain, path))
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


def parse_hosts(value: Any, where: str, problems: Problems) -> tuple[str, ...]:
    """A service's ``hosts``: lower-case host names, each covering its subdomains."""
    ok = isinstance(value, list) and len(value) <= MAX_DECLARED
    if not ok or not all(isinstance(v, str) and HOST.fullmatch(v) for v in value):
        problems.add(
            where,
            rule.INVALID_FORMAT,
            f"a list of at most {MAX_DECLARED} lower-case host names such as "
            "www.google-analytics.com",
        )
        return ()
    return tuple(value)


def resolve_cookies(
    cookies: Sequence[DeclaredCookie], pick: Callable[[Mapping[str, str]], str]
) -> list[dict[str, str]]:
    """What the widget is sent for one language: ``name``, each text the cookie has, and its
    ``domain`` and ``path`` when declared; nothing more, so bare names cost the answer little.

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
        for field, value in (("domain", cookie.domain), ("path", cookie.path)):
            if value:
                entry[field] = value
        out.append(entry)
    return out
