"""Reading the API's query parameters into the store's filters; every mistake is a 422.

Unknown parameters are refused (``unknown_query_parameter``), so a misspelt filter never
silently lists everything; a value that does not parse is ``invalid_query`` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from starlette.datastructures import QueryParams

from gateway.errors import InvalidQuery, StoreUnavailable
from gateway.records.model import ACTIONS, STATUSES, ConsentFilter, RightsFilter
from gateway.records.store import MAX_PAGE

DEFAULT_PAGE = 100
MAX_TEXT = 255
MAX_STATS_DAYS = 366
CONSENT_FILTERS = ("from", "to", "key", "action", "category", "origin")
PAGING = ("limit", "cursor")
RIGHTS_FILTERS = ("status", "type", "due_before", "overdue", "key", "email_verified")


class UnknownQueryParameter(InvalidQuery):
    code = "unknown_query_parameter"
    title = "Unknown query parameter"


class RecordsUnavailable(StoreUnavailable):
    """This gateway keeps no records store (Redis without ``GATEWAY_DATABASE_URL``)."""

    code = "records_unavailable"
    title = "Records store not configured"


@dataclass(frozen=True)
class Paging:
    limit: int
    cursor: str | None


def invalid(name: str, message: str) -> InvalidQuery:
    return InvalidQuery(f"{name}: {message}", extra={"parameter": name})


def only(query: QueryParams, allowed: Collection[str]) -> None:
    for name in query:
        if name not in allowed:
            # The name is the client's own text: not repeated back (the accepted ones are).
            raise UnknownQueryParameter(
                f"an unknown query parameter; accepted: {', '.join(allowed) or 'none'}"
            )


def text(query: QueryParams, name: str) -> str | None:
    value = query.get(name)
    if value is None:
        return None
    if not value or len(value) > MAX_TEXT:
        raise invalid(name, f"must be 1 to {MAX_TEXT} characters")
    return value


def choice(query: QueryParams, name: str, allowed: Collection[str]) -> str | None:
    value = query.get(name)
    if value is not None and value not in allowed:
        raise invalid(name, f"must be one of {', '.join(allowed)}")
    return value


def day(query: QueryParams, name: str) -> date | None:
    value = query.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(name, "must be a date, YYYY-MM-DD") from None


def moment(query: QueryParams, name: str, *, end: bool = False) -> datetime | None:
    """A date or a date and time; a date alone is the start of that UTC day (the end of it for
    ``end``), a time without an offset is UTC."""
    value = query.get(name)
    if value is None:
        return None
    if len(value) == 10:
        only_day = day(query, name)
        assert only_day is not None
        at = datetime.combine(only_day, time(), UTC)
        return at + timedelta(days=1) if end else at
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(name, "must be an ISO 8601 date or date and time") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def flag(query: QueryParams, name: str) -> bool:
    value = query.get(name)
    if value is None:
        return False
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise invalid(name, "must be true or false")


def paging(query: QueryParams) -> Paging:
    raw = query.get("limit")
    limit = DEFAULT_PAGE
    if raw is not None:
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 4) or not 1 <= int(raw) <= MAX_PAGE:
            raise invalid("limit", f"must be a whole number from 1 to {MAX_PAGE}")
        limit = int(raw)
    return Paging(limit, text(query, "cursor"))


def consent_filter(query: QueryParams, account: str) -> ConsentFilter:
    since, until = moment(query, "from"), moment(query, "to", end=True)
    if since is not None and until is not None and until <= since:
        raise invalid("to", "must be after from")
    return ConsentFilter(
        since=since,
        until=until,
        account=account,
        public_key=text(query, "key"),
        action=choice(query, "action", ACTIONS),
        category=text(query, "category"),
        origin=text(query, "origin"),
    )


def stats_range(query: QueryParams, today: date) -> tuple[date, date]:
    """``from`` and ``to`` (both included); the last 30 days by default."""
    until = day(query, "to") or today
    since = day(query, "from") or until - timedelta(days=29)
    if until < since:
        raise invalid("to", "must not be before from")
    if (until - since).days >= MAX_STATS_DAYS:
        raise invalid("from", f"the range may span at most {MAX_STATS_DAYS} days")
    return since, until


def rights_filter(query: QueryParams, account: str) -> RightsFilter:
    return RightsFilter(
        account=account,
        public_key=text(query, "key"),
        status=choice(query, "status", STATUSES),
        type=text(query, "type"),
        due_before=day(query, "due_before"),
        overdue=flag(query, "overdue"),
        email_verified=None
        if query.get("email_verified") is None
        else flag(query, "email_verified"),
    )
