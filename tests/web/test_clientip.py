"""The client IP behind proxies, and the truncation used in records."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.web.clientip import client_ip, limit_identity, parse_ip, truncate_ip
from tests.gwclient import SITE, settings_for, stored_key
from tests.support.servers import ServerThread

PROXIES = (
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("2001:db8:ffff::/48"),
)


def scope(peer: str | None, *xff: str) -> dict[str, Any]:
    return {
        "type": "http",
        "client": (peer, 12345) if peer is not None else None,
        "headers": [(b"x-forwarded-for", v.encode("latin-1")) for v in xff]
        + [(b"host", b"gw.example")],
    }


CASES = [
    # (peer, X-Forwarded-For fields, trusted proxies, expected client)
    ("203.0.113.7", [], PROXIES, "203.0.113.7"),
    ("203.0.113.7", ["198.51.100.1"], PROXIES, "203.0.113.7"),  # untrusted peer: XFF ignored
    ("203.0.113.7", ["198.51.100.1"], (), "203.0.113.7"),  # no proxies configured
    ("10.0.0.2", [], PROXIES, "10.0.0.2"),  # trusted peer, no header: the proxy itself
    ("10.0.0.2", ["198.51.100.1"], PROXIES, "198.51.100.1"),
    ("10.0.0.2", ["1.1.1.1, 198.51.100.1"], PROXIES, "198.51.100.1"),  # spoofed left part ignored
    ("10.0.0.2", ["1.1.1.1, 198.51.100.1, 10.0.0.9"], PROXIES, "198.51.100.1"),  # two hops
    ("10.0.0.2", ["1.1.1.1", "198.51.100.1, 10.0.0.9"], PROXIES, "198.51.100.1"),  # two fields
    ("10.0.0.2", ["10.0.0.5, 10.0.0.9"], PROXIES, "10.0.0.5"),  # all trusted: leftmost
    ("10.0.0.2", ["1.1.1.1, unknown"], PROXIES, "10.0.0.2"),  # garbage from a trusted hop
    ("10.0.0.2", ["1.1.1.1, 10.0.0.9, _hidden"], PROXIES, "10.0.0.2"),
    ("10.0.0.2", ["1.1.1.1, not-an-ip, 10.0.0.9"], PROXIES, "10.0.0.9"),
    ("10.0.0.2", [" , "], PROXIES, "10.0.0.2"),  # empty entries
    ("10.0.0.2", ["<script>, 198.51.100.1"], PROXIES, "198.51.100.1"),
    ("10.0.0.2", ["198.51.100.1:4711"], PROXIES, "198.51.100.1"),  # with a port
    ("10.0.0.2", ["[2001:db8::1]:443"], PROXIES, "2001:db8::1"),
    ("10.0.0.2", ["2001:DB8:0:0::1"], PROXIES, "2001:db8::1"),  # normalised
    ("10.0.0.2", ["::ffff:198.51.100.1"], PROXIES, "198.51.100.1"),  # v4-mapped
    ("2001:db8:ffff::1", ["2001:db8:1::5"], PROXIES, "2001:db8:1::5"),  # v6 proxy
    ("2001:db8:ffff::1", ["2001:db8:1::5, 2001:db8:ffff::2"], PROXIES, "2001:db8:1::5"),
    ("::ffff:10.0.0.2", ["198.51.100.1"], PROXIES, "198.51.100.1"),  # v4-mapped proxy peer
    ("2001:db8::7", ["198.51.100.1"], PROXIES, "2001:db8::7"),
    ("10.0.0.2", ["9" * 5000], PROXIES, "10.0.0.2"),  # very long junk
    ("10.0.0.2", [",".join(["10.0.0.3"] * 200)], PROXIES, "10.0.0.3"),  # long trusted chain
    ("testclient", ["198.51.100.1"], PROXIES, "testclient"),  # non-IP transport
    (None, ["198.51.100.1"], PROXIES, "unknown"),
]


@pytest.mark.parametrize(
    ("peer", "xff", "proxies", "expected"),
    CASES,
    ids=[f"{c[0]}|{'|'.join(c[1])[:40]}|{len(c[2])}" for c in CASES],
)
def test_client_ip(peer: str | None, xff: list[str], proxies: Any, expected: str) -> None:
    assert client_ip(scope(peer, *xff), proxies) == expected


TRUNCATIONS = [
    ("203.0.113.77", "203.0.113.0"),
    ("203.0.113.0", "203.0.113.0"),
    ("10.1.2.3", "10.1.2.0"),
    ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"),
    ("2001:db8::1", "2001:db8::"),
    ("::1", "::"),
    ("::ffff:203.0.113.77", "203.0.113.0"),
    ("198.51.100.9:8080", "198.51.100.0"),
    ("[2001:db8:aa:bb::1]:443", "2001:db8:aa::"),
    ("unknown", "unknown"),
    ("", "unknown"),
    ("300.1.1.1", "unknown"),
    ("alice@example.com", "unknown"),
]


@pytest.mark.parametrize(
    ("ip", "expected"), TRUNCATIONS, ids=[t[0] or "empty" for t in TRUNCATIONS]
)
def test_truncate_ip(ip: str, expected: str) -> None:
    assert truncate_ip(ip) == expected


def test_parse_ip_refuses_garbage() -> None:
    for junk in ("", "unknown", "1.2.3", "[::1", "[::1]x", "1.2.3.4:5:6", "_hidden", "a" * 100):
        assert parse_ip(junk) is None, junk


def test_clients_behind_a_trusted_proxy_each_get_their_own_budget(
    redis_url: str, data_dir: Path
) -> None:
    """Through a real server on loopback (the proxy): per-IP limits follow X-Forwarded-For."""
    settings = settings_for(
        data_dir,
        redis_url,
        limit_per_ip="2/minute",
        trusted_proxies=(ipaddress.ip_network("127.0.0.0/8"),),
    )
    pk = stored_key(settings).key.public_key
    with ServerThread(create_app(settings)) as server, httpx.Client(base_url=server.url) as http:

        def status(forwarded_for: str) -> int:
            headers = {"Origin": SITE, "X-Forwarded-For": forwarded_for}
            return http.get(f"/v1/{pk}/consent/config", headers=headers).status_code

        first = [status("198.51.100.1") for _ in range(2)]
        # A client cannot escape its budget by prepending addresses of its own…
        spoofed = status("203.0.113.9, 198.51.100.1")
        # …while another client behind the same proxy still has its own.
        other = status("198.51.100.2")
    assert first == [200, 200]
    assert spoofed == 429
    assert other == 200


@pytest.mark.parametrize(
    ("ip", "prefix", "expected"),
    [
        ("203.0.113.7", 64, "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", 64, "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", 56, "2001:db8:1::/56"),
        ("2001:db8:1:2::1", 128, "2001:db8:1:2::1/128"),
        ("testclient", 64, "testclient"),
    ],
    ids=["ipv4", "ipv6-64", "ipv6-same-64", "ipv6-56", "ipv6-128", "not-an-ip"],
)
def test_limit_identity(ip: str, prefix: int, expected: str) -> None:
    assert limit_identity(ip, prefix) == expected


def test_ipv6_clients_share_a_budget_per_64_and_ipv4_per_address(data_dir: Path) -> None:
    """A client rotating through its /64 cannot take a fresh per-IP budget with each address."""
    settings = settings_for(
        data_dir, limit_per_ip="2/minute", trusted_proxies=(ipaddress.ip_network("127.0.0.0/8"),)
    )
    pk = stored_key(settings).key.public_key
    with ServerThread(create_app(settings)) as server, httpx.Client(base_url=server.url) as http:

        def status(forwarded_for: str) -> int:
            headers = {"Origin": SITE, "X-Forwarded-For": forwarded_for}
            return http.get(f"/v1/{pk}/consent/config", headers=headers).status_code

        rotating = [status(f"2001:db8:1:2::{n:x}") for n in range(1, 4)]
        neighbour_network = status("2001:db8:1:3::1")
        ipv4 = [status("198.51.100.1"), status("198.51.100.1"), status("198.51.100.2")]
    assert rotating == [200, 200, 429]
    assert neighbour_network == 200
    assert ipv4 == [200, 200, 200]
