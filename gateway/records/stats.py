"""The consent statistics: per UTC day and key, read from the daily rollups.

30 days of every key are thousands of rows (a day row per key, a row per key, day and category),
so the rows are read as named columns into plain tuples: attribute access on SQLAlchemy rows
was most of the time of the statistics.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.records.model import ACTIONS, CategoryStats, DayStats
from gateway.records.tables import consent_daily, consent_daily_categories


async def daily_stats(
    conn: AsyncConnection,
    since: date,
    until: date,
    *,
    account: str | None = None,
    public_key: str | None = None,
) -> list[DayStats]:
    """Per UTC day (``since`` to ``until``, both included) and key, the counts and categories."""
    days, cats = consent_daily, consent_daily_categories
    day_columns = (days.c.day, days.c.public_key, days.c.account, days.c.records)
    action_columns = tuple(days.c[action] for action in ACTIONS)
    day_query = select(*day_columns, *action_columns, days.c.shown).where(
        days.c.day >= since, days.c.day <= until
    )
    cat_query = select(
        cats.c.day, cats.c.public_key, cats.c.category, cats.c.records, cats.c.granted
    ).where(cats.c.day >= since, cats.c.day <= until)
    if public_key is not None:
        day_query = day_query.where(days.c.public_key == public_key)
        cat_query = cat_query.where(cats.c.public_key == public_key)
    if account is not None:
        day_query = day_query.where(days.c.account == account)
        keys = select(days.c.public_key).where(days.c.account == account).distinct()
        cat_query = cat_query.where(cats.c.public_key.in_(keys.scalar_subquery()))
    day_rows = await conn.execute(day_query.order_by(days.c.day, days.c.public_key))
    per_category: dict[tuple[date, str], dict[str, CategoryStats]] = {}
    for day, key, category, records, granted in await conn.execute(cat_query):
        per_category.setdefault((day, key), {})[category] = CategoryStats(
            records=records, granted=granted
        )
    out = []
    for day, key, account_id, records, *counts, shown in day_rows:
        by_action = dict(zip(ACTIONS, counts, strict=True))
        out.append(
            DayStats(
                day=day,
                public_key=key,
                account=account_id,
                records=records,
                accept_all=by_action["accept_all"],
                reject_all=by_action["reject_all"],
                custom=by_action["custom"],
                withdraw=by_action["withdraw"],
                categories=per_category.get((day, key), {}),
                shown=shown,
            )
        )
    return out
