"""Private keys that show up where browsers are: refused, and the key flagged as exposed.

A private key (``sk_…``) in a widget path, a query string, or a request carrying an ``Origin``
header has been put into a web page, where anyone can read it. The gateway refuses it, never
answers it with CORS headers, marks the key exposed (visible to its owner), counts it, and logs the
event with the public key only — never the secret. The first sighting is announced to the
account's webhook endpoints that want ``key.exposed``.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import TYPE_CHECKING

from gateway.errors import GatewayError, KeyChanged
from gateway.keys.model import PRIVATE_PREFIX, is_well_formed

if TYPE_CHECKING:
    from gateway.services import Services

log = logging.getLogger("gateway.keys")
_CANDIDATE = re.compile(r"sk_[a-z2-7]{38}")


def scan_for_private_key(*texts: str) -> str | None:
    """The first well-formed private key found in ``texts``, if any."""
    for text in texts:
        if "sk_" not in text:
            continue
        for match in _CANDIDATE.finditer(text):
            if is_well_formed(match.group(0), PRIVATE_PREFIX):
                return match.group(0)
    return None


async def report_exposed_key(services: Services, private_key: str, where: str) -> None:
    """Flag the key that owns ``private_key`` as exposed (best effort; never raises).

    The first sighting is written to the key's audit trail; with ``revoke_exposed_keys`` the key
    is also revoked at once (a second audit event, by the actor ``gateway``).
    """
    from gateway.keys import changes as key_admin
    from gateway.keys.audit import AuditEvent, audit_log

    try:
        key = await services.store.find_by_private_key(private_key)
        if key is None:
            return  # well formed but nobody's: anyone can make one, so it counts nothing
        services.metrics.private_key_exposed.labels(where=where).inc()
        log.warning("private key of %s seen in a %s; key flagged as exposed", key.public_key, where)
        first_sighting = key.exposed_at is None
        if first_sighting:
            now = services.clock()
            flagged = dataclasses.replace(key, exposed_at=now, updated_at=now)
            # Conditional: a revocation written meanwhile must not be undone by this flag.
            await services.store.put(flagged, replaces=key)
            key = flagged
            await audit_log(services).record(
                AuditEvent(
                    at=now,
                    public_key=key.public_key,
                    account=key.account,
                    action="exposed",
                    actor="gateway",
                    changes={"where": where},
                )
            )
        revoke = services.settings.revoke_exposed_keys and key.active
        if revoke:
            await key_admin.revoke(
                services.store,
                audit_log(services),
                key,
                "gateway",
                services.clock(),
                reason="private key exposed",
            )
            log.warning("key %s revoked: its private key was exposed", key.public_key)
        if first_sighting and services.webhooks is not None:
            at = key.exposed_at or services.clock()
            await services.webhooks.key_exposed(
                key.account, key.public_key, where, at, revoked=revoke
            )
    except KeyChanged:
        log.warning("a private key was seen in a %s; its key changed meanwhile", where)
    except GatewayError:
        log.warning("a private key was seen in a %s; the store is unreachable", where)
