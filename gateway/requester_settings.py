"""The settings of the requester's side of a rights request: how many they may send, the
e-mailed code that confirms their address, its reminder and expiry, and the limits on codes
(the space's own settings are its base, :class:`~gateway.space_settings.SpaceSettings`).

:class:`RequesterSettings` is a base of :class:`~gateway.settings.Settings` (its fields are read
from ``GATEWAY_*`` variables and listed in ``docs/settings.md`` like every other), kept apart so
that each group of settings stays a readable size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from gateway.space_settings import SpaceSettings


def _setting(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc, "env": None, "secret": False})


@dataclass(frozen=True)
class RequesterSettings(SpaceSettings):
    limit_rights_per_ip: str = _setting("5/hour;20/day", "Rights requests per key and client IP.")
    limit_rights_per_email: str = _setting(
        "3/hour;10/day", "Rights requests per key and email address."
    )
    rights_token_min_age: float = _setting(
        2.0, "Seconds a rights form must be open before it may be sent (quicker looks like a bot)."
    )
    rights_token_max_age: float = _setting(
        86_400.0, "Seconds a rights form token stays valid (the widget fetches a new one after)."
    )
    rights_duplicate_window: float = _setting(
        86_400.0, "Seconds during which the same rights request sent again gets the same reference."
    )
    verify_code_ttl: float = _setting(
        600.0, "Seconds the 6-digit code mailed to a rights requester stays valid."
    )
    verify_max_attempts: int = _setting(
        5, "Wrong tries of one code before it stops working (a new code can be asked for)."
    )
    verify_resend_interval: float = _setting(
        60.0, "Seconds a requester waits before asking for another code."
    )
    verify_reminder_after: float = _setting(
        86_400.0,
        "Seconds after which a requester who has not confirmed their address gets one reminder "
        "with a new code.",
    )
    verify_expire_after: float = _setting(
        604_800.0,
        "Seconds after which a rights request whose address was never confirmed is deleted "
        "(run by the records jobs).",
    )
    limit_verify_per_ip: str = _setting(
        "30/hour;100/day", "Code checks and re-sends per key and client IP."
    )
    limit_verify_per_email: str = _setting(
        "6/hour;12/day", "Codes mailed per key and requester address (first ones included)."
    )
    agent_document_max_bytes: int = _setting(
        5_242_880,
        "Largest authorisation document (PDF, PNG or JPEG) an authorised agent may send with a "
        "rights request, in bytes.",
    )

    def requester_problems(self) -> Iterator[tuple[str, str]]:
        """``(variable, what is wrong)`` for each requester setting that cannot work."""
        if not 60 <= self.verify_code_ttl <= 86_400:
            yield "VERIFY_CODE_TTL", "must be between 60 s and one day"
        if not 1 <= self.verify_max_attempts <= 20:
            yield "VERIFY_MAX_ATTEMPTS", "must be between 1 and 20"
        if not 0 <= self.verify_resend_interval <= 3600:
            yield "VERIFY_RESEND_INTERVAL", "must be between 0 and 3600 s"
        if not 3600 <= self.verify_reminder_after < self.verify_expire_after:
            yield (
                "VERIFY_REMINDER_AFTER",
                "must be at least one hour and below GATEWAY_VERIFY_EXPIRE_AFTER",
            )
        if not self.verify_expire_after <= 90 * 86_400:
            yield "VERIFY_EXPIRE_AFTER", "must be at most 90 days"
        if not 1024 <= self.agent_document_max_bytes <= 20 * 1_048_576:
            yield "AGENT_DOCUMENT_MAX_BYTES", "must be between 1 KB and 20 MB"
        yield from self.space_problems()
