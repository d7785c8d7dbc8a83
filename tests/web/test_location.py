"""Where a request comes from: a trusted edge's headers, else a MaxMind-format database."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.types import Scope

from gateway.web.clientip import client_ip
from gateway.web.location import UNKNOWN, Location, Locator
from tests.support.geoip import write_database

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8"))


def scope(peer: str, **headers: str) -> Scope:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return {"type": "http", "client": (peer, 1234), "headers": raw}


@pytest.fixture
def locator(tmp_path: Path) -> Iterator[Locator]:
    found = Locator(PROXIES, "CF-IPCountry", "CF-Region", write_database(tmp_path / "g.mmdb"))
    yield found
    found.close()


def where(locator: Locator, request: Scope) -> Location:
    return locator.locate(request, client_ip(request, PROXIES))


@pytest.mark.parametrize(
    ("request_scope", "expected"),
    [
        (scope("10.0.0.5", **{"CF-IPCountry": "us", "CF-Region": "tx"}), Location("US", "US-TX")),
        (scope("fd00::1", **{"CF-IPCountry": "GB"}), Location("GB")),
        # The edge does not know (XX): the database, with the address the edge forwarded.
        (
            scope("10.0.0.5", **{"CF-IPCountry": "XX", "X-Forwarded-For": "192.0.2.80"}),
            Location("US", "US-CA"),
        ),
        # Straight from a client: its header is ignored, its own address looked up.
        (scope("203.0.113.140", **{"CF-IPCountry": "US"}), Location("CA", "CA-QC")),
        (scope("2001:db8:1::77"), Location("DE", "DE-BE")),
        (scope("203.0.113.9"), Location("JP")),
        (scope("100.64.0.1"), UNKNOWN),  # not in the database
        (scope("testclient"), UNKNOWN),  # no IP socket
    ],
    ids=[
        "edge-header",
        "edge-over-ipv6",
        "edge-unsure-database",
        "untrusted-header",
        "ipv6-database",
        "country-only",
        "not-found",
        "no-address",
    ],
)
def test_locations(locator: Locator, request_scope: Scope, expected: Location) -> None:
    assert where(locator, request_scope) == expected


def test_without_sources_nobody_is_located() -> None:
    nothing = Locator(PROXIES)
    assert not nothing.enabled
    assert where(nothing, scope("10.0.0.5", **{"CF-IPCountry": "US"})) == UNKNOWN
