"""The settings of the requester's space: how long it stays open, its sessions, the documents
it takes and the limits on its codes and messages.

:class:`SpaceSettings` is a base of :class:`~gateway.requester_settings.RequesterSettings` (so of
:class:`~gateway.settings.Settings`); its fields are read from ``GATEWAY_*`` variables and listed
in ``docs/settings.md`` like every other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


def _setting(default: Any, doc: str, env: str | None = None) -> Any:
    return field(default=default, metadata={"doc": doc, "env": env, "secret": False})


@dataclass(frozen=True)
class SpaceSettings:
    requester_space_days: int = _setting(
        60,
        "Days the requester's space stays open after the request is closed (completed or "
        "refused); after that its link answers as an unknown one.",
        env="REQUESTER_SPACE_DAYS",
    )
    space_session_idle: float = _setting(
        1800.0, "Seconds without a request after which a requester's space session ends."
    )
    space_session_absolute: float = _setting(
        43_200.0, "Seconds after opening after which a requester's space session ends anyway."
    )
    space_document_max_bytes: int = _setting(
        10_485_760, "Largest document (bytes) the requester or the owner may add to a request."
    )
    space_documents_per_request: int = _setting(
        20, "Documents one rights request may hold, both sides together."
    )
    limit_space_per_ip: str = _setting(
        "30/hour;100/day", "Space codes asked for and checked per client IP."
    )
    limit_space_per_email: str = _setting(
        "6/hour;12/day", "Space codes mailed per requester address."
    )
    limit_space_messages_per_ip: str = _setting(
        "20/hour;60/day",
        "Requester messages and documents per key and client IP (key override "
        "`space_messages_per_ip`).",
    )
    limit_space_messages_per_email: str = _setting(
        "10/hour;30/day",
        "Requester messages and documents per key and request address (key override "
        "`space_messages_per_email`).",
    )

    def space_problems(self) -> Iterator[tuple[str, str]]:
        """``(variable, what is wrong)`` for each space setting that cannot work."""
        if not 0 <= self.requester_space_days <= 3650:
            yield "REQUESTER_SPACE_DAYS", "must be between 0 and 3650 days"
        if not 60 <= self.space_session_idle <= self.space_session_absolute:
            yield (
                "SPACE_SESSION_IDLE",
                "must be at least 60 s and at most GATEWAY_SPACE_SESSION_ABSOLUTE",
            )
        if not self.space_session_absolute <= 7 * 86_400:
            yield "SPACE_SESSION_ABSOLUTE", "must be at most 7 days"
        if not 1024 <= self.space_document_max_bytes <= 100 * 1_048_576:
            yield "SPACE_DOCUMENT_MAX_BYTES", "must be between 1 KiB and 100 MiB"
        if not 1 <= self.space_documents_per_request <= 200:
            yield "SPACE_DOCUMENTS_PER_REQUEST", "must be between 1 and 200"
