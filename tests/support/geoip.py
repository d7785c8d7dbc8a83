"""Small MaxMind-format databases for the geo tests, written with ``mmdb-writer``.

The records have the shape of GeoLite2/GeoIP2 City (``country.iso_code``,
``subdivisions[].iso_code``), so the gateway reads them exactly as it reads MaxMind's own files.
Documentation ranges (RFC 5737, RFC 3849) stand in for real networks.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet

# network -> (country, subdivision or None)
NETWORKS: Mapping[str, tuple[str, str | None]] = {
    "192.0.2.0/24": ("US", "CA"),  # a visitor in California
    "198.51.100.0/24": ("FR", "IDF"),  # in France
    "203.0.113.0/25": ("JP", None),  # in Japan
    "203.0.113.128/25": ("CA", "QC"),  # in Quebec
    "2001:db8:1::/48": ("DE", "BE"),  # in Germany, over IPv6
}


def write_database(path: Path, networks: Mapping[str, tuple[str, str | None]] = NETWORKS) -> Path:
    writer = MMDBWriter(ip_version=6, database_type="GeoIP2-City", ipv4_compatible=True)
    for network, (country, subdivision) in networks.items():
        record: dict[str, object] = {"country": {"iso_code": country}}
        if subdivision:
            record["subdivisions"] = [{"iso_code": subdivision}]
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(str(path))
    return path
