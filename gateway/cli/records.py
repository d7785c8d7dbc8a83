"""``widget-gateway records purge|retention``: the records store's retention, by hand.

``purge`` runs what the gateway's periodic job runs (see ``docs/records.md``), under the same
lease, so it never runs beside another purge; ``--dry-run`` only counts. ``retention`` shows an
account's rules, or sets them. Output is counts only, never record contents.
"""

from __future__ import annotations

import argparse
from typing import Any

from gateway.cli.db import DatabaseCommandError, database_url
from gateway.db import migrate
from gateway.db.engine import create_engine
from gateway.records import retention
from gateway.records.jobs import holder_id, purge_exclusively
from gateway.records.retention import RetentionRule
from gateway.records.store import RecordStore
from gateway.settings import Settings


def add_parser(subparsers: Any) -> None:
    """Register ``records`` on the ``widget-gateway`` command line."""
    records = subparsers.add_parser("records", help="the records store: retention")
    sub = records.add_subparsers(dest="records_cmd", required=True)
    purge = sub.add_parser("purge", help="delete and anonymise what is past retention")
    purge.add_argument("--dry-run", action="store_true", help="count only, change nothing")
    purge.set_defaults(run=cmd_purge)
    rules = sub.add_parser("retention", help="show or set an account's retention rules")
    rules.add_argument("account", metavar="ACCOUNT")
    rules.add_argument("--consent-months", type=int, help="keep consent proofs this many months")
    rules.add_argument(
        "--rights-days", type=int, help="anonymise rights requests this many days after closure"
    )
    rules.set_defaults(run=cmd_retention)


async def _open(settings: Settings) -> RecordStore:
    url = database_url(settings)
    await migrate.upgrade(url)
    return RecordStore(create_engine(url))


async def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    store = await _open(settings)
    try:
        report = await purge_exclusively(store, holder_id(), dry_run=args.dry_run)
    finally:
        await store.engine.dispose()
    if report is None:
        raise DatabaseCommandError("another purge is running; try again when it has finished")
    verb = ("would delete", "would anonymise") if report.dry_run else ("deleted", "anonymised")
    print(
        f"consent records {verb[0]}: {report.consents_deleted}; "
        f"rights requests {verb[1]}: {report.rights_anonymised}"
    )
    return 0


async def cmd_retention(args: argparse.Namespace, settings: Settings) -> int:
    store = await _open(settings)
    try:
        rule = await retention.rule_for(store, args.account)
        if args.consent_months is not None or args.rights_days is not None:
            rule = RetentionRule(
                args.consent_months if args.consent_months is not None else rule.consent_months,
                args.rights_days if args.rights_days is not None else rule.rights_days,
            )
            await retention.set_rule(store, args.account, rule)
    finally:
        await store.engine.dispose()
    print(f"consent proofs kept {rule.consent_months} months; ", end="")
    print(f"rights requests anonymised {rule.rights_days} days after closure")
    return 0
