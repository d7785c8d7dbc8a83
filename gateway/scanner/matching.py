"""Placing what a scan saw: each cookie, storage key and third-party host to a category.

In order: the consent widget's own cookie, storage keys and gateway host (necessary); what the
key's consent config declares (a service's ``cookies`` and ``hosts``); the built-in table of
well-known trackers below; else unknown. The table only suggests a category: an item placed by
it is still "undeclared" until the config names it under a service. docs/scanner.md lists it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from gateway.consent.config import ConsentConfig
from gateway.scanner.model import UNKNOWN, Match

# (cookie name or storage key, "*" for any run of characters) -> (category, vendor)
BUILTIN_COOKIES: tuple[tuple[str, str, str], ...] = (
    *((p, "analytics", "Google Analytics") for p in ("_ga", "_ga_*", "_gid", "_gat", "_gat_*")),
    *((p, "analytics", "Google Analytics") for p in ("__utma", "__utmb", "__utmc", "__utmt")),
    ("__utmz", "analytics", "Google Analytics"),
    ("_dc_gtm_*", "analytics", "Google Tag Manager"),
    *((p, "analytics", "Matomo") for p in ("_pk_id*", "_pk_ses*", "_pk_ref*", "MATOMO_SESSID")),
    ("_hj*", "analytics", "Hotjar"),
    *((p, "analytics", "Microsoft Clarity") for p in ("_clck", "_clsk", "CLID")),
    *((p, "analytics", "HubSpot") for p in ("__hstc", "__hssc", "__hssrc", "hubspotutk")),
    *((p, "analytics", "Segment") for p in ("ajs_anonymous_id", "ajs_user_id")),
    ("mp_*_mixpanel", "analytics", "Mixpanel"),
    ("_gcl_*", "marketing", "Google Ads"),
    *((p, "marketing", "Google Ads") for p in ("IDE", "DSID", "test_cookie", "NID")),
    *((p, "marketing", "Google AdSense") for p in ("__gads", "__gpi", "__eoi")),
    *((p, "marketing", "Meta Pixel") for p in ("_fbp", "_fbc", "fr")),
    *((p, "marketing", "Microsoft Advertising") for p in ("_uetsid", "_uetvid", "MUID")),
    *((p, "marketing", "TikTok Pixel") for p in ("_ttp", "_tt_enable_cookie")),
    *((p, "marketing", "Pinterest") for p in ("_pin_unauth", "_pinterest_sess")),
    *((p, "marketing", "LinkedIn") for p in ("bcookie", "lidc", "li_sugr", "li_gc")),
    *((p, "marketing", "LinkedIn") for p in ("UserMatchHistory", "AnalyticsSyncHistory")),
    ("_scid", "marketing", "Snap Pixel"),
    ("_rdt_uuid", "marketing", "Reddit Pixel"),
    *((p, "marketing", "X (Twitter)") for p in ("personalization_id", "guest_id")),
    *((p, "marketing", "YouTube") for p in ("VISITOR_INFO1_LIVE", "YSC", "VISITOR_PRIVACY_*")),
)

# host (its subdomains included) -> (category, vendor)
BUILTIN_HOSTS: tuple[tuple[str, str, str], ...] = (
    ("google-analytics.com", "analytics", "Google Analytics"),
    ("analytics.google.com", "analytics", "Google Analytics"),
    ("googletagmanager.com", "analytics", "Google Tag Manager"),
    *((h, "analytics", "Hotjar") for h in ("hotjar.com", "hotjar.io")),
    ("clarity.ms", "analytics", "Microsoft Clarity"),
    *((h, "analytics", "HubSpot") for h in ("hs-analytics.net", "hs-scripts.com", "hubspot.com")),
    *((h, "analytics", "Segment") for h in ("segment.io", "segment.com")),
    *((h, "analytics", "Mixpanel") for h in ("mixpanel.com", "mxpnl.com")),
    ("matomo.cloud", "analytics", "Matomo"),
    *((h, "marketing", "Google Ads") for h in ("doubleclick.net", "googleadservices.com")),
    ("googlesyndication.com", "marketing", "Google AdSense"),
    *((h, "marketing", "Meta Pixel") for h in ("facebook.com", "facebook.net")),
    *((h, "marketing", "YouTube") for h in ("youtube.com", "youtube-nocookie.com", "ytimg.com")),
    ("googlevideo.com", "marketing", "YouTube"),
    *((h, "marketing", "Microsoft Advertising") for h in ("bat.bing.com", "bing.com")),
    *((h, "marketing", "LinkedIn") for h in ("linkedin.com", "licdn.com")),
    ("tiktok.com", "marketing", "TikTok Pixel"),
    *((h, "marketing", "Pinterest") for h in ("pinterest.com", "pinimg.com")),
    *((h, "marketing", "X (Twitter)") for h in ("twitter.com", "x.com", "ads-twitter.com")),
    *((h, "marketing", "Snap Pixel") for h in ("snapchat.com", "sc-static.net")),
    *((h, "marketing", "Reddit Pixel") for h in ("reddit.com", "redditstatic.com")),
    *((h, "marketing", "Criteo") for h in ("criteo.com", "criteo.net")),
    ("adnxs.com", "marketing", "Xandr"),
    *((h, "functional", "Intercom") for h in ("intercom.io", "intercomcdn.com")),
    ("zdassets.com", "functional", "Zendesk"),
)

WIDGET = "Widget Gateway consent banner"
WIDGET_STORAGE_PREFIX = "wg:"  # wg:cfg:<pk>, wg:state:<pk>, wg:queue:<pk>


@dataclass(frozen=True)
class Rules:
    """Everything matching needs, built once per scan by :func:`rules_for`."""

    required: frozenset[str]  # the config's required categories
    necessary_category: str  # the category the widget's own items are reported under
    cookies: tuple[tuple[str, Match], ...]  # (pattern, where it belongs), in config order
    hosts: tuple[tuple[str, Match], ...]  # (host, where it belongs)
    widget_cookies: frozenset[str]
    widget_hosts: frozenset[str]


def rules_for(
    config: ConsentConfig, widget_hosts: Iterable[str] = (), widget_cookies: Iterable[str] = ()
) -> Rules:
    """The rules of one config, plus the widget's gateway host(s) and cookie name(s) as found on
    the page (they may differ from the config's when the page uses another key)."""
    required = frozenset(c.id for c in config.categories if c.required)
    cookies: list[tuple[str, Match]] = []
    hosts: list[tuple[str, Match]] = []
    for category in config.categories:
        for service in category.services:
            placed = Match(category.id, service.id, service.name, "config", category.required)
            cookies += [(p, placed) for p in service.cookies]
            hosts += [(h, placed) for h in service.hosts]
    first_required = next((c.id for c in config.categories if c.required), "necessary")
    return Rules(
        required=required,
        necessary_category=first_required,
        cookies=tuple(cookies),
        hosts=tuple(hosts),
        widget_cookies=frozenset({config.cookie_name, *widget_cookies}),
        widget_hosts=frozenset(h.lower() for h in widget_hosts),
    )


@lru_cache(maxsize=512)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def name_matches(pattern: str, name: str) -> bool:
    """A declared cookie name against a seen one: exact, ``*`` standing for any characters."""
    return pattern == name or ("*" in pattern and _pattern(pattern).fullmatch(name) is not None)


def host_matches(rule: str, host: str) -> bool:
    """``rule`` covers itself and its subdomains: ``google.com`` covers ``www.google.com``."""
    return host == rule or host.endswith("." + rule)


def _builtin(category: str, vendor: str, rules: Rules) -> Match:
    return Match(category, None, vendor, "builtin", category in rules.required)


def _widget(rules: Rules) -> Match:
    return Match(rules.necessary_category, None, WIDGET, "widget", True)


def match_name(name: str, rules: Rules, domain: str | None = None) -> Match:
    """Place a cookie name or a storage key. A third-party cookie's ``domain``, when given,
    places a cookie its name does not: a tracker's cookies belong where its host does."""
    if name in rules.widget_cookies or name.startswith(WIDGET_STORAGE_PREFIX):
        return _widget(rules)
    # An exact declaration wins over a pattern, whatever their order in the config.
    for exact in (True, False):
        for pattern, placed in rules.cookies:
            if (pattern == name) if exact else name_matches(pattern, name):
                return placed
    for pattern, category, vendor in BUILTIN_COOKIES:
        if name_matches(pattern, name):
            return _builtin(category, vendor, rules)
    if domain:
        return match_host(domain.lstrip("."), rules)
    return UNKNOWN


def match_host(host: str, rules: Rules) -> Match:
    """Place a third-party host; the longest matching rule wins (``bat.bing.com`` over
    ``bing.com``)."""
    host = host.lower().rstrip(".")
    if host in rules.widget_hosts:
        return _widget(rules)
    declared = [(rule, placed) for rule, placed in rules.hosts if host_matches(rule, host)]
    if declared:
        return max(declared, key=lambda r: len(r[0]))[1]
    builtin = [r for r in BUILTIN_HOSTS if host_matches(r[0], host)]
    if builtin:
        _, category, vendor = max(builtin, key=lambda r: len(r[0]))
        return _builtin(category, vendor, rules)
    return UNKNOWN


def _base(host: str) -> str:
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def same_site(host: str, site_host: str) -> bool:
    """Whether ``host`` belongs to the site: the site's host without ``www.``, or a subdomain of
    it. An IP address is a site of its own. Without the public suffix list this is a close
    approximation: ``shop.example`` and ``cdn.shop.example`` are one site, ``other.example`` not.
    """
    host, base = host.lower().rstrip(".").lstrip("."), _base(site_host)
    try:
        ipaddress.ip_address(base.strip("[]"))
    except ValueError:
        return host == base or host.endswith("." + base) or base.endswith("." + host)
    return host == base
