"""Who is the client: the socket peer, or what trusted proxies say it is.

``X-Forwarded-For`` is only believed when the socket peer is a configured trusted proxy, and then
only as far as the chain of trusted hops goes: each proxy appends the address it received the
request from, so the list is walked from the right, past every trusted hop, and the first address
that is not a trusted proxy is the client. Anything to the left of that was written by the client
itself and is ignored, which is what makes the address safe to rate-limit on.

:func:`truncate_ip` shortens an address for records (IPv4 /24, IPv6 /48), so stored records say
roughly where a request came from without identifying a visitor. :func:`limit_identity` is what
per-IP limits count: an IPv4 address, or the IPv6 network it belongs to, since one home or phone
is handed a whole /64 and could otherwise take a fresh budget with each of its addresses.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from starlette.types import Scope

UNKNOWN = "unknown"

# Bounds the work a long forged header can cause; real chains have a handful of hops.
MAX_HOPS = 32

IPAddress = IPv4Address | IPv6Address


def parse_ip(value: str) -> IPAddress | None:
    """Parse one address as proxies write it: bare, ``v4:port``, ``[v6]`` or ``[v6]:port``.

    IPv4-mapped IPv6 addresses become IPv4, so one client has one identity whichever stack the
    server listens on. Anything else (``unknown``, obfuscated ``_hidden`` names, junk) is None.
    """
    text = value.strip()
    if not text or len(text) > 64:
        return None
    return _parse_ip(text)


@lru_cache(maxsize=4096)
def _parse_ip(text: str) -> IPAddress | None:
    # Cached: the same few peers (proxies, busy clients) come back on every request.
    if text.startswith("["):
        end = text.find("]")
        if end < 0 or (end + 1 < len(text) and not text[end + 1 :].startswith(":")):
            return None
        text = text[1:end]
    elif text.count(":") == 1:
        # One colon: IPv4 with a port. IPv6 has at least two colons.
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _trusted(ip: IPAddress, proxies: Sequence[IPv4Network | IPv6Network]) -> bool:
    return any(ip.version == net.version and ip in net for net in proxies)


def from_trusted_proxy(scope: Scope, trusted_proxies: Sequence[IPv4Network | IPv6Network]) -> bool:
    """Whether the socket peer is a trusted proxy, whose own headers may then be believed."""
    peer = scope.get("client")
    peer_ip = parse_ip(str(peer[0])) if peer else None
    return peer_ip is not None and bool(trusted_proxies) and _trusted(peer_ip, trusted_proxies)


def _forwarded_for(scope: Scope) -> list[str]:
    # Several X-Forwarded-For fields mean one list (RFC 9110 §5.3), in the order received.
    entries: list[str] = []
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-for":
            entries.extend(value.decode("latin-1").split(","))
    return entries


def client_ip(scope: Scope, trusted_proxies: Sequence[IPv4Network | IPv6Network]) -> str:
    """The client's address for this request, as a normalised string.

    The socket peer, unless the peer is a trusted proxy: then ``X-Forwarded-For`` is walked from
    the right, skipping trusted hops, and the first untrusted address is the client. If a trusted
    hop wrote something that is not an address, the walk stops there and that hop's own address is
    the answer: nothing to its left can be believed. If every hop is trusted, the leftmost one is
    the client (a request from inside the proxies' own network).
    """
    peer = scope.get("client")
    if not peer:
        return UNKNOWN
    if not trusted_proxies:
        return _peer_text(str(peer[0]))
    peer_ip = parse_ip(str(peer[0]))
    if peer_ip is None:
        return _peer_text(str(peer[0]))
    if not _trusted(peer_ip, trusted_proxies):
        return str(peer_ip)
    current = peer_ip
    for hops, entry in enumerate(reversed(_forwarded_for(scope))):
        if hops >= MAX_HOPS:
            break
        ip = parse_ip(entry)
        if ip is None:
            break
        current = ip
        if not _trusted(ip, trusted_proxies):
            break
    return str(current)


@lru_cache(maxsize=4096)
def truncate_ip(ip: str) -> str:
    """Shorten an address for records: IPv4 to its /24, IPv6 to its /48.

    ``"203.0.113.77"`` → ``"203.0.113.0"``, ``"2001:db8:85a3:8d3::1"`` → ``"2001:db8:85a3::"``.
    Anything that is not an address becomes ``"unknown"``, so a record never carries free text
    from a header.
    """
    parsed = parse_ip(ip)
    if parsed is None:
        return UNKNOWN
    prefix = 24 if parsed.version == 4 else 48
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False).network_address)


@lru_cache(maxsize=4096)
def _peer_text(address: str) -> str:
    """The normalised text of a socket peer's address (the same few peers keep coming back)."""
    peer_ip = parse_ip(address)
    if peer_ip is None:
        # Not an IP socket (unix socket, test transport): the peer's name is all there is.
        return address or UNKNOWN
    return str(peer_ip)


@lru_cache(maxsize=4096)
def limit_identity(ip: str, ipv6_prefix: int = 64) -> str:
    """What per-IP limits count for ``ip``: an IPv4 address itself, an IPv6 one by its network.

    ``"2001:db8:1:2:aaaa::1"`` → ``"2001:db8:1:2::/64"``; a peer that is no address (a unix
    socket, a test transport) is counted under its name.
    """
    parsed = parse_ip(ip)
    if parsed is None or parsed.version == 4:
        return ip
    return str(ipaddress.ip_network(f"{parsed}/{ipv6_prefix}", strict=False))
