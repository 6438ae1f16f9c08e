"""Reporting deadlines in working days on the mainland China calendar.

The 2018 traceability rules (新能源汽车动力蓄电池回收利用溯源管理暂行规定) give
each actor a number of working days after an event to report it. Working days are
Monday to Friday, minus public holidays, plus the weekend days declared working
days (调休) in the State Council's yearly holiday notice.

Counting: the event day is day 0 and the deadline is the N-th working day after it,
so an event on a Friday with 15 working days is due three weeks later on a Friday
when no holiday intervenes. A report made on the due date is on time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from traceability._model import ActorRole, EventKind, TraceEvent

#: China Standard Time. A fixed offset is exact: no daylight saving since 1991.
CHINA_TZ = timezone(timedelta(hours=8), "CST")


class CalendarCoverageError(LookupError):
    """A date falls outside the years whose holidays the calendar knows."""


@dataclass(frozen=True)
class WorkCalendar:
    """Public holidays and adjusted working days for a range of years."""

    holidays: frozenset[date]
    workdays: frozenset[date]
    first_year: int
    last_year: int
    source: str = ""

    def covers(self, day: date) -> bool:
        """True when the holidays of ``day``'s year are known."""
        return self.first_year <= day.year <= self.last_year

    def is_working_day(self, day: date) -> bool:
        """True when ``day`` is a working day.

        Raises
        ------
        CalendarCoverageError
            When the year is not covered: guessing would move deadlines silently.
        """
        if not self.covers(day):
            raise CalendarCoverageError(
                f"{day.isoformat()} is outside the holiday table "
                f"({self.first_year}-{self.last_year}); extend the calendar"
            )
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, day: date, count: int) -> date:
        """Return the ``count``-th working day after ``day`` (``day`` itself for 0)."""
        if count < 0:
            raise ValueError("count must not be negative")
        while count:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Number of working days in ``(start, end]``; negative when ``end`` < ``start``."""
        if end < start:
            return -self.working_days_between(end, start)
        days = (start + timedelta(days=n) for n in range(1, (end - start).days + 1))
        return sum(1 for day in days if self.is_working_day(day))

    def extended(self, other: WorkCalendar) -> WorkCalendar:
        """This calendar with ``other``'s years added (``other`` wins where both say)."""
        return WorkCalendar(
            holidays=(self.holidays - other.workdays) | other.holidays,
            workdays=(self.workdays - other.holidays) | other.workdays,
            first_year=min(self.first_year, other.first_year),
            last_year=max(self.last_year, other.last_year),
            source="; ".join(s for s in (self.source, other.source) if s),
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> WorkCalendar:
        """Build from ``{"first_year", "last_year", "holidays": [...], "workdays": [...]}``.

        Dates are ISO strings; ``workdays`` are the weekend days declared working days.
        """
        return cls(
            holidays=frozenset(date.fromisoformat(d) for d in data.get("holidays", ())),
            workdays=frozenset(date.fromisoformat(d) for d in data.get("workdays", ())),
            first_year=int(data["first_year"]),
            last_year=int(data["last_year"]),
            source=str(data.get("source", "")),
        )

    @classmethod
    def load(cls, path: str | Path) -> WorkCalendar:
        """Load a holiday table from JSON (see :meth:`from_mapping`)."""
        with open(path, encoding="utf-8") as handle:
            return cls.from_mapping(json.load(handle))


@lru_cache(maxsize=1)
def mainland_china_calendar() -> WorkCalendar:
    """The calendar of the ``chinesecalendar`` package (State Council notices).

    Version 1.11 covers 2004-2026; add later years with :meth:`WorkCalendar.extended`
    until the package is updated.
    """
    from chinese_calendar import constants

    holidays = frozenset(constants.holidays)
    workdays = frozenset(constants.workdays)
    years = sorted({d.year for d in holidays})
    return WorkCalendar(
        holidays, workdays, years[0], years[-1], source="chinesecalendar (国务院办公厅 holiday notices)"
    )


class DeadlineStatus(StrEnum):
    """How a reporting obligation stands.

    ``ON_TIME`` is a verdict on a report that was made; an obligation still open before
    its warning window is ``NOT_DUE`` (未到期), never "on time" (按期).
    """

    NOT_DUE = "not_due"
    ON_TIME = "on_time"
    NEARLY_DUE = "nearly_due"
    OVERDUE = "overdue"

    @property
    def label_zh(self) -> str:
        """Chinese label."""
        return {"not_due": "未到期", "on_time": "按期", "nearly_due": "即将到期", "overdue": "逾期"}[
            self.value
        ]

    @property
    def label_en(self) -> str:
        """English label."""
        labels = {
            "not_due": "not yet due",
            "on_time": "on time",
            "nearly_due": "nearly due",
            "overdue": "overdue",
        }
        return labels[self.value]

    @property
    def colour(self) -> str:
        """Badge colour name for the UI."""
        colours = {"not_due": "secondary", "on_time": "success", "nearly_due": "warning", "overdue": "danger"}
        return colours[self.value]


@dataclass(frozen=True)
class DeadlineRule:
    """``role`` must report ``kind`` events within ``working_days``."""

    role: ActorRole
    kind: EventKind
    working_days: int


_R, _K = ActorRole, EventKind

#: 2018 rules: cascade-use enterprises 15 working days after receipt, handover and
#: shipment of cascade products; recyclers 30 after receipt and after final
#: processing; dismantlers 15 after removing, receiving and handing over batteries.
DEFAULT_RULES: tuple[DeadlineRule, ...] = (
    DeadlineRule(_R.CASCADE_USER, _K.RECEIVED_BY_ENTERPRISE, 15),
    DeadlineRule(_R.CASCADE_USER, _K.HANDED_OVER, 15),
    DeadlineRule(_R.CASCADE_USER, _K.CASCADE_SHIPPED, 15),
    DeadlineRule(_R.RECYCLER, _K.RECEIVED_BY_ENTERPRISE, 30),
    DeadlineRule(_R.RECYCLER, _K.RECYCLED, 30),
    DeadlineRule(_R.DISMANTLER, _K.RETIRED_FROM_VEHICLE, 15),
    DeadlineRule(_R.DISMANTLER, _K.RECEIVED_BY_ENTERPRISE, 15),
    DeadlineRule(_R.DISMANTLER, _K.HANDED_OVER, 15),
)


def rules_from_mapping(data: Mapping[str, Mapping[str, int]]) -> tuple[DeadlineRule, ...]:
    """Rules from ``{role: {kind: working_days}}``, e.g. parsed from configuration."""
    return tuple(
        DeadlineRule(ActorRole(role), EventKind(kind), int(days))
        for role, kinds in data.items()
        for kind, days in kinds.items()
    )


def working_days_for(
    kind: EventKind, role: ActorRole, *, rules: Iterable[DeadlineRule] = DEFAULT_RULES
) -> int | None:
    """Working days ``role`` has to report a ``kind`` event; ``None`` if no duty."""
    for rule in rules:
        if rule.role is role and rule.kind is kind:
            return rule.working_days
    return None


def due_date(event_date: date, working_days: int, calendar: WorkCalendar) -> date:
    """The last day a report of an event on ``event_date`` is on time."""
    return calendar.add_working_days(event_date, working_days)


def status(
    due: date,
    *,
    today: date,
    calendar: WorkCalendar,
    reported_on: date | None = None,
    warn_within: int = 3,
) -> DeadlineStatus:
    """Classify an obligation due on ``due``.

    A reported obligation is on time or overdue by its report date. An open one is
    overdue after ``due``, nearly due when ``due`` is today or at most
    ``warn_within`` working days after ``today``, otherwise not yet due.
    """
    if reported_on is not None:
        return DeadlineStatus.ON_TIME if reported_on <= due else DeadlineStatus.OVERDUE
    if today > due:
        return DeadlineStatus.OVERDUE
    if calendar.working_days_between(today, due) <= warn_within:
        return DeadlineStatus.NEARLY_DUE
    return DeadlineStatus.NOT_DUE


@dataclass(frozen=True)
class ReportingDeadline:
    """One event's reporting obligation and how it stands."""

    event_id: str
    battery_code: str
    kind: EventKind
    role: ActorRole
    event_date: date
    due: date
    status: DeadlineStatus


def deadlines(
    events: Iterable[TraceEvent],
    *,
    today: date,
    calendar: WorkCalendar,
    rules: Iterable[DeadlineRule] = DEFAULT_RULES,
    reported: Mapping[str, date] | None = None,
    warn_within: int = 3,
) -> list[ReportingDeadline]:
    """Obligations of ``events`` (in China Standard Time dates), soonest due first.

    ``reported`` maps event ids to the date they were reported. Events without a
    duty under ``rules`` are left out; filter on ``status`` for the overdue and
    nearly-due lists.
    """
    rules, reported = tuple(rules), reported or {}
    found = []
    # A year's log has thousands of events on a few hundred days: each due date is
    # counted out once.
    dues: dict[tuple[date, int], date] = {}
    for event in events:
        days = working_days_for(event.kind, event.actor_role, rules=rules)
        if days is None:
            continue
        local = to_china_date(event.occurred_at)
        if (local, days) not in dues:
            dues[(local, days)] = due_date(local, days, calendar)
        due = dues[(local, days)]
        state = status(
            due,
            today=today,
            calendar=calendar,
            reported_on=reported.get(event.event_id),
            warn_within=warn_within,
        )
        found.append(
            ReportingDeadline(
                event.event_id, event.battery_code, event.kind, event.actor_role, local, due, state
            )
        )
    return sorted(found, key=lambda d: (d.due, d.event_id))


def to_china_date(moment: datetime) -> date:
    """The calendar date of ``moment`` in China Standard Time."""
    return moment.astimezone(CHINA_TZ).date()


def china_today() -> date:
    """Today in Shenzhen: the working day people mean, whatever zone the server's clock runs in."""
    return datetime.now(CHINA_TZ).date()
