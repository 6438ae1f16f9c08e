"""An independent checker of a multi-day plan.

It shares no code with :mod:`routing.week`'s planning: from the week's outlooks alone
it replays which day each outlet was emptied, recomputes each visited outlet's load
from its predicted fill, rebuilds each day's problem with those loads and hands the
day's routes to :func:`routing.check` (capacity, windows, breaks, reloads, shifts).
It then reports every outlet over its overflow level before its visit, on any day
of the horizon or the morning after, and, given the kept routes of a rolling
re-plan, every kept route that day 0 does not drive exactly as given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from routing.check import check
from routing.problem import Load, LockedRoute
from routing.week import WeekPlan, WeekProblem

__all__ = ["WeekViolation", "check_week"]


@dataclass(frozen=True)
class WeekViolation:
    """One broken rule on ``day`` (``days``: the morning after the horizon)."""

    day: int
    kind: str
    message: str


def check_week(
    week: WeekProblem, plan: WeekPlan, *, kept_routes: Sequence[LockedRoute] = ()
) -> list[WeekViolation]:
    """Every rule of ``week`` that ``plan`` breaks; an empty list means it is feasible."""
    if len(plan.days) != week.days:
        return [WeekViolation(0, "days", f"{len(plan.days)} days planned, {week.days} asked")]
    # Outlets in order; where the truck unloads is the day checker's concern.
    driven = {(r.vehicle_type_id, r.unit): r.stop_ids for r in plan.days[0].plan.routes} if plan.days else {}
    kept_problems = [
        WeekViolation(0, "kept", f"{k.vehicle_type_id}#{k.unit} does not drive {list(k.visits)}")
        for k in kept_routes
        if driven.get((k.vehicle_type_id, k.unit), ())
        != tuple(v for v in k.visits if v not in week.base.facility_index)
    ]
    outlook = {o.stop.id: o for o in week.outlets}
    last: dict[str, int | None] = dict.fromkeys(outlook)
    found: list[WeekViolation] = []
    for day, planned in enumerate(plan.days):
        for key, o in outlook.items():
            before = o.fill_pct[day] - (o.fill_pct[last[key]] if last[key] is not None else 0.0)  # type: ignore[index]
            if before > o.overflow_pct:
                found.append(WeekViolation(day, "overflow", f"{key} at {before:.1f} % before a visit"))
        listed = [s for r in planned.plan.routes for s in r.stop_ids] + [
            u.stop_id for u in planned.plan.unassigned
        ]
        unknown = [k for k in listed if k not in outlook]
        if unknown:
            found.append(WeekViolation(day, "coverage", f"unknown outlets {unknown}"))
            continue
        stops = []
        for key in listed:
            o = outlook[key]
            fill = o.fill_pct[day] - (o.fill_pct[last[key]] if last[key] is not None else 0.0)  # type: ignore[index]
            share = min(max(fill, 0.0), 100.0) / 100
            loads = tuple(
                Load(x.material, round(x.kg * share, 3), round(x.m3 * share, 6)) for x in o.stop.loads
            )
            stops.append(replace(o.stop, loads=loads, required=False))
        problem = replace(week.base, stops=tuple(stops), vehicle_types=week.fleet(day))
        found += [
            WeekViolation(day, v.kind.value, f"{v.route}: {v.message}") for v in check(problem, planned.plan)
        ]
        for key in (s for r in planned.plan.routes for s in r.stop_ids):
            last[key] = day
    for key, o in outlook.items():
        after = o.fill_pct[week.days] - (o.fill_pct[last[key]] if last[key] is not None else 0.0)  # type: ignore[index]
        if after > o.overflow_pct:
            found.append(WeekViolation(week.days, "overflow", f"{key} at {after:.1f} % the morning after"))
    return kept_problems + found
