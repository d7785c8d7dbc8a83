"""Retention: consent proofs kept N months, rights requests anonymised N days after closure.

Each account may set its own rules (``retention_rules``); an account without a row gets the
defaults: 13 months for consent proofs (the CNIL's guidance for keeping proof of consent) and
365 days after closure for rights requests (well past the 60 days the requester's space stays
open after closure). The daily rollups are counts, not personal data, and are kept.

Anonymising a request keeps what proves how it was handled (reference, type, law, status, dates
and the history's kinds, actors and times) and removes what identifies the requester: the
e-mail, every field of the form, the message, the notes and reason of its history, the
messages written to them and the documents both ways (with the requester's space's codes and
sessions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, delete, func, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.errors import InvalidPayload
from gateway.records import agents
from gateway.records.deadlines import add_months
from gateway.records.tables import (
    consent_records,
    retention_rules,
    rights_documents,
    rights_events,
    rights_messages,
    rights_requests,
    rights_space_codes,
    rights_space_sessions,
)

if TYPE_CHECKING:
    from gateway.records.store import RecordStore

DEFAULT_CONSENT_MONTHS = 13
DEFAULT_RIGHTS_DAYS = 365
MAX_CONSENT_MONTHS = 120
MAX_RIGHTS_DAYS = 3650
# Anonymised rows keep this in place of the address (the column is required).
NO_EMAIL = ""


@dataclass(frozen=True)
class RetentionRule:
    consent_months: int = DEFAULT_CONSENT_MONTHS
    rights_days: int = DEFAULT_RIGHTS_DAYS


DEFAULT_RULE = RetentionRule()


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed (or, in a dry run, would remove)."""

    consents_deleted: int
    rights_anonymised: int
    dry_run: bool = False


async def rule_for(store: RecordStore, account: str) -> RetentionRule:
    query = select(retention_rules).where(retention_rules.c.account == account)
    async with store.reading() as conn:
        row = (await conn.execute(query)).first()
    return DEFAULT_RULE if row is None else RetentionRule(row.consent_months, row.rights_days)


async def set_rule(store: RecordStore, account: str, rule: RetentionRule) -> None:
    """Keep ``rule`` for ``account``; refuses periods out of range."""
    if not 1 <= rule.consent_months <= MAX_CONSENT_MONTHS:
        raise InvalidPayload(
            f"consent_months must be 1 to {MAX_CONSENT_MONTHS}",
            errors=[{"field": "consent_months", "message": "out of range"}],
        )
    if not 0 <= rule.rights_days <= MAX_RIGHTS_DAYS:
        raise InvalidPayload(
            f"rights_days must be 0 to {MAX_RIGHTS_DAYS}",
            errors=[{"field": "rights_days", "message": "out of range"}],
        )
    values = {
        "account": account,
        "consent_months": rule.consent_months,
        "rights_days": rule.rights_days,
        "updated_at": store.clock(),
    }
    statement = store.insert_statement(retention_rules).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["account"], set_={k: v for k, v in values.items() if k != "account"}
    )
    async with store.writing() as conn:
        await conn.execute(statement)


def consent_cutoff(now: datetime, months: int) -> datetime:
    """The time before which a consent record is older than ``months`` months."""
    day = add_months(now.date(), -months)
    return now.replace(year=day.year, month=day.month, day=day.day)


async def _rules(store: RecordStore) -> dict[str, RetentionRule]:
    async with store.reading() as conn:
        rows = list(await conn.execute(select(retention_rules)))
    return {r.account: RetentionRule(r.consent_months, r.rights_days) for r in rows}


def _per_account(
    rules: dict[str, RetentionRule],
    account: ColumnElement[str],
    older: ColumnElement[bool] | None,
    condition: Callable[[RetentionRule], ColumnElement[bool]],
) -> ColumnElement[bool]:
    """``condition(rule)`` for each account with its own rule, the default's for the rest."""
    parts = [and_(account == name, condition(rule)) for name, rule in rules.items()]
    rest = condition(DEFAULT_RULE)
    parts.append(and_(not_(account.in_(sorted(rules))), rest) if rules else rest)
    where = or_(*parts)
    return where if older is None else and_(older, where)


async def purge(store: RecordStore, *, dry_run: bool = False) -> PurgeReport:
    """Delete consent records past retention and anonymise closed requests past it."""
    now = store.clock()
    rules = await _rules(store)
    c, r = consent_records, rights_requests
    old_consent = _per_account(
        rules,
        c.c.account,
        None,
        lambda rule: c.c.received_at < consent_cutoff(now, rule.consent_months),
    )
    done = _per_account(
        rules,
        r.c.account,
        and_(r.c.closed_at.is_not(None), r.c.anonymised_at.is_(None)),
        lambda rule: r.c.closed_at < now - timedelta(days=rule.rights_days),
    )
    if dry_run:
        async with store.reading() as conn:
            consents = (await conn.execute(select(func.count()).where(old_consent))).scalar_one()
            requests = (await conn.execute(select(func.count()).where(done))).scalar_one()
        return PurgeReport(int(consents), int(requests), dry_run=True)
    async with store.writing() as conn:
        references = list((await conn.execute(select(r.c.reference).where(done))).scalars())
        deleted = (await conn.execute(delete(c).where(old_consent))).rowcount
        if references:
            await _anonymise(conn, references, now)
    return PurgeReport(int(deleted or 0), len(references))


async def _anonymise(conn: AsyncConnection, references: list[str], now: datetime) -> None:
    r = rights_requests
    run = conn.execute
    await run(
        update(r)
        .where(r.c.reference.in_(references))
        .values(email=NO_EMAIL, identity={}, message=None, extension_reason=None, anonymised_at=now)
    )
    await run(delete(rights_messages).where(rights_messages.c.reference.in_(references)))
    # The documents both ways go with the messages, and the space's codes and sessions with
    # them: an anonymised request has no space.
    for table in (rights_documents, rights_space_codes, rights_space_sessions):
        await run(delete(table).where(table.c.reference.in_(references)))
    await agents.forget_documents(conn, references)  # an agent's authorisation names people
    await run(
        update(rights_events).where(rights_events.c.reference.in_(references)).values(note=None)
    )
    statuses = dict(
        (await run(select(r.c.reference, r.c.status).where(r.c.reference.in_(references)))).all()
    )
    await run(
        rights_events.insert(),
        [
            {
                "reference": ref,
                "kind": "anonymised",
                "from_status": statuses[ref],
                "to_status": statuses[ref],
                "actor": "gateway",
                "note": None,
                "at": now,
            }
            for ref in references
        ],
    )
