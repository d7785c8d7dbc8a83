"""The settings of the owner's side: the console's address, sign-in, sessions, invitations, and
the services an owner's API calls may be forwarded to.

:class:`OwnerSettings` is a base of :class:`~gateway.settings.Settings` (its fields are read from
``GATEWAY_*`` variables and listed in ``docs/settings.md`` like every other), kept apart so that
each group of settings stays a readable size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


def _setting(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc, "env": None, "secret": False})


@dataclass(frozen=True)
class OwnerSettings:
    public_url: str = _setting(
        "http://127.0.0.1:8000",
        "The gateway's public base URL, for the links in invitation and password-reset e-mails.",
    )
    limit_sign_in: str = _setting(
        "10/minute;100/hour",
        "Console sign-in attempts per client address (IPv6: per /64), counted before the password "
        "is checked.",
    )
    session_idle_seconds: float = _setting(
        1800.0, "Seconds without a request after which a console session ends."
    )
    session_max_seconds: float = _setting(
        43_200.0, "Seconds after sign-in after which a console session ends, however active."
    )
    invitation_ttl_seconds: float = _setting(
        7 * 86_400.0, "Seconds an invitation link stays valid."
    )
    records_jobs_interval: float = _setting(
        3600.0,
        "Seconds between rounds of the records store's jobs (retention purge, due-soon e-mails "
        "to owners); one instance of the fleet runs each round.",
    )
    api_upstream_consents: str | None = _setting(
        None, "Service that answers `/api/v1/consents…` (forwarded with the gateway assertion)."
    )
    api_upstream_rights: str | None = _setting(
        None, "Service that answers `/api/v1/rights…` (forwarded with the gateway assertion)."
    )
    api_upstream_webhooks: str | None = _setting(
        None, "Service that answers `/api/v1/webhooks…` (forwarded with the gateway assertion)."
    )

    def owner_problems(self) -> Iterator[tuple[str, str]]:
        """``(variable, what is wrong)`` for each owner-side setting that cannot work."""
        if not 60 <= self.session_idle_seconds <= self.session_max_seconds <= 30 * 86_400:
            yield (
                "SESSION_IDLE_SECONDS",
                "must be at least 60 and at most GATEWAY_SESSION_MAX_SECONDS (at most 30 days)",
            )
        if not 60 <= self.records_jobs_interval <= 86_400:
            yield "RECORDS_JOBS_INTERVAL", "must be between 60 s and one day"
        if not 60 <= self.invitation_ttl_seconds <= 30 * 86_400:
            yield "INVITATION_TTL_SECONDS", "must be between 60 s and 30 days"
        if not self.public_url.startswith(("https://", "http://")) or "?" in self.public_url:
            yield "PUBLIC_URL", "must be an http(s):// base URL without a query"
