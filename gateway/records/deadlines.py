"""Deadlines per law: when a rights request must be answered, with extension and pause.

Pure functions over dates; nothing here reads the time (the caller passes ``today``), so the
same rules serve the store, the API, the form's answer and the tests.

A period is counted from the day its clock starts (see ``docs/deadlines.md``) in whole calendar
days or in calendar months. A month ends on the same day number of the next month, or on the
last day of that month when it has no such day: 31 January + one month is 28 February (29 in a
leap year), the rule EU Regulation 1182/71 (Art. 3(2)(c)) gives for periods in months.

An extension adds the law's further period to the original due date, once. A pause (the owner
waits on the requester: identity, clarification) stops the clock; on the requester's reply the
due date moves by the whole days it was paused.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    """A length of time in calendar months plus days (one of them usually zero)."""

    months: int = 0
    days: int = 0

    def after(self, start: date) -> date:
        """The day this period ends when counted from ``start``."""
        return add_days(add_months(start, self.months), self.days)

    def describe(self) -> str:
        parts = []
        if self.months:
            parts.append(f"{self.months} month{'s' if self.months != 1 else ''}")
        if self.days:
            parts.append(f"{self.days} day{'s' if self.days != 1 else ''}")
        return " + ".join(parts) or "0 days"


@dataclass(frozen=True)
class Law:
    """A privacy law's answer period, its one extension (None: none allowed) and the source."""

    code: str
    name: str
    period: Period
    extension: Period | None
    source: str


LAWS: Mapping[str, Law] = {
    law.code: law
    for law in (
        Law("gdpr", "GDPR (EU)", Period(months=1), Period(months=2), "GDPR Art. 12(3)"),
        Law("uk_gdpr", "UK GDPR", Period(months=1), Period(months=2), "UK GDPR Art. 12(3)"),
        Law(
            "ccpa",
            "CCPA/CPRA (California)",
            Period(days=45),
            Period(days=45),
            "Cal. Civ. Code §1798.130(a)(2)",
        ),
        Law(
            "us_state",
            "Other US state privacy laws",
            Period(days=45),
            Period(days=45),
            "e.g. Virginia's VCDPA, Va. Code §59.1-577",
        ),
        Law("lgpd", "LGPD (Brazil)", Period(days=15), None, "LGPD Art. 19(II)"),
        Law("pipeda", "PIPEDA (Canada)", Period(days=30), Period(days=30), "PIPEDA s. 8(3)-(4)"),
        Law(
            "quebec",
            "Quebec Law 25",
            Period(days=30),
            None,
            "Act respecting the protection of personal information in the private sector, s. 32",
        ),
    )
}
# What a request whose form names no law (and whose key sets no default) is answered under:
# the shortest of the common month-or-more periods, so no owner answers late by default.
DEFAULT_LAW = "gdpr"
# Laws whose request types the rights form offers under the US names (ccpa_*).
US_LAWS = frozenset({"ccpa", "us_state"})


class NoExtension(ValueError):
    """The law allows no extension, or the request had the one it allows."""


def law(code: str) -> Law:
    """The law with ``code``; unknown codes (an old record, say) get :data:`DEFAULT_LAW`."""
    return LAWS.get(code, LAWS[DEFAULT_LAW])


def add_months(start: date, months: int) -> date:
    """Same day number ``months`` later, or that month's last day when it has no such day."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_days(start: date, days: int) -> date:
    return start + timedelta(days=days)


@dataclass(frozen=True)
class Deadline:
    """The state of one request's clock: its law, start, extension and pauses."""

    law: str
    started_on: date
    extended: bool = False
    # Whole days of pauses already ended, and the day the current one began (None: running).
    paused_days: int = 0
    paused_on: date | None = None

    @property
    def original_due(self) -> date:
        return law(self.law).period.after(self.started_on)

    def due(self, today: date) -> date:
        """The due date as it stands on ``today``: a running pause counts until ``today``."""
        due = self.original_due
        extension = law(self.law).extension
        if self.extended and extension is not None:
            due = extension.after(due)
        return add_days(due, self.paused_days + self._running_pause(today))

    def _running_pause(self, today: date) -> int:
        if self.paused_on is None:
            return 0
        return max(0, (today - self.paused_on).days)

    def extend(self) -> Deadline:
        """The clock after the law's one extension; raises :class:`NoExtension`."""
        if law(self.law).extension is None:
            raise NoExtension(f"{law(self.law).name} allows no extension.")
        if self.extended:
            raise NoExtension("This request has had the one extension its law allows.")
        return Deadline(self.law, self.started_on, True, self.paused_days, self.paused_on)

    def pause(self, today: date) -> Deadline:
        """The clock stopped on ``today`` (already paused: unchanged)."""
        if self.paused_on is not None:
            return self
        return Deadline(self.law, self.started_on, self.extended, self.paused_days, today)

    def resume(self, today: date) -> Deadline:
        """The clock running again; the days it stood still are added (not paused: unchanged)."""
        if self.paused_on is None:
            return self
        days = self.paused_days + self._running_pause(today)
        return Deadline(self.law, self.started_on, self.extended, days, None)


def days_left(due: date, today: date) -> int:
    """Days until ``due`` (0 on the day itself, negative once overdue)."""
    return (due - today).days


def law_for(type_regime: str, key_default: str | None) -> str:
    """The law a request is answered under: the key's default law where it fits the form's
    request type, else the type's own family.

    The form's types say their family (``gdpr_*`` or ``ccpa_*``; ``other`` none). A key's default
    refines it: ``uk_gdpr``, ``lgpd``, ``pipeda`` or ``quebec`` for non-US types, ``us_state`` for
    US ones; a default of the other family does not apply, the type's family wins.
    """
    default = key_default if key_default in LAWS else None
    if type_regime == "ccpa":
        return default if default in US_LAWS else "ccpa"
    if type_regime == "gdpr":
        return default if default is not None and default not in US_LAWS else "gdpr"
    return default or DEFAULT_LAW
