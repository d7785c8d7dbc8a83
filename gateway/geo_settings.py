"""The settings of the visitor's location, which picks a consent banner variant (geo rules).

:class:`GeoSettings` is a base of :class:`~gateway.settings.Settings` (its fields are read from
``GATEWAY_*`` variables and listed in ``docs/settings.md`` like every other), kept apart so that
each group of settings stays a readable size. The location comes from a header the operator's
edge writes (read only on requests from ``GATEWAY_TRUSTED_PROXIES``), else from a MaxMind-format
database file looked up with the client's address; it is used for one answer and never stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# An HTTP field name (RFC 9110 token).
_FIELD_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}")


def _setting(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc, "env": None, "secret": False})


@dataclass(frozen=True)
class GeoSettings:
    geo_country_header: str | None = _setting(
        None,
        "Header in which the trusted edge names the visitor's country (ISO 3166-1 alpha-2), "
        "e.g. `CF-IPCountry` or `CloudFront-Viewer-Country`. Read only on requests from "
        "`GATEWAY_TRUSTED_PROXIES`.",
    )
    geo_region_header: str | None = _setting(
        None,
        "Header with the visitor's subdivision, `CA` or `US-CA` (e.g. "
        "`CloudFront-Viewer-Country-Region`); needs `GATEWAY_GEO_COUNTRY_HEADER`.",
    )
    geo_database: Path | None = _setting(
        None,
        "A MaxMind-format database file (GeoLite2/GeoIP2 Country or City, `.mmdb`) to locate "
        "visitors by address when no trusted header says where they are.",
    )

    def geo_problems(self, trusted_proxies: Sequence[object]) -> Iterator[tuple[str, str]]:
        """``(variable, what is wrong)`` for each location setting that cannot work."""
        for variable, name in (
            ("GEO_COUNTRY_HEADER", self.geo_country_header),
            ("GEO_REGION_HEADER", self.geo_region_header),
        ):
            if name is not None and not _FIELD_NAME.fullmatch(name):
                yield variable, "must be an HTTP header name such as CF-IPCountry"
        if self.geo_region_header is not None and self.geo_country_header is None:
            yield "GEO_REGION_HEADER", "needs GATEWAY_GEO_COUNTRY_HEADER"
        if self.geo_country_header is not None and not trusted_proxies:
            # A location header from anyone is whatever the client writes: never read it so.
            yield "GEO_COUNTRY_HEADER", "needs GATEWAY_TRUSTED_PROXIES (the edge that writes it)"
        if self.geo_database is not None and not self.geo_database.is_file():
            yield "GEO_DATABASE", "no such file"
