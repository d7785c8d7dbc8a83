"""Deadlines per law, as exact dates: months counted on the calendar, days as days, one
extension where the law gives one, pauses moving the due date by the days they lasted."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.records.deadlines import (
    LAWS,
    Deadline,
    NoExtension,
    add_months,
    days_left,
    law_for,
)


@pytest.mark.parametrize(
    ("start", "months", "due"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2027, 1, 15), 1, date(2027, 2, 15)),
        (date(2027, 3, 31), 1, date(2027, 4, 30)),
        (date(2027, 12, 31), 1, date(2028, 1, 31)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2027, 2, 28), 1, date(2027, 3, 28)),
    ],
    ids=["31jan-2027", "31jan-leap", "mid-month", "31mar", "over-new-year", "3-months", "28feb"],
)
def test_a_month_ends_on_the_same_day_or_the_last_day_of_the_month(
    start: date, months: int, due: date
) -> None:
    assert add_months(start, months) == due


@pytest.mark.parametrize(
    ("law", "start", "due", "extended"),
    [
        ("gdpr", date(2027, 1, 31), date(2027, 2, 28), date(2027, 4, 28)),
        ("gdpr", date(2028, 1, 31), date(2028, 2, 29), date(2028, 4, 29)),
        ("uk_gdpr", date(2027, 5, 31), date(2027, 6, 30), date(2027, 8, 30)),
        ("ccpa", date(2027, 1, 31), date(2027, 3, 17), date(2027, 5, 1)),
        ("us_state", date(2027, 12, 1), date(2028, 1, 15), date(2028, 2, 29)),
        ("lgpd", date(2027, 1, 31), date(2027, 2, 15), None),
        ("pipeda", date(2027, 1, 31), date(2027, 3, 2), date(2027, 4, 1)),
        ("quebec", date(2027, 1, 31), date(2027, 3, 2), None),
    ],
    ids=lambda v: str(v),
)
def test_each_law_gives_its_due_date_and_its_extension(
    law: str, start: date, due: date, extended: date | None
) -> None:
    clock = Deadline(law, start)
    assert clock.due(start) == due
    if extended is None:
        with pytest.raises(NoExtension):
            clock.extend()
    else:
        assert clock.extend().due(start) == extended


def test_a_second_extension_is_refused() -> None:
    once = Deadline("gdpr", date(2027, 1, 31)).extend()
    with pytest.raises(NoExtension, match="one extension"):
        once.extend()


def test_a_pause_stops_the_clock_and_the_reply_moves_the_due_date() -> None:
    clock = Deadline("gdpr", date(2027, 1, 31))  # due 28 February
    paused = clock.pause(date(2027, 2, 10))
    # While paused, the due date keeps moving: each day waiting is a day given back.
    assert paused.due(date(2027, 2, 10)) == date(2027, 2, 28)
    assert paused.due(date(2027, 2, 15)) == date(2027, 3, 5)
    resumed = paused.resume(date(2027, 2, 17))  # the requester answered 7 days later
    assert resumed.paused_on is None and resumed.paused_days == 7
    assert resumed.due(date(2027, 6, 1)) == date(2027, 3, 7)
    # A second pause adds to the first; an extension counts from the original due date.
    again = resumed.pause(date(2027, 3, 1)).resume(date(2027, 3, 4))
    assert again.paused_days == 10
    assert again.extend().due(date(2027, 3, 4)) == date(2027, 5, 8)


def test_pausing_twice_or_resuming_a_running_clock_changes_nothing() -> None:
    paused = Deadline("ccpa", date(2027, 1, 1)).pause(date(2027, 1, 5))
    assert paused.pause(date(2027, 1, 9)) == paused
    running = Deadline("ccpa", date(2027, 1, 1))
    assert running.resume(date(2027, 1, 9)) == running


def test_days_left_counts_down_to_zero_and_below() -> None:
    due = date(2027, 2, 28)
    assert [days_left(due, date(2027, 2, d)) for d in (21, 28)] == [7, 0]
    assert days_left(due, date(2027, 3, 2)) == -2


@pytest.mark.parametrize(
    ("regime", "default", "law"),
    [
        ("gdpr", None, "gdpr"),
        ("gdpr", "uk_gdpr", "uk_gdpr"),
        ("gdpr", "lgpd", "lgpd"),
        ("gdpr", "ccpa", "gdpr"),
        ("ccpa", None, "ccpa"),
        ("ccpa", "us_state", "us_state"),
        ("ccpa", "pipeda", "ccpa"),
        ("other", None, "gdpr"),
        ("other", "quebec", "quebec"),
        ("other", "no-such-law", "gdpr"),
    ],
)
def test_the_key_default_law_refines_the_form_type_family(
    regime: str, default: str | None, law: str
) -> None:
    assert law_for(regime, default) == law


def test_every_law_names_its_source() -> None:
    assert all(law.source for law in LAWS.values())
    assert LAWS["gdpr"].source == "GDPR Art. 12(3)"
