"""Multi-day planning: visit days chosen against predicted overflow, each day routed, checked."""

from __future__ import annotations

import itertools

import pytest

from routing import InvalidProblemError
from routing.week import OutletOutlook, WeekProblem, plan_visits, plan_week
from routing.week_check import check_week
from tests.routing.builders import line_problem, stop, truck

FIXED_FEN = 5000


def three_outlets(fills: dict[str, tuple[float, ...]], days: int = 2) -> WeekProblem:
    """Depot at 0 m, A at 1,000 m, B at 1,200 m, C at 5,000 m on one road; 50 yuan a truck-day."""
    base = line_problem([0, 1000, 1200, 5000], [], [truck(fixed_cost_fen=FIXED_FEN)])
    outlets = tuple(
        OutletOutlook(stop(key, i + 1, kg=100.0), fills[key]) for i, key in enumerate(("A", "B", "C"))
    )
    return WeekProblem(base, outlets, days=days)


FILLS = {"A": (90.0, 120.0, 150.0), "B": (50.0, 70.0, 110.0), "C": (10.0, 20.0, 30.0)}


def brute_force_cost(week: WeekProblem) -> int:
    """The cheapest overflow-free week over every choice of visit days (each day solved exactly)."""
    keys = [o.stop.id for o in week.outlets]
    best = None
    for choice in itertools.product(range(2**week.days), repeat=len(keys)):
        visits = [{k for k, c in zip(keys, choice, strict=True) if c >> d & 1} for d in range(week.days)]
        plan = plan_visits(week, visits, time_limit_s=5)
        if not plan.predicted_overflows and (best is None or plan.cost_fen < best):
            best = plan.cost_fen
    assert best is not None
    return best


def test_outlet_on_the_way_is_pulled_into_the_day_that_must_go_out() -> None:
    """A must go on day 0; B, due on day 1 and next to A, joins it and day 1 stays home."""
    plan = plan_week(three_outlets(FILLS), time_limit_s=5)
    assert [sorted(s for r in d.plan.routes for s in r.stop_ids) for d in plan.days] == [["A", "B"], []]
    assert plan.cost_fen == FIXED_FEN + 240  # 2.4 km at 1 yuan
    assert plan.predicted_overflows == ()


def test_week_plan_matches_the_brute_force_optimum() -> None:
    """On three outlets and two days the planner's week costs what the best choice of days costs."""
    week = three_outlets(FILLS)
    assert plan_week(week, time_limit_s=5).cost_fen == brute_force_cost(week)


def test_far_outlet_with_room_waits() -> None:
    """C, far away and 10 % full, is not visited within the horizon."""
    plan = plan_week(three_outlets(FILLS), time_limit_s=5)
    assert all("C" not in d.fill_at_visit for d in plan.days)


def test_fill_at_visit_is_the_predicted_fill_of_that_day() -> None:
    """Each visited outlet carries its predicted fill on the day of the visit."""
    plan = plan_week(three_outlets(FILLS), time_limit_s=5)
    assert plan.days[0].fill_at_visit == {"A": 90.0, "B": 50.0}


def test_fast_outlet_is_visited_twice() -> None:
    """An outlet filling 45 points a day is emptied on days 1 and 3 of four, each time at 90 %."""
    slow = (0.0, 1.0, 2.0, 3.0, 4.0)
    fills = {"A": (45.0, 90.0, 135.0, 180.0, 225.0), "B": slow, "C": slow}
    plan = plan_week(three_outlets(fills, days=4), time_limit_s=5, pull_in=(0.0,))
    assert [d.fill_at_visit.get("A") for d in plan.days] == [None, 90.0, None, 90.0]


def test_checker_accepts_the_planned_week() -> None:
    """The independent checker finds nothing wrong with a planned week."""
    week = three_outlets(FILLS)
    assert check_week(week, plan_week(week, time_limit_s=5)) == []


def test_checker_flags_a_visit_after_the_overflow() -> None:
    """Visiting A only on day 1, when it is predicted at 120 %, is an overflow the checker reports."""
    week = three_outlets(FILLS)
    late = plan_visits(week, [set(), {"A", "B"}], time_limit_s=5)
    found = check_week(week, late)
    assert [(v.day, v.kind) for v in found] == [(1, "overflow")]
    assert late.predicted_overflows == ((1, "A"),)


def test_checker_flags_an_overloaded_truck() -> None:
    """A day whose predicted loads exceed the truck is a capacity violation."""
    week = three_outlets(FILLS)
    plan = plan_week(week, time_limit_s=5)
    small = WeekProblem(
        line_problem([0, 1000, 1200, 5000], [], [truck(kg=100.0, fixed_cost_fen=FIXED_FEN)]),
        week.outlets,
        days=2,
    )
    assert "capacity" in {v.kind for v in check_week(small, plan)}


def test_outlet_already_over_is_a_predicted_overflow_on_day_zero() -> None:
    """An outlet at 105 % this morning is reported as overflowing on day 0 and still visited."""
    fills = {**FILLS, "C": (105.0, 110.0, 115.0)}
    plan = plan_week(three_outlets(fills), time_limit_s=5)
    assert (0, "C") in plan.predicted_overflows
    assert "C" in plan.days[0].fill_at_visit


def test_outlook_length_must_cover_the_horizon() -> None:
    """An outlook without the morning after the horizon is refused."""
    with pytest.raises(InvalidProblemError, match="expected 3"):
        three_outlets({"A": (1.0, 2.0), "B": (1.0, 2.0, 3.0), "C": (1.0, 2.0, 3.0)})
