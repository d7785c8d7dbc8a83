"""Changing keys on an owner's behalf: create, update, roll, revoke — each one audited.

The admin API and the CLI both go through these functions, so a key changes the same way whoever
changes it, and every change leaves an :class:`~gateway.keys.audit.AuditEvent`. The store's ``put``
tells every gateway instance to drop its cached copy, so a change is enforced everywhere within
the time a Redis pub/sub message takes.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

from gateway.consent.cookie_domain import origins_problem, parse_cookie_domain
from gateway.errors import GatewayError, InvalidPayload, KeyAlreadyRevoked, KeyNotFound
from gateway.keys import problems as key_problems
from gateway.keys.audit import AuditEvent, AuditLog
from gateway.keys.model import (
    PUBLIC_PREFIX,
    ApiKey,
    NewKey,
    create_key,
    decode_record,
    is_well_formed,
    revoke_key,
    roll_key,
)
from gateway.keys.origins import InvalidOrigin, parse_rule
from gateway.keys.store import KeyStore
from gateway.keys.validation import KeyFields
from gateway.problems import Problems

# Fields whose old and new values are worth writing into the trail as they are; widget configs
# can be large, so the trail only says that they changed.
_DIFFED = ("name", "origins", "redirect_uris", "widgets", "limits", "scopes")


async def load_key(store: KeyStore, public_key: str) -> ApiKey:
    if not is_well_formed(public_key, PUBLIC_PREFIX):
        raise KeyNotFound("that is not a well-formed public key (pk_…)")
    key = await store.get(public_key)
    if key is None:
        raise KeyNotFound("no key with this public key exists")
    return key


async def create(
    store: KeyStore, audit: AuditLog, account: str, fields: KeyFields, actor: str, now: float
) -> NewKey:
    """A new key for ``account``; its private key is in the result, and nowhere else."""
    blank = create_key(account, fields.values.get("name", ""), now=now)
    new = NewKey(fields.apply(blank.key), blank.private_key)
    _require_readable(new.key)
    check_cookie_domain(new.key)
    snapshot = {name: _plain(getattr(new.key, name)) for name in _DIFFED}
    snapshot.update(
        {
            name: "set"
            for name in ("consent_config", "rights_config")
            if getattr(new.key, name) is not None
        }
    )
    # The trail first: a key whose creation could not be audited is never written, and a trail
    # entry for a key whose write then failed names a key nobody holds.
    await audit.record(_event(new.key, "created", actor, now, snapshot))
    await store.put(new.key)
    return new


async def update(
    store: KeyStore, audit: AuditLog, key: ApiKey, fields: KeyFields, actor: str, now: float
) -> ApiKey:
    _require_active(key)
    changed = fields.apply(key)
    check_cookie_domain(changed)
    changes: dict[str, Any] = {}
    for name in fields.given:
        before, after = getattr(key, name), getattr(changed, name)
        if before == after:
            continue
        if name in _DIFFED:
            changes[name] = {"from": _plain(before), "to": _plain(after)}
        else:
            changes[name] = "changed"
    if not changes:
        return key  # nothing to write, nothing to audit
    changed = replace(changed, updated_at=now)
    await _commit(store, audit, changed, key, _event(changed, "updated", actor, now, changes))
    return changed


async def roll(
    store: KeyStore, audit: AuditLog, key: ApiKey, grace_seconds: float, actor: str, now: float
) -> NewKey:
    """A new private key; the ones valid now stay valid for ``grace_seconds`` more."""
    _require_active(key)
    new = roll_key(key, grace_seconds, now=now)
    await _commit(
        store,
        audit,
        new.key,
        key,
        _event(
            new.key,
            "rolled",
            actor,
            now,
            {
                "grace_seconds": grace_seconds,
                "previous_expire_at": now + grace_seconds,
                "valid_private_keys": len(new.key.private_keys),
            },
        ),
    )
    return new


async def revoke(
    store: KeyStore, audit: AuditLog, key: ApiKey, actor: str, now: float, reason: str | None = None
) -> ApiKey:
    """Revoke ``key`` everywhere; revoking a revoked key changes nothing."""
    if not key.active:
        return key
    revoked = revoke_key(key, now=now)
    event = _event(revoked, "revoked", actor, now, {"reason": reason} if reason else {})
    await _commit(store, audit, revoked, key, event)
    return revoked


async def set_account_suspended(
    store: KeyStore, audit: AuditLog, key: ApiKey, suspended: bool, actor: str, now: float
) -> ApiKey:
    """Mark ``key`` as belonging to a suspended account (refused everywhere), or clear it."""
    if (key.account_suspended_at is not None) == suspended:
        return key
    changed = replace(key, account_suspended_at=now if suspended else None, updated_at=now)
    change = {"from": not suspended, "to": suspended}
    await _commit(
        store,
        audit,
        changed,
        key,
        _event(changed, "updated", actor, now, {"account_suspended": change}),
    )
    return changed


async def _commit(
    store: KeyStore, audit: AuditLog, key: ApiKey, replaces: ApiKey, event: AuditEvent
) -> None:
    """Write ``key`` over ``replaces`` and audit it, or neither: a change whose trail entry cannot
    be written is undone, so a 5xx never leaves a change applied but unrecorded."""
    _require_readable(key)
    await store.put(key, replaces=replaces)
    try:
        await audit.record(event)
    except GatewayError:
        with contextlib.suppress(GatewayError):
            await store.put(replaces, replaces=key)
        raise


def check_cookie_domain(key: ApiKey) -> None:
    """Refuse a consent ``cookie_domain`` that none of the key's origins is under.

    Checked on the key as it would be saved, so changing either the config or the origins
    alone cannot leave a domain that fits no origin (rule: ``gateway.consent.cookie_domain``).
    """
    raw = (key.consent_config or {}).get("cookie_domain")
    domain = parse_cookie_domain(raw, Problems()) if raw is not None else None
    if domain is None:
        return  # absent, or refused by the config's own validation
    hosts = []
    for text in key.origins:
        with contextlib.suppress(InvalidOrigin):
            rule = parse_rule(text)
            hosts.append((rule.host, rule.wildcard))
    problem = origins_problem(domain, hosts)
    if problem is not None:
        problems = Problems()
        problems.add("consent_config.cookie_domain", key_problems.InvalidWidgetConfig.code, problem)
        problems.raise_if_any(
            "The consent cookie's domain must cover the key's origins.",
            key_problems.InvalidWidgetConfig,
        )


def _require_readable(key: ApiKey) -> None:
    # Validation refuses what would break; this is the last line before the store.
    if decode_record(key.to_json()) is None:
        raise InvalidPayload("the key would not be readable once stored")


def _require_active(key: ApiKey) -> None:
    if not key.active:
        raise KeyAlreadyRevoked("a revoked key cannot be changed; create a new key instead")


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def _event(key: ApiKey, action: Any, actor: str, now: float, changes: dict[str, Any]) -> AuditEvent:
    return AuditEvent(
        at=now,
        public_key=key.public_key,
        account=key.account,
        action=action,
        actor=actor,
        changes=changes,
    )
