"""Reporting deadlines on the mainland China working-day calendar."""

from __future__ import annotations

from datetime import date

import pytest

from tests.traceability.conftest import EventFactory
from traceability import (
    ActorRole,
    CalendarCoverageError,
    DeadlineStatus,
    EventKind,
    WorkCalendar,
    deadlines,
    due_date,
    mainland_china_calendar,
    rules_from_mapping,
    status,
    working_days_for,
)


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return mainland_china_calendar()


def test_spring_festival_2025_is_not_working(calendar: WorkCalendar) -> None:
    """2025-01-28 to 02-04 are holidays; Sunday 01-26 and Saturday 02-08 are worked."""
    assert not any(calendar.is_working_day(date(2025, 1, d)) for d in (28, 29, 30, 31))
    assert calendar.is_working_day(date(2025, 1, 26))
    assert calendar.is_working_day(date(2025, 2, 8))


def test_calendar_covers_2026(calendar: WorkCalendar) -> None:
    """The package's table reaches 2026 (National Day 10-01 to 10-07, Sat 10-10 worked)."""
    assert not calendar.is_working_day(date(2026, 10, 5))
    assert calendar.is_working_day(date(2026, 10, 10))


def test_due_date_skips_holidays_and_counts_adjusted_weekends(calendar: WorkCalendar) -> None:
    """15 working days from Friday 2025-01-24 crosses Spring Festival to 02-20."""
    assert due_date(date(2025, 1, 24), 15, calendar) == date(2025, 2, 20)


def test_due_date_across_national_day(calendar: WorkCalendar) -> None:
    """15 working days from 2025-09-26 end on 10-23 (Sun 09-28, Sat 10-11 worked)."""
    assert due_date(date(2025, 9, 26), 15, calendar) == date(2025, 10, 23)


def test_due_date_in_an_ordinary_month(calendar: WorkCalendar) -> None:
    """30 working days from Monday 2025-03-03 is Tuesday 04-15 (Qingming 04-04 off)."""
    assert due_date(date(2025, 3, 3), 30, calendar) == date(2025, 4, 15)


def test_dates_beyond_the_table_raise(calendar: WorkCalendar) -> None:
    """Outside known years the calendar refuses instead of guessing."""
    with pytest.raises(CalendarCoverageError):
        due_date(date(2026, 12, 20), 30, calendar)


def test_calendar_can_be_extended(calendar: WorkCalendar) -> None:
    """A year from a data file is added once its holidays are published."""
    extra = WorkCalendar.from_mapping(
        {"first_year": 2027, "last_year": 2027, "holidays": ["2027-01-01"], "workdays": []}
    )
    longer = calendar.extended(extra)
    assert not longer.is_working_day(date(2027, 1, 1))
    assert due_date(date(2026, 12, 31), 1, longer) == date(2027, 1, 4)


def test_default_rules_follow_the_2018_rules() -> None:
    """Cascade users 15, recyclers 30, dismantlers 15 working days."""
    assert working_days_for(EventKind.CASCADE_SHIPPED, ActorRole.CASCADE_USER) == 15
    assert working_days_for(EventKind.RECYCLED, ActorRole.RECYCLER) == 30
    assert working_days_for(EventKind.RECEIVED_BY_ENTERPRISE, ActorRole.DISMANTLER) == 15
    assert working_days_for(EventKind.CAPACITY_TESTED, ActorRole.CASCADE_USER) is None


def test_rules_are_configurable() -> None:
    """Rules parse from configuration data."""
    rules = rules_from_mapping({"recycler": {"recycled": 20}})
    assert working_days_for(EventKind.RECYCLED, ActorRole.RECYCLER, rules=rules) == 20


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2025, 4, 8), DeadlineStatus.NOT_DUE),
        (date(2025, 4, 10), DeadlineStatus.NEARLY_DUE),
        (date(2025, 4, 15), DeadlineStatus.NEARLY_DUE),
        (date(2025, 4, 16), DeadlineStatus.OVERDUE),
    ],
)
def test_open_obligation_status(calendar: WorkCalendar, today: date, expected: DeadlineStatus) -> None:
    """Not yet due, nearly due within 3 working days, overdue after the due date."""
    assert status(date(2025, 4, 15), today=today, calendar=calendar) is expected


def test_reported_obligation_is_judged_by_report_date(calendar: WorkCalendar) -> None:
    """A late report stays overdue; a report on the due date is on time."""
    due = date(2025, 4, 15)
    assert status(due, today=date(2025, 5, 1), calendar=calendar, reported_on=due) is DeadlineStatus.ON_TIME
    assert (
        status(due, today=date(2025, 5, 1), calendar=calendar, reported_on=date(2025, 4, 16))
        is DeadlineStatus.OVERDUE
    )


def test_deadline_list_uses_china_dates(calendar: WorkCalendar, event: EventFactory) -> None:
    """An event at 17:00 UTC on 03-02 is 03-03 in Shenzhen."""
    late = event("received_by_enterprise", hours=-8)
    assert late.occurred_at.date() == date(2025, 3, 2)
    (item,) = deadlines([late], today=date(2025, 3, 4), calendar=calendar)
    assert item.event_date == date(2025, 3, 3) and item.due == date(2025, 3, 24)
    assert item.status is DeadlineStatus.NOT_DUE


def test_an_open_obligation_far_from_its_due_date_reads_not_yet_due(calendar: WorkCalendar) -> None:
    """An event not yet due is 未到期, not 按期: "on time" is said only of a report made."""
    open_one = status(date(2025, 4, 15), today=date(2025, 4, 1), calendar=calendar)
    reported = status(
        date(2025, 4, 15), today=date(2025, 4, 1), calendar=calendar, reported_on=date(2025, 4, 2)
    )
    assert (open_one.label_zh, open_one.label_en) == ("未到期", "not yet due")
    assert (reported.label_zh, reported.label_en) == ("按期", "on time")
