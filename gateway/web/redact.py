"""What may leave the process about a request: route templates, truncated IPs, route families.

Logs, metrics and spans describe requests with these and never with the raw request: a path can
hold a public or private key (``/v1/pk_…/consent``) or anything a client typed (an e-mail
address), a query string anything at all, and an IP address identifies a person.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

MAX_TEMPLATE = 160

# Path segments replaced by a name, by how they start or what they contain.
_PREFIXES = (("pk_", "{public_key}"), ("sk_", "{private_key}"))

# (path prefix, family) — the first match wins; the family labels the duration histogram.
_FAMILIES = (
    ("/widgets/", "widget_asset"),
    ("/v1/receipts/", "consent"),
    ("/v1/key", "key_info"),
    ("/admin/v1/", "admin_api"),
    ("/admin", "admin_page"),
    ("/healthz", "health"),
    ("/readyz", "health"),
    ("/metrics", "metrics"),
    ("/openapi.json", "openapi"),
)


def _segment(segment: str) -> str:
    for prefix, name in _PREFIXES:
        if segment.startswith(prefix):
            return name
    lowered = segment.lower()
    if "@" in segment or "%40" in lowered:
        return "{email}"
    if len(segment) > 64:
        return "{long}"
    return segment


@lru_cache(maxsize=2048)
def route_template(path: str) -> str:
    """``path`` with keys, e-mail addresses and overlong segments replaced by names.

    >>> route_template("/v1/pk_abc123/consent")
    '/v1/{public_key}/consent'
    """
    template = "/".join(_segment(s) for s in path.split("/"))
    if len(template) > MAX_TEMPLATE:
        template = template[:MAX_TEMPLATE] + "…"
    return template


def route_family(path: str) -> str:
    """A small, fixed set of names for what a request was for (a metric label)."""
    if path.startswith("/v1/"):
        for prefix, family in _FAMILIES[:2]:
            if path.startswith(prefix):
                return family
        if path == "/v1/key":
            return "key_info"
        parts = path.split("/", 4)
        if len(parts) > 3 and parts[3] in ("consent", "rights"):
            return parts[3]
        return "widget_api"
    for prefix, family in _FAMILIES:
        if path.startswith(prefix):
            return family
    return "other"


@lru_cache(maxsize=4096)
def truncate_ip(address: str) -> str:
    """An IPv4 address cut to its /24, an IPv6 address to its /48; anything else hidden.

    >>> truncate_ip("203.0.113.77"), truncate_ip("2001:db8:1:2::7")
    ('203.0.113.0/24', '2001:db8:1::/48')
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "-"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
