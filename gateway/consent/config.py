"""The cookie-consent config of a key: schema, built-in defaults, validation, language resolution.

A key stores its consent config as JSON (``ApiKey.consent_config``; ``None`` means the defaults).
:func:`parse_config` validates what is stored and returns a typed :class:`ConsentConfig`;
:func:`resolve` turns it into what the widget fetches for one language. Every text falls back, in
order, to the config's own text in that language, the built-in one, then the config's default
language, so a site owner only writes what differs from the defaults.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from gateway import locales
from gateway import problems as rule
from gateway.consent import geo
from gateway.consent.cookie_domain import parse_cookie_domain
from gateway.consent.cookies import DeclaredCookie, parse_cookies, parse_hosts, resolve_cookies
from gateway.consent.texts import BUILTIN_TEXTS, CATEGORY_TEXTS
from gateway.problems import Problems

CONSENT_MODE_TYPES = (
    "ad_storage",
    "analytics_storage",
    "ad_user_data",
    "ad_personalization",
    "functionality_storage",
    "personalization_storage",
    "security_storage",
)
THEME_MODES = ("auto", "light", "dark")
POSITIONS = ("bottom", "bottom-left", "bottom-right", "center")
TEXT_KEYS = tuple(BUILTIN_TEXTS["en"])
MAX_CATEGORIES = 12
MAX_SERVICES = 20
MAX_TEXT = 2000
MAX_LIFETIME_DAYS = 395  # 13 months: the longest any EU regulator accepts

_CATEGORY_FIELDS = {"id", "required", "gpc", "consent_mode", "services", "texts"}
_ID = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_LANG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})*")
_COOKIE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_VERSION = re.compile(r"[A-Za-z0-9._-]{1,40}")


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    texts: Mapping[str, Mapping[str, str]]  # lang -> {"description"}
    cookies: tuple[str, ...] = ()  # cookie names and storage keys, "*" as a wildcard
    hosts: tuple[str, ...] = ()  # hosts it loads from or sends to, subdomains included
    declared: tuple[DeclaredCookie, ...] = ()  # the cookies with their texts (consent.cookies)


@dataclass(frozen=True)
class Category:
    id: str
    required: bool
    gpc: bool  # sale/sharing: stays off under Global Privacy Control unless turned on
    consent_mode: tuple[str, ...]
    services: tuple[Service, ...]
    texts: Mapping[str, Mapping[str, str]]  # lang -> {"title", "description"}


@dataclass(frozen=True)
class ConsentConfig:
    policy_version: str
    lifetime_days: int
    default_language: str
    cookie_name: str
    reopen_button: bool
    theme_mode: str
    position: str
    accent: str | None
    policy_url: Mapping[str, str]  # lang -> URL ("*" for every language)
    categories: tuple[Category, ...]
    texts: Mapping[str, Mapping[str, str]]
    variants: tuple[geo.Variant, ...] = ()  # geo rules (gateway.consent.geo)
    cookie_domain: str | None = None  # Domain of the consent cookie (consent.cookie_domain)

    @cached_property
    def category_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.categories)

    @cached_property
    def service_ids(self) -> frozenset[str]:
        return frozenset(s.id for c in self.categories for s in c.services)


_DEFAULT_CATEGORIES: tuple[dict[str, Any], ...] = (
    {"id": "necessary", "required": True, "consent_mode": ["security_storage"]},
    {"id": "functional", "consent_mode": ["functionality_storage", "personalization_storage"]},
    {"id": "analytics", "consent_mode": ["analytics_storage"]},
    {
        "id": "marketing",
        "gpc": True,
        "consent_mode": ["ad_storage", "ad_user_data", "ad_personalization"],
    },
)


_BUILTIN_BY_ID = {c["id"]: c for c in _DEFAULT_CATEGORIES}


def parse_config(raw: Mapping[str, Any] | None) -> ConsentConfig:
    """Validate a stored consent config (``None``: the defaults); raises ``InvalidPayload``."""
    raw = dict(raw or {})
    problems = Problems()
    known = {
        "policy_version",
        "lifetime_days",
        "default_language",
        "cookie_name",
        "reopen_button",
        "theme",
        "policy_url",
        "categories",
        "texts",
        "variants",
        "cookie_domain",
    }
    problems.unknown("", set(raw) - known)
    version = raw.get("policy_version", "1")
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        problems.add(
            "policy_version",
            rule.INVALID_FORMAT,
            "1-40 characters: letters, digits, '.', '_' or '-'",
        )
    lifetime = raw.get("lifetime_days", 182)
    if type(lifetime) is not int or not 1 <= lifetime <= MAX_LIFETIME_DAYS:
        problems.add(
            "lifetime_days", rule.OUT_OF_RANGE, f"an integer from 1 to {MAX_LIFETIME_DAYS}"
        )
    default_language = raw.get("default_language", "en")
    if not isinstance(default_language, str) or not _LANG.fullmatch(default_language):
        problems.add(
            "default_language",
            rule.INVALID_FORMAT,
            "a lower-case language tag such as 'en' or 'pt-br'",
        )
    cookie = raw.get("cookie_name", "wg_consent")
    if not isinstance(cookie, str) or not _COOKIE.fullmatch(cookie):
        problems.add(
            "cookie_name", rule.INVALID_FORMAT, "1-64 characters: letters, digits, '_' or '-'"
        )
    reopen = raw.get("reopen_button", True)
    if not isinstance(reopen, bool):
        problems.add("reopen_button", rule.WRONG_TYPE, "true or false")
    theme = raw.get("theme", {})
    mode, position, accent = "auto", "bottom", None
    if not isinstance(theme, dict) or set(theme) - {"mode", "position", "accent"}:
        problems.add("theme", rule.WRONG_TYPE, "an object with mode, position and accent")
    else:
        mode = theme.get("mode", mode)
        position = theme.get("position", position)
        accent = theme.get("accent")
        if mode not in THEME_MODES:
            problems.add("theme.mode", rule.NOT_AN_OPTION, f"one of {', '.join(THEME_MODES)}")
        if position not in POSITIONS:
            problems.add("theme.position", rule.NOT_AN_OPTION, f"one of {', '.join(POSITIONS)}")
        if accent is not None and not (isinstance(accent, str) and _COLOR.fullmatch(accent)):
            problems.add("theme.accent", rule.INVALID_FORMAT, "a colour like #1d4ed8")
    policy_url = _policy_urls(raw.get("policy_url"), problems)
    texts = _texts(raw.get("texts", {}), "texts", set(TEXT_KEYS), problems)
    categories = _categories(raw.get("categories"), problems)
    variants = geo.parse_variants(raw.get("variants"), problems)
    cookie_domain = parse_cookie_domain(raw.get("cookie_domain"), problems)
    problems.raise_if_any("The consent config is not valid.")
    return ConsentConfig(
        policy_version=version,
        lifetime_days=lifetime,
        default_language=default_language,
        cookie_name=cookie,
        reopen_button=reopen,
        theme_mode=mode,
        position=position,
        accent=accent,
        policy_url=policy_url,
        categories=categories,
        texts=texts,
        variants=variants,
        cookie_domain=cookie_domain,
    )


def _policy_urls(value: Any, problems: Problems) -> dict[str, str]:
    if value is None:
        return {}
    urls = {"*": value} if isinstance(value, str) else value
    if not isinstance(urls, dict):
        problems.add("policy_url", rule.WRONG_TYPE, "a URL, or an object of URLs by language")
        return {}
    for lang, url in urls.items():
        ok = isinstance(url, str) and url.startswith(("https://", "http://"))
        if not ok or len(url) >= 500:
            problems.add(
                f"policy_url.{lang}", rule.INVALID_FORMAT, "an http(s) URL under 500 characters"
            )
    return dict(urls)


def _texts(
    value: Any, where: str, allowed: set[str], problems: Problems
) -> dict[str, dict[str, str]]:
    if not isinstance(value, dict):
        problems.add(where, rule.WRONG_TYPE, "an object of texts by language")
        return {}
    out: dict[str, dict[str, str]] = {}
    for lang, entries in value.items():
        if not (isinstance(lang, str) and _LANG.fullmatch(lang)):
            # Not a language tag: any text at all, so it is counted, never named.
            problems.unknown(where, [lang], "language (a lower-case language tag)")
            continue
        if not isinstance(entries, dict):
            problems.add(where, rule.INVALID_FORMAT, "an object of texts", keys=(lang,))
            continue
        problems.unknown(f"{where}.{lang}", (k for k in entries if k not in allowed), "text")
        for key, text in entries.items():
            if key in allowed and (not isinstance(text, str) or not 0 < len(text) <= MAX_TEXT):
                problems.add(
                    where,
                    rule.INVALID_FORMAT,
                    f"a string of 1-{MAX_TEXT} characters",
                    keys=(lang, key),
                )
        out[lang] = dict(entries)
    return out


def _categories(value: Any, problems: Problems) -> tuple[Category, ...]:
    if value is None:
        value = _DEFAULT_CATEGORIES
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_CATEGORIES:
        problems.add("categories", rule.WRONG_TYPE, f"a list of 1-{MAX_CATEGORIES} categories")
        return ()
    seen: set[str] = set()
    out = []
    for i, item in enumerate(value):
        where = f"categories.{i}"
        if not isinstance(item, dict):
            problems.add(where, rule.WRONG_TYPE, "an object")
            continue
        problems.unknown(where, set(item) - _CATEGORY_FIELDS)
        cid = item.get("id")
        if not isinstance(cid, str) or not _ID.fullmatch(cid) or cid in seen:
            problems.add(
                f"{where}.id",
                rule.INVALID_FORMAT,
                "a unique id: lower-case letters, digits, '_' or '-'",
            )
            continue
        seen.add(cid)
        # A built-in category keeps its defaults (GPC flag, Consent Mode types, required) for
        # whatever the config does not set: listing "marketing" to add a service must not turn
        # Global Privacy Control off for it.
        builtin = _BUILTIN_BY_ID.get(cid, {})
        required = item.get("required", builtin.get("required", False))
        gpc = item.get("gpc", builtin.get("gpc", False))
        if not isinstance(required, bool) or not isinstance(gpc, bool):
            problems.add(where, rule.WRONG_TYPE, "required and gpc are true or false")
        modes = item.get("consent_mode", list(builtin.get("consent_mode", [])))
        if not isinstance(modes, list) or any(m not in CONSENT_MODE_TYPES for m in modes):
            problems.add(
                f"{where}.consent_mode",
                rule.NOT_AN_OPTION,
                f"a list of: {', '.join(CONSENT_MODE_TYPES)}",
            )
            modes = []
        texts = _texts(item.get("texts", {}), f"{where}.texts", {"title", "description"}, problems)
        if cid not in CATEGORY_TEXTS["en"] and not any("title" in t for t in texts.values()):
            problems.add(f"{where}.texts", rule.MISSING, "a custom category needs a title")
        services = _services(item.get("services", []), f"{where}.services", seen, problems)
        out.append(Category(cid, required is True, gpc is True, tuple(modes), services, texts))
    return tuple(out)


def _services(value: Any, where: str, seen: set[str], problems: Problems) -> tuple[Service, ...]:
    if not isinstance(value, list) or len(value) > MAX_SERVICES:
        problems.add(where, rule.WRONG_TYPE, f"a list of at most {MAX_SERVICES} services")
        return ()
    out = []
    fields = {"id", "name", "texts", "cookies", "hosts"}
    for i, item in enumerate(value):
        ok = isinstance(item, dict) and not set(item) - fields
        sid = item.get("id") if ok else None
        name = item.get("name") if ok else None
        if not (isinstance(sid, str) and _ID.fullmatch(sid) and sid not in seen):
            problems.add(
                f"{where}.{i}",
                rule.INVALID_FORMAT,
                "a service with a unique id, a name and optional texts",
            )
            continue
        if not isinstance(name, str) or not 0 < len(name) <= 100:
            problems.add(f"{where}.{i}.name", rule.INVALID_FORMAT, "a name of 1-100 characters")
            continue
        seen.add(sid)
        texts = _texts(item.get("texts", {}), f"{where}.{i}.texts", {"description"}, problems)
        declared = parse_cookies(item.get("cookies", []), f"{where}.{i}.cookies", problems)
        hosts = parse_hosts(item.get("hosts", []), f"{where}.{i}.hosts", problems)
        names = tuple(c.name for c in declared)
        out.append(Service(sid, name, texts, names, hosts, declared))
    return tuple(out)


def available_languages(config: ConsentConfig) -> set[str]:
    return set(BUILTIN_TEXTS) | set(config.texts)


def pick_language(config: ConsentConfig, wanted: Sequence[str]) -> str:
    """The first wanted language the config can speak (BCP 47 lookup, see ``gateway.locales``)."""
    have = available_languages(config)
    default = locales.negotiate([config.default_language], "en", among=have)
    return locales.negotiate(wanted, default, among=have)


def resolve(
    config: ConsentConfig, wanted: Sequence[str], variant: geo.Variant | None = None
) -> dict[str, Any]:
    """What the widget fetches: the config with every text resolved for one language, for the
    visitor's geo ``variant`` (None: the opt-in banner)."""
    lang = pick_language(config, wanted)
    # A language only the config speaks ("fr-ca") borrows the built-in texts of the nearest
    # built-in locale ("fr") before those of the default language. Tags are compared in lower
    # case: a config writes "pt-br", the built-in file is "pt-BR".
    nearest = locales.negotiate([lang], config.default_language)
    chain = [t.lower() for t in (lang, nearest, config.default_language, "en")]

    def text(
        own: Mapping[str, Mapping[str, str]], builtin: Mapping[str, Mapping[str, str]], key: str
    ) -> str:
        # Language first, then source: a visitor reads one language throughout, rather than the
        # site's own wording in its default language mixed with built-in texts in theirs.
        sources = [{t.lower(): texts for t, texts in s.items()} for s in (own, builtin)]
        for tag in chain:
            for source in sources:
                value = source.get(tag, {}).get(key)
                if value:
                    return value
        return ""

    def pick(texts: Mapping[str, str]) -> str:
        return text({tag: {"t": t} for tag, t in texts.items()}, {}, "t")

    categories = []
    for c in config.categories:
        builtin = {tag: t.get(c.id, {}) for tag, t in CATEGORY_TEXTS.items()}
        categories.append(
            {
                "id": c.id,
                "required": c.required,
                "gpc": c.gpc,
                "consent_mode": list(c.consent_mode),
                "title": text(c.texts, builtin, "title") or c.id,
                "description": text(c.texts, builtin, "description"),
                "services": [
                    {
                        "id": s.id,
                        "name": s.name,
                        "description": text(s.texts, {}, "description"),
                        **({"cookies": resolve_cookies(s.declared, pick)} if s.declared else {}),
                    }
                    for s in c.services
                ],
            }
        )
    urls = {tag.lower(): url for tag, url in config.policy_url.items()}
    policy_url = urls.get(lang.lower()) or urls.get("*")
    return {
        "version": config.policy_version,
        "lang": lang,
        "dir": locales.direction(lang),
        "lifetime_days": config.lifetime_days,
        "cookie": config.cookie_name,
        "cookie_domain": config.cookie_domain,
        "mode": variant.mode if variant else "opt_in",
        "variant": variant.id if variant else None,
        "reopen": config.reopen_button,
        "theme": {"mode": config.theme_mode, "position": config.position, "accent": config.accent},
        "policy_url": policy_url,
        "texts": {key: text(config.texts, BUILTIN_TEXTS, key) for key in TEXT_KEYS},
        "categories": categories,
    }
