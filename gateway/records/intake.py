"""What a newly stored rights request brings with it, written in the same transaction as its row:
the ``received`` event of its history, the halves' row of an agent's request, and the first
verification code of a request whose requester confirms their address.

One transaction for all of it: a request is never stored without its code (it could not be
confirmed) nor a code without its request, and the group commit of the rights sink carries many
requests' rows in one commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gateway.records import agents
from gateway.records.tables import rights_agents, rights_events, rights_verifications
from gateway.rights.requests import RightsRequest

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


async def record_arrivals(
    conn: AsyncConnection,
    fresh: Sequence[Mapping[str, Any]],
    requests: Mapping[str, RightsRequest],
) -> None:
    """Write the rows that go with ``fresh``, the rows of the requests just inserted."""
    if not fresh:
        return
    await conn.execute(
        rights_events.insert(),
        [
            {
                "reference": row["reference"],
                "from_status": None,
                "to_status": row["status"],
                "actor": "gateway",
                "note": None,
                "at": row["received_at"],
            }
            for row in fresh
        ],
    )
    # An agent's request waiting for confirmation gets its halves' row with it: it can never be
    # confirmed as if its agent were the person.
    new_refs = {row["reference"] for row in fresh}
    by_agents = [{"reference": r["reference"]} for r in fresh if agents.waits(r, new_refs)]
    if by_agents:
        await conn.execute(rights_agents.insert(), by_agents)
    codes = [code_row(requests[row["reference"]]) for row in fresh]
    opened = [row for row in codes if row is not None]
    if opened:
        await conn.execute(rights_verifications.insert(), opened)


def code_row(request: RightsRequest) -> dict[str, Any] | None:
    """The ``rights_verifications`` row of a request that arrives with its first code."""
    if request.email_verified or request.code is None:
        return None
    code_hash, expires_at = request.code
    return {
        "reference": request.reference,
        "code_hash": code_hash,
        "code_expires_at": expires_at,
        "attempts": 0,
        "sends": 1,
        "sent_at": request.received_at,
    }
