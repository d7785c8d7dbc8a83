"""The settings of outgoing webhooks: how hard deliveries are tried, and which addresses an
endpoint may point at.

:class:`WebhookSettings` is a base of :class:`~gateway.settings.Settings` (its fields are read
from ``GATEWAY_*`` variables and listed in ``docs/settings.md`` like every other), kept apart so
that each group of settings stays a readable size.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _setting(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc, "env": None, "secret": False})


def parse_networks(raw: str | None) -> tuple[Network, ...]:
    """The CIDRs of a comma-separated list; raises ``ValueError`` for one that is not a CIDR."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in (raw or "").split(",")
        if part.strip()
    )


@dataclass(frozen=True)
class WebhookSettings:
    webhook_timeout: float = _setting(
        10.0, "Seconds a webhook receiver may take to answer one delivery attempt."
    )
    webhook_max_attempts: int = _setting(
        12, "Attempts of one webhook delivery before it is dead-lettered (replayable)."
    )
    webhook_backoff: float = _setting(
        30.0, "Seconds before the second attempt of a webhook delivery; doubled for each one after."
    )
    webhook_backoff_max: float = _setting(
        21_600.0, "Longest wait between two attempts of a webhook delivery, seconds."
    )
    webhook_poll_interval: float = _setting(
        1.0, "Seconds between two looks at the webhook deliveries that came due (every instance)."
    )
    webhook_allow_loopback: bool = _setting(
        False,
        "Let webhook endpoints point at loopback addresses (`127.0.0.1`, `::1`, `localhost`), "
        "over `http://` too. For development only.",
    )
    webhook_allow_networks: str | None = _setting(
        None,
        "CIDRs, comma-separated, that webhook endpoints may reach although they are not public "
        "(`10.20.0.0/16` for a receiver inside your network). Unset: public addresses only.",
    )
    webhook_overdue_soon_days: int = _setting(
        7, "Days before a rights request's due date at which `rights_request.overdue_soon` fires."
    )
    webhook_secret_grace: float = _setting(
        86_400.0,
        "Seconds a webhook endpoint's previous signing secret still signs (beside the new one) "
        "after a rotation.",
    )

    def webhook_problems(self) -> Iterator[tuple[str, str]]:
        """``(variable, what is wrong)`` for each webhook setting that cannot work."""
        if not 0 < self.webhook_timeout <= 60:
            yield "WEBHOOK_TIMEOUT", "must be between 0 and 60 seconds"
        if not 1 <= self.webhook_max_attempts <= 50:
            yield "WEBHOOK_MAX_ATTEMPTS", "must be between 1 and 50"
        if not 0 < self.webhook_backoff <= self.webhook_backoff_max:
            yield (
                "WEBHOOK_BACKOFF",
                "must be positive and at most GATEWAY_WEBHOOK_BACKOFF_MAX",
            )
        if not 0 < self.webhook_poll_interval <= 60:
            yield "WEBHOOK_POLL_INTERVAL", "must be between 0 and 60 seconds"
        if not 1 <= self.webhook_overdue_soon_days <= 60:
            yield "WEBHOOK_OVERDUE_SOON_DAYS", "must be between 1 and 60 days"
        if not 0 <= self.webhook_secret_grace <= 30 * 86_400:
            yield "WEBHOOK_SECRET_GRACE", "must be between 0 and 30 days"
        try:
            parse_networks(self.webhook_allow_networks)
        except ValueError:
            yield "WEBHOOK_ALLOW_NETWORKS", "must be CIDRs, comma-separated (10.20.0.0/16)"

    @property
    def webhook_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.webhook_allow_networks)
