"""What a service of a consent config declares: the cookies it sets and the hosts it talks to.

A service's ``cookies`` lists each cookie (or storage key) either by name, ``"_ga"``, or as an
object that also says who sets it, why and for how long, and where it lives::

    {"name": "_ga_*", "provider": "Google", "purpose": {"en": "Tells visits apart", "fr": "…"},
     "duration": {"en": "2 years"}, "domain": "shop.example", "path": "/"}

``*`` stands for any run of characters (``_ga_*``). ``purpose`` and ``duration`` are a text or
texts by language. The names are what the cookie scanner matches and what the widget deletes
when the service's consent is withdrawn (with ``domain`` and ``path``, or the page's host and its
parents, on ``/``); the other fields are what the cookie declaration shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway import problems as rule
from gateway.problems import Problems

MAX_DECLARED = 30  # cookie names or hosts declared per service
MAX_COOKIE_TEXT = 300
COOKIE_FIELDS = frozenset({"name", "provider", "purpose", "duration", "domain", "path"})

# Cookie names or storage keys, ``*`` for any run of characters; hosts cover their subdomains.
_DECLARED_COOKIE = re.compile(r"[A-Za-z0-9_.:*-]{1,64}")
HOST = re.compile(r"[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*")
_LANG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})*|\*")
_PATH = re.compile(r"/[A-Za-z0-9._~/-]{0,200}")


@dataclass(frozen=True)
class DeclaredCookie:
    """One cookie a service sets, as the declaration shows it and withdrawal deletes it."""

    name: str
    provider: str | None = None
    purpose: Mapping[str, str] | None = None  # lang -> text ("*": every language)
    duration: Mapping[str, str] | None = None
    domain: str | None = None
    path: str | None = None


def parse_cookies(value: Any, where: str, problems: Problems) -> tuple[DeclaredCookie, ...]:
    """A service's ``cookies``: names or objects; problems are added, not raised."""
    if not isinstance(value, list) or len(value) > MAX_DECLARED:
        problems.add(where, rule.WRONG_TYPE, f"a list of at most {MAX_DECLARED} cookies")
        return ()
    out = []
    for i, item in enumerate(value):
        at = f"{where}.{i}"
        entry = {"name": item} if isinstance(item, str) else item
        if not isinstance(entry, dict):
            problems.add(at, rule.WRONG_TYPE, "a cookie name, or an object with its name")
            continue
        for name in sorted(set(entry) - COOKIE_FIELDS):
            problems.add(f"{at}.{name}", rule.UNKNOWN, "unknown field")
        name = entry.get("name")
        if not isinstance(name, str) or not _DECLARED_COOKIE.fullmatch(name):
            problems.add(
                f"{at}.name",
                rule.INVALID_FORMAT,
                "a cookie name (letters, digits, _ . : - and * as a wildcard)",
            )
            continue
        provider = entry.get("provider")
        if provider is not None and not _short_text(provider):
            problems.add(f"{at}.provider", rule.INVALID_FORMAT, "a name of 1-300 characters")
        domain = entry.get("domain")
        if domain is not None and not (isinstance(domain, str) and HOST.fullmatch(domain)):
            problems.add(f"{at}.domain", rule.INVALID_FORMAT, "a lower-case host name")
        path = entry.get("path")
        if path is not None and not (isinstance(path, str) and _PATH.fullmatch(path)):
            problems.add(f"{at}.path", rule.INVALID_FORMAT, "a path starting with /")
        texts = {f: _texts(entry.get(f), f"{at}.{f}", problems) for f in ("purpose", "duration")}
        out.append(
            DeclaredCookie(
                name,
                provider if isinstance(provider, str) else None,
                texts["purpose"],
                texts["duration"],
                domain if isinstance(domain, str) else None,
                path if isinstance(path, str) else None,
            )
        )
    return tuple(out)


def _short_text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_COOKIE_TEXT


def _texts(value: Any, where: str, problems: Problems) -> Mapping[str, str] | None:
    if value is None:
        return None
    texts = {"*": value} if isinstance(value, str) else value
    ok = isinstance(texts, dict) and all(
        isinstance(k, str) and _LANG.fullmatch(k) and _short_text(v) for k, v in texts.items()
    )
    if not ok:
        problems.add(where, rule.INVALID_FORMAT, "a text of 1-300 characters, or texts by language")
        return None
    return dict(texts)


def parse_hosts(value: Any, where: str, problems: Problems) -> tuple[str, ...]:
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


def text_for(texts: Mapping[str, str] | None, chain: list[str]) -> str | None:
    """The text in the first language of ``chain`` that has one, else the any-language text."""
    if not texts:
        return None
    lowered = {k.lower(): v for k, v in texts.items()}
    for tag in chain:
        if tag in lowered:
            return lowered[tag]
    return lowered.get("*") or next(iter(lowered.values()))


def resolve_cookie(cookie: DeclaredCookie, chain: list[str]) -> dict[str, Any]:
    """A declared cookie as the widget receives it, its texts in the visitor's language; fields
    not declared are left out, so a list of bare names costs the answer little."""
    out = {
        "name": cookie.name,
        "provider": cookie.provider,
        "purpose": text_for(cookie.purpose, chain),
        "duration": text_for(cookie.duration, chain),
        "domain": cookie.domain,
        "path": cookie.path,
    }
    return {k: v for k, v in out.items() if v is not None}
