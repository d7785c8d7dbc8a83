"""Where a visitor is: a country and maybe a subdivision, for the consent banner's geo rules.

Two sources, in order:

1. the headers the operator's edge writes (``GATEWAY_GEO_COUNTRY_HEADER``, ``…_REGION_HEADER``:
   ``CF-IPCountry``, ``CloudFront-Viewer-Country`` and ``-Region``), believed only when the socket
   peer is a trusted proxy (:mod:`gateway.web.clientip`): from anyone else they are whatever the
   client wrote;
2. a MaxMind-format database (``GATEWAY_GEO_DATABASE``, GeoLite2/GeoIP2 Country or City), looked
   up with the client's address as :func:`~gateway.web.clientip.client_ip` tells it.

A :class:`Location` lives for one request: it is never stored, logged or sent back. Values that
are not ISO codes (``XX`` for unknown, ``T1`` for Tor) count as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Any

import maxminddb
from starlette.types import Scope

from gateway.web.clientip import from_trusted_proxy, parse_ip

_COUNTRY = re.compile(r"[A-Z]{2}")
_PART = re.compile(r"[A-Z0-9]{1,3}")
NOT_A_COUNTRY = frozenset({"XX", "ZZ", "EU", "AP"})  # unknown, or a continent


@dataclass(frozen=True)
class Location:
    """A visitor's country (ISO 3166-1 alpha-2) and subdivision (ISO 3166-2, ``US-CA``)."""

    country: str | None = None
    subdivision: str | None = None

    @property
    def known(self) -> bool:
        return self.country is not None


UNKNOWN = Location()


def location_of(country: Any, region: Any = None) -> Location:
    """A location from codes as edges and databases write them (``us`` and ``ca`` or ``US-CA``)."""
    code = country.strip().upper() if isinstance(country, str) else ""
    if not _COUNTRY.fullmatch(code) or code in NOT_A_COUNTRY:
        return UNKNOWN
    part = region.strip().upper() if isinstance(region, str) else ""
    part = part.removeprefix(code + "-")
    return Location(code, f"{code}-{part}" if _PART.fullmatch(part) else None)


class Locator:
    """Locates requests; holds the open database, if any, until :meth:`close`."""

    def __init__(
        self,
        trusted_proxies: Sequence[IPv4Network | IPv6Network],
        country_header: str | None = None,
        region_header: str | None = None,
        database: Path | None = None,
    ) -> None:
        self._proxies = tuple(trusted_proxies)
        self._country = country_header.lower().encode("latin-1") if country_header else None
        self._region = region_header.lower().encode("latin-1") if region_header else None
        self._reader = maxminddb.open_database(str(database)) if database else None

    @property
    def enabled(self) -> bool:
        return self._country is not None or self._reader is not None

    def locate(self, scope: Scope, client_ip: str) -> Location:
        """Where the client of this request is; :data:`UNKNOWN` when no source says."""
        if self._country is not None and from_trusted_proxy(scope, self._proxies):
            country = region = None
            for name, value in scope.get("headers", ()):
                if name == self._country:
                    country = value.decode("latin-1")
                elif name == self._region:
                    region = value.decode("latin-1")
            found = location_of(country, region)
            if found.known:
                return found
        if self._reader is None or parse_ip(client_ip) is None:
            return UNKNOWN
        try:
            record = self._reader.get(client_ip)
        except ValueError:
            return UNKNOWN
        return _from_record(record)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def _from_record(record: Any) -> Location:
    # GeoIP2/GeoLite2 Country and City records: {"country": {"iso_code"}, "subdivisions": [...]}.
    if not isinstance(record, dict):
        return UNKNOWN
    country = record.get("country")
    subdivisions = record.get("subdivisions")
    region = None
    if isinstance(subdivisions, list) and subdivisions and isinstance(subdivisions[0], dict):
        region = subdivisions[0].get("iso_code")
    return location_of(country.get("iso_code") if isinstance(country, dict) else None, region)
