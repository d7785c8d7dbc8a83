"""A scan report built by hand (no browser): Google Analytics' cookie set before any choice."""

from __future__ import annotations

from typing import Any

from gateway.consent.config import parse_config
from gateway.scanner import report
from gateway.scanner.model import Banner, Observations, Page, Phase, SeenCookie

CONFIG = parse_config(
    {
        "categories": [
            {"id": "necessary", "required": True},
            {"id": "analytics", "services": [{"id": "ga", "name": "GA", "cookies": ["_ga"]}]},
        ]
    }
)
SCANNED_AT = 1_800_000_000.0  # 2027-01-15T08:00:00Z


def leaky_report(
    public_key: str, scanned_at: float = SCANNED_AT, leaks: bool = True
) -> dict[str, Any]:
    """The JSON of a scan of https://shop.example against ``public_key``'s config."""
    ga = SeenCookie("_ga", "shop.example", "/", None, False, False, "Lax", False, True, "/leaky")
    observations = Observations(
        site="https://shop.example",
        pages=(Page("/", 200), Page("/leaky", 200)),
        banner=Banner(True, public_key, "https://gw.example", "wg_consent"),
        phases=(
            Phase("before_consent", True, cookies=(ga,) if leaks else ()),
            Phase("after_reject", True),
            Phase("after_accept", True, cookies=(ga,)),
        ),
    )
    used = report.ConfigUsed("key", CONFIG, public_key)
    return report.build(observations, used, scanned_at).to_json()
