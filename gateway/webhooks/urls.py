"""Which URLs a webhook endpoint may have: the guard against server-side request forgery.

A webhook makes the gateway send requests to a URL an account member typed in, from inside the
operator's network. So an endpoint URL must be ``https://`` with a host whose every address is
public — never loopback, private (RFC 1918, IPv6 ULA), link-local (which holds cloud metadata
services at ``169.254.169.254``), carrier-grade NAT, multicast, reserved or unspecified. Two
settings open doors on purpose: ``GATEWAY_WEBHOOK_ALLOW_LOOPBACK`` (development: loopback
addresses, and ``http://`` for them only) and ``GATEWAY_WEBHOOK_ALLOW_NETWORKS`` (CIDRs of a
receiver inside the operator's network, still over ``https://``).

The rule is checked when an endpoint is saved (the host is resolved then) and again before
every attempt, on the addresses resolved for that attempt; the request then goes to the address
that was checked (the host name kept for ``Host`` and TLS), so a DNS answer that changes in
between (DNS rebinding) cannot point a delivery elsewhere. Redirects are never followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from gateway.webhook_settings import Network

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_URL = 2000
# Carrier-grade NAT (RFC 6598) is not "private" to the ipaddress module, but not public either.
SHARED = ipaddress.ip_network("100.64.0.0/10")


class UrlRefused(ValueError):
    """The URL may not be a webhook endpoint; the message says why (without the URL)."""


@dataclass(frozen=True)
class UrlPolicy:
    allow_loopback: bool = False
    allow_networks: tuple[Network, ...] = ()


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect, and the host name it was given as."""

    url: str
    scheme: str
    host: str
    port: int


def parse(url: str, policy: UrlPolicy) -> Target:
    """The URL's parts, or :class:`UrlRefused` for its form (before any DNS lookup)."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        raise UrlRefused(f"must be a URL of at most {MAX_URL} characters")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise UrlRefused("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UrlRefused("is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise UrlRefused("must start with https://")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("must not carry a user name or password")
    if parts.fragment:
        raise UrlRefused("must not have a #fragment")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UrlRefused("needs a host")
    if scheme == "http" and not (policy.allow_loopback and _names_loopback(host)):
        raise UrlRefused("must start with https:// (http:// only for loopback in development)")
    return Target(url, scheme, host, port or (443 if scheme == "https" else 80))


def _names_loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refusal(address: Address, policy: UrlPolicy) -> str | None:
    """Why ``address`` may not be reached, or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in policy.allow_networks):
        return None
    if address.is_loopback:
        return None if policy.allow_loopback else "points at a loopback address"
    if address.is_link_local:
        return "points at a link-local address"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "points at an address that is not for hosts"
    if address.is_private or (isinstance(address, ipaddress.IPv4Address) and address in SHARED):
        return "points at a private address"
    if not address.is_global:
        return "points at an address that is not public"
    return None


async def resolve(target: Target, policy: UrlPolicy) -> list[Address]:
    """The addresses of the target's host, every one of them allowed; :class:`UrlRefused`
    otherwise (or when the name does not resolve)."""
    try:
        literal: Address | None = ipaddress.ip_address(target.host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: Sequence[Address] = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                target.host, target.port, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError):
            raise UrlRefused("has a host name that does not resolve") from None
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not addresses:
        raise UrlRefused("has a host name that does not resolve")
    for address in addresses:
        why = refusal(address, policy)
        if why is not None:
            raise UrlRefused(why)
    return list(addresses)


async def check(url: str, policy: UrlPolicy) -> Target:
    """:func:`parse` and :func:`resolve`: what saving an endpoint requires."""
    target = parse(url, policy)
    await resolve(target, policy)
    return target
