"""Reporting deadlines of the events in the log, on the mainland China calendar.

An obligation (2018 rules, :data:`traceability.DEFAULT_RULES` unless configured)
runs from the day the event happened until the event is reported to the national
traceability platform (a ``trace_report`` row). Open obligations are overdue or
nearly due; reported ones were on time or late.

The holiday table of the ``chinesecalendar`` package ends with the last year the
State Council has published. Beyond it, deadlines are counted on weekdays only and
marked provisional: a holiday can only move a due date later, so a provisional
warning comes early rather than late. ``RELOOP_TRACE_HOLIDAYS`` can point at a JSON
holiday table (:meth:`traceability.WorkCalendar.load`) for the missing years.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlmodel import Session, col, func, select

from traceability import (
    DEFAULT_RULES,
    DeadlineRule,
    DeadlineStatus,
    ReportingDeadline,
    TraceEvent,
    WorkCalendar,
    deadlines,
    mainland_china_calendar,
    to_china_date,
)
from webapp.models import TraceEventRow, TraceReport

PROVISIONAL_YEARS = 3


@dataclass(frozen=True)
class Obligation:
    """One event's reporting duty, with who owes it and whether its due date is provisional."""

    deadline: ReportingDeadline
    actor: str
    reported_on: date | None
    provisional: bool


@lru_cache(maxsize=4)
def work_calendar(extra_path: str | None = None) -> WorkCalendar:
    """The mainland calendar, extended by a holiday file, then by provisional weekdays."""
    calendar = mainland_china_calendar()
    if extra_path:
        calendar = calendar.extended(WorkCalendar.load(extra_path))
    provisional = WorkCalendar(
        frozenset(),
        frozenset(),
        calendar.last_year + 1,
        calendar.last_year + PROVISIONAL_YEARS,
        source="provisional: weekdays only",
    )
    return calendar.extended(provisional)


def official_last_year(extra_path: str | None = None) -> int:
    """The last year whose holidays are published (not provisional)."""
    calendar = mainland_china_calendar()
    if extra_path:
        calendar = calendar.extended(WorkCalendar.load(extra_path))
    return calendar.last_year


def obligations(
    session: Session,
    *,
    today: date,
    rules: Iterable[DeadlineRule] = DEFAULT_RULES,
    holidays_path: str | None = None,
    codes: Iterable[str] | None = None,
    warn_within: int = 3,
) -> list[Obligation]:
    """Every obligation in the log (or of ``codes``), soonest due first."""
    rules = tuple(rules)
    calendar = work_calendar(holidays_path)
    last_official = official_last_year(holidays_path)
    events, actors = _duty_events(session, rules, codes)
    reported = _reported(session, events)
    found = deadlines(
        events, today=today, calendar=calendar, rules=rules, reported=reported, warn_within=warn_within
    )
    return [
        Obligation(d, actors[d.event_id], reported.get(d.event_id), d.due.year > last_official) for d in found
    ]


def split(found: Iterable[Obligation]) -> dict[str, list[Obligation]]:
    """The lists a regulator reads: open overdue, open nearly due, reported late."""
    lists: dict[str, list[Obligation]] = {"overdue": [], "nearly_due": [], "late": []}
    for ob in found:
        status = ob.deadline.status
        if ob.reported_on is None and status is DeadlineStatus.OVERDUE:
            lists["overdue"].append(ob)
        elif ob.reported_on is None and status is DeadlineStatus.NEARLY_DUE:
            lists["nearly_due"].append(ob)
        elif ob.reported_on is not None and status is DeadlineStatus.OVERDUE:
            lists["late"].append(ob)
    return lists


def _duty_events(
    session: Session, rules: tuple[DeadlineRule, ...], codes: Iterable[str] | None
) -> tuple[list[TraceEvent], dict[str, str]]:
    kinds = {r.kind.value for r in rules}
    query = select(
        TraceEventRow.event_id,
        TraceEventRow.kind,
        TraceEventRow.battery_code,
        TraceEventRow.actor,
        TraceEventRow.actor_role,
        TraceEventRow.location,
        TraceEventRow.occurred_at,
        TraceEventRow.recorded_at,
        TraceEventRow.corrects,
    ).where(col(TraceEventRow.kind).in_(kinds))
    if codes is not None:
        query = query.where(col(TraceEventRow.battery_code).in_(list(codes)))
    rows = session.exec(query.order_by(TraceEventRow.seq)).all()
    superseded = _superseded(session)
    events, actors = [], {}
    for event_id, kind, code, actor, role, location, occurred, recorded, _corrects in rows:
        if event_id in superseded:
            continue  # its correction carries the obligation
        events.append(TraceEvent(event_id, kind, code, actor, role, location, occurred, recorded))
        actors[event_id] = actor
    return events, actors


def _superseded(session: Session) -> set[str]:
    rows = session.exec(select(TraceEventRow.corrects).where(col(TraceEventRow.corrects).is_not(None))).all()
    return {r for r in rows if r}


def _reported(session: Session, events: list[TraceEvent]) -> dict[str, date]:
    """Earliest report date per event; a report of a superseded event covers its correction."""
    if not events:
        return {}
    first = dict(
        session.exec(
            select(TraceReport.event_id, func.min(TraceReport.reported_at)).group_by(TraceReport.event_id)
        ).all()
    )
    corrections = dict(
        session.exec(
            select(TraceEventRow.event_id, TraceEventRow.corrects).where(
                col(TraceEventRow.corrects).is_not(None)
            )
        ).all()
    )
    reported = {}
    for event in events:
        moment = first.get(event.event_id) or first.get(corrections.get(event.event_id, ""))
        if moment is not None:
            reported[event.event_id] = to_china_date(moment)
    return reported
