"""Multi-day planning: visit days chosen against predicted overflow, each day routed, checked."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from routing import InvalidProblemError, LockedRoute, TimeWindow, VehicleType
from routing.week import OutletOutlook, WeekPlan, WeekProblem, plan_visits, plan_week
from routing.week_check import check_week
from tests.routing.builders import hm, line_problem, stop, truck

FIXED_FEN = 5000


def three_outlets(fills: dict[str, tuple[float, ...]], days: int = 2) -> WeekProblem:
    """Depot at 0 m, A at 1,000 m, B at 1,200 m, C at 5,000 m on one road; 50 yuan a truck-day."""
    base = line_problem([0, 1000, 1200, 5000], [], [truck(fixed_cost_fen=FIXED_FEN)])
    outlets = tuple(
        OutletOutlook(stop(key, i + 1, kg=100.0), fills[key]) for i, key in enumerate(("A", "B", "C"))
    )
    return WeekProblem(base, outlets, days=days)


FILLS = {"A": (90.0, 120.0, 150.0), "B": (50.0, 70.0, 110.0), "C": (10.0, 20.0, 30.0)}


def brute_force_per_tonne(week: WeekProblem) -> float:
    """The lowest cost per tonne of an overflow-free week over every choice of visit days."""
    keys = [o.stop.id for o in week.outlets]
    best = None
    for choice in itertools.product(range(2**week.days), repeat=len(keys)):
        visits = [{k for k, c in zip(keys, choice, strict=True) if c >> d & 1} for d in range(week.days)]
        plan = plan_visits(week, visits, time_limit_s=5)
        per_tonne = plan.cost_per_tonne_fen
        if not plan.predicted_overflows and per_tonne is not None and (best is None or per_tonne < best):
            best = per_tonne
    assert best is not None
    return best


def test_outlet_on_the_way_is_pulled_into_the_day_that_must_go_out() -> None:
    """A must go on day 0; B, due on day 1 and next to A, joins it and day 1 stays home."""
    plan = plan_week(three_outlets(FILLS), time_limit_s=5)
    assert [sorted(s for r in d.plan.routes for s in r.stop_ids) for d in plan.days] == [["A", "B"], []]
    assert plan.cost_fen == FIXED_FEN + 240  # 2.4 km at 1 yuan
    assert plan.predicted_overflows == ()


def test_week_plan_matches_the_brute_force_optimum() -> None:
    """On three outlets and two days the planner's cost per tonne is the best choice of days'."""
    week = three_outlets(FILLS)
    per_tonne = plan_week(week, time_limit_s=5).cost_per_tonne_fen
    assert per_tonne is not None and abs(per_tonne - brute_force_per_tonne(week)) < 1e-6


def test_three_day_week_matches_the_brute_force_optimum() -> None:
    """On three outlets and three days (512 choices of days) the planner finds the best cost per tonne."""
    fills = {"A": (60.0, 95.0, 130.0, 165.0), "B": (30.0, 55.0, 80.0, 105.0), "C": (40.0, 60.0, 80.0, 100.0)}
    week = three_outlets(fills, days=3)
    per_tonne = plan_week(week, time_limit_s=5).cost_per_tonne_fen
    assert per_tonne is not None and abs(per_tonne - brute_force_per_tonne(week)) < 1e-6


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


def test_kept_route_of_day_zero_stays_as_given() -> None:
    """A kept route C, A on day 0 is driven exactly so; B, on the way, waits or goes on another day."""
    week = three_outlets(FILLS)
    plan = plan_week(week, time_limit_s=5, kept_routes=[LockedRoute("truck", 0, ("C", "A"))])
    assert [r.stop_ids for r in plan.days[0].plan.routes] == [("C", "A")]
    assert "C" in plan.days[0].fill_at_visit
    assert "B" in plan.days[1].fill_at_visit
    assert check_week(week, plan) == []


def test_kept_route_with_an_unknown_outlet_is_refused() -> None:
    """A kept route naming an outlet outside the week is refused with its id."""
    with pytest.raises(InvalidProblemError, match="'Z'"):
        plan_week(three_outlets(FILLS), time_limit_s=5, kept_routes=[LockedRoute("truck", 0, ("Z",))])


def test_checker_flags_a_kept_route_that_was_not_kept() -> None:
    """A plan whose day 0 does not drive the kept route C, A is reported as breaking it."""
    week = three_outlets(FILLS)
    plan = plan_week(week, time_limit_s=5)
    found = check_week(week, plan, kept_routes=[LockedRoute("truck", 0, ("C", "A"))])
    assert [(v.day, v.kind) for v in found] == [(0, "kept")]


def test_checker_flags_a_visit_outside_its_window() -> None:
    """A week whose outlet A closes before the shift starts makes the planned visit late."""
    week = three_outlets(FILLS)
    plan = plan_week(week, time_limit_s=5)
    early = tuple(
        replace(o, stop=replace(o.stop, window=TimeWindow(0, hm(5)))) if o.stop.id == "A" else o
        for o in week.outlets
    )
    found = check_week(replace(week, outlets=early), plan)
    assert "window" in {v.kind for v in found}


def test_checker_flags_an_outlet_not_in_the_week() -> None:
    """A plan that visits an outlet the week does not know is a coverage violation."""
    week = three_outlets(FILLS)
    plan = plan_week(week, time_limit_s=5)
    without_b = replace(week, outlets=tuple(o for o in week.outlets if o.stop.id != "B"))
    found = check_week(without_b, plan)
    assert (found[0].day, found[0].kind) == (0, "coverage") and "'B'" in found[0].message


def test_checker_flags_a_plan_of_the_wrong_length() -> None:
    """A one-day plan for a two-day week is refused before anything else."""
    week = three_outlets(FILLS)
    plan = plan_week(week, time_limit_s=5)
    assert [v.kind for v in check_week(week, replace(plan, days=plan.days[:1]))] == ["days"]


def test_polish_keeps_the_visits_and_the_kept_route() -> None:
    """Re-solving the chosen days keeps who is visited when, and day 0's kept route."""
    week = three_outlets(FILLS)
    kept = [LockedRoute("truck", 0, ("C", "A"))]
    plan = plan_week(week, time_limit_s=5, kept_routes=kept, polish_s=5)
    assert [r.stop_ids for r in plan.days[0].plan.routes] == [("C", "A")]
    assert check_week(week, plan, kept_routes=kept) == []


def test_polished_days_carry_the_exact_predicted_loads() -> None:
    """A fill of 90.04 % is shown as 90.0 but loaded as 90.04 %: the checker finds no load mismatch."""
    fills = {"A": (90.04, 120.04, 150.04), "B": (50.03, 70.03, 110.03), "C": FILLS["C"]}
    week = three_outlets(fills)
    plan = plan_week(week, time_limit_s=5, polish_s=5)
    assert plan.days[0].fill_at_visit["A"] == 90.0
    assert check_week(week, plan) == []


def priced_week() -> WeekProblem:
    """A must go on day 0; B (next to A) and C (49 km further) need no visit this week."""
    base = line_problem([0, 1000, 1200, 50_000], [], [truck(fixed_cost_fen=FIXED_FEN)])
    fills = {"A": (90.0, 120.0, 150.0), "B": (50.0, 60.0, 70.0), "C": (30.0, 40.0, 50.0)}
    outlets = tuple(
        OutletOutlook(stop(key, i + 1, kg=100.0), fills[key]) for i, key in enumerate(("A", "B", "C"))
    )
    return WeekProblem(base, outlets, days=2)


def test_price_per_kg_pulls_in_the_cheap_detour_and_leaves_the_dear_one() -> None:
    """B's 0.4 km detour brings 50 kg for less than the week's cost per kg; C's 98 km do not."""
    week = priced_week()
    alone = plan_week(week, time_limit_s=5, pull_in=(0.0,), fill_trucks=(), ratio_rounds=0, merge_days=False)
    priced = plan_week(week, time_limit_s=5, pull_in=(0.0,), fill_trucks=(), ratio_rounds=2, merge_days=False)
    assert [sorted(d.fill_at_visit) for d in alone.days] == [["A"], []]
    assert [sorted(d.fill_at_visit) for d in priced.days] == [["A", "B"], []]
    assert alone.cost_per_tonne_fen is not None and priced.cost_per_tonne_fen is not None
    assert priced.cost_per_tonne_fen < alone.cost_per_tonne_fen
    assert check_week(week, priced) == []


def test_price_per_kg_leaves_out_outlets_a_later_day_must_visit() -> None:
    """An outlet due on day 1 gains no weight by an early visit: the price does not pull it in."""
    base = line_problem([0, 1000, 1200], [], [truck(fixed_cost_fen=FIXED_FEN)])
    fills = {"A": (90.0, 120.0, 150.0), "B": (60.0, 95.0, 130.0)}
    outlets = tuple(OutletOutlook(stop(key, i + 1, kg=100.0), fills[key]) for i, key in enumerate(fills))
    week = WeekProblem(base, outlets, days=2)
    plan = plan_week(week, time_limit_s=5, pull_in=(0.0,), fill_trucks=(), ratio_rounds=2, merge_days=False)
    assert [sorted(d.fill_at_visit) for d in plan.days] == [["A"], ["A", "B"]]
    assert plan.predicted_overflows == ()


def test_week_solves_bounds_the_day_solves(monkeypatch: pytest.MonkeyPatch) -> None:
    """plan_week never solves more days than week_solves says, so a budget split by it holds."""
    import routing.week as week_module

    calls = []
    real = week_module.solve

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(week_module, "solve", counting)
    week = three_outlets(FILLS)
    plan_week(week, time_limit_s=1, pull_in=(0.0, 1.0), fill_trucks=(1.0,), ratio_rounds=2)
    assert 0 < len(calls) <= week_module.week_solves(week.days, pull_in=2, fill_trucks=1, ratio_rounds=2)


def _counting_solves(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Each day solve's time limit, in the order plan_week makes them."""
    import routing.week as week_module

    limits: list[float] = []
    real = week_module.solve

    def counting(*args: object, **kwargs: object) -> object:
        limits.append(float(kwargs["time_limit_s"]))  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(week_module, "solve", counting)
    return limits


def test_a_spent_budget_plans_the_first_week_and_tries_nothing_more(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no time left the first week is planned in full (one short solve a day, every
    outlet kept under its level) and no other week is tried: a loaded machine gets fewer
    trials, never a late or a partial plan."""
    import routing.week as week_module

    limits = _counting_solves(monkeypatch)
    week = three_outlets(FILLS)
    plan = plan_week(week, time_limit_s=5, pull_in=(0.0, 1.0), fill_trucks=(1.0,), ratio_rounds=2, budget_s=0)
    assert limits == [week_module.MIN_SOLVE_S] * week.days
    assert len(plan.days) == week.days and plan.predicted_overflows == ()
    assert check_week(week, plan) == []


def test_without_a_budget_every_week_is_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same week with no budget makes the other trials too, each day at its own limit."""
    limits = _counting_solves(monkeypatch)
    week = three_outlets(FILLS)
    plan_week(week, time_limit_s=1, pull_in=(0.0, 1.0), fill_trucks=(1.0,), ratio_rounds=2)
    assert len(limits) > week.days and set(limits) == {1.0}


def test_a_budget_that_fits_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A budget far above what the solves need: the same solves at the same limits as without one."""
    week = three_outlets(FILLS)
    options = {"time_limit_s": 1, "pull_in": (0.0,), "fill_trucks": (1.0,), "ratio_rounds": 1}
    limits = _counting_solves(monkeypatch)
    free = plan_week(week, **options)  # type: ignore[arg-type]
    unbounded = list(limits)
    limits.clear()
    bounded = plan_week(week, **options, budget_s=3600)  # type: ignore[arg-type]
    assert limits == unbounded
    assert [d.fill_at_visit for d in bounded.days] == [d.fill_at_visit for d in free.days]


def _filled_trucks_week(
    positions: list[int], vehicle: VehicleType, fills: dict[str, tuple[float, ...]], *, time_limit_s: float
) -> tuple[WeekProblem, WeekPlan]:
    """Outlets of 100 kg at ``positions[1:]`` along one road (in the order of ``fills``),
    their week planned with filled trucks only (no other way, price round or merge)."""
    base = line_problem(positions, [], [vehicle])
    outlets = tuple(OutletOutlook(stop(key, i + 1, kg=100.0), fills[key]) for i, key in enumerate(fills))
    week = WeekProblem(base, outlets, days=len(next(iter(fills.values()))) - 1)
    options = {"pull_in": (0.0,), "fill_trucks": (1.0,), "ratio_rounds": 0, "merge_days": False}
    return week, plan_week(week, time_limit_s=time_limit_s, **options)  # type: ignore[arg-type]


def test_filled_trucks_take_a_cheap_outlet_due_later_and_leave_a_dear_one() -> None:
    """Day 0 must send a truck to A; B, due on day 1, rides along in it and day 1 stays home.

    C, due on day 2 and 49 km away, waits: its prize does not pay the detour.
    """
    fills = {
        "A": (90.0, 120.0, 150.0, 180.0),
        "B": (70.0, 95.0, 120.0, 145.0),
        "C": (40.0, 70.0, 100.0, 130.0),
    }
    vehicle = truck(count=2, fixed_cost_fen=FIXED_FEN)
    week, plan = _filled_trucks_week([0, 1000, 1200, 50_000], vehicle, fills, time_limit_s=5)
    assert sorted(plan.days[0].fill_at_visit) == ["A", "B"]
    assert len(plan.days[0].plan.routes) == 1
    assert plan.predicted_overflows == ()
    assert check_week(week, plan) == []


def test_a_filled_truck_takes_the_outlet_that_would_not_fill_further() -> None:
    """Of two optional outlets 60 % full today, the truck (room for one beside R) takes S,
    which stays near 60 %, over F, on its way but 100 % full by the last day: F's
    weight is collected then, when it is due anyway, and emptying it today would only
    add a visit. S costs a 200 m detour beyond R."""
    fills = {
        "F": (60.0, 90.0, 99.5, 130.0),
        "R": (95.0, 110.0, 125.0, 140.0),
        "S": (60.0, 62.0, 64.0, 66.0),
    }
    vehicle = truck(kg=170.0, fixed_cost_fen=FIXED_FEN)
    week, plan = _filled_trucks_week([0, 900, 1000, 1100], vehicle, fills, time_limit_s=2)
    assert sorted(plan.days[0].fill_at_visit) == ["R", "S"]
    assert "F" in plan.days[2].fill_at_visit
    assert plan.predicted_overflows == ()
    assert check_week(week, plan) == []


def test_labour_is_weighed_by_the_solve_but_counted_once() -> None:
    """With an hourly rate, each day's routes still cost fixed + km and the week adds the hours."""
    week = replace(three_outlets(FILLS), labour_fen_per_hour=3600)
    plan = plan_week(week, time_limit_s=5)
    routes = [r for d in plan.days for r in d.plan.routes]
    assert routes
    for r in routes:
        assert r.cost_fen == FIXED_FEN + round(r.distance_m * 100 / 1000)
    for d in plan.days:
        assert d.cost_fen == d.plan.cost_fen + round(d.plan.hours * 3600)
    assert check_week(week, plan) == []


def test_polish_days_routes_again_only_the_leading_days(monkeypatch: pytest.MonkeyPatch) -> None:
    """``polish_days=1``: day 0 is solved once more at the polish limit, the later days not."""
    week = three_outlets(FILLS)
    options = {"time_limit_s": 1, "fill_trucks": (), "ratio_rounds": 0, "merge_days": False}
    limits = _counting_solves(monkeypatch)
    plan = plan_week(week, **options, polish_s=3, polish_days=1)  # type: ignore[arg-type]
    assert limits.count(3.0) == 1 and len(limits) == week.days + 1
    limits.clear()
    plan_week(week, **options, polish_s=3)  # type: ignore[arg-type]
    assert limits.count(3.0) == week.days
    assert check_week(week, plan) == []


def test_morning_plan_finds_the_optimum_and_gives_day_zero_the_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """plan_morning: the brute-force best week, and day 0's filled solve gets the
    seconds the scouting week and the later days' short solves leave: more than any
    other solve and at least half the budget here (its solves end at once)."""
    from routing.week import plan_morning

    week = three_outlets(FILLS)
    best = brute_force_per_tonne(week)
    limits = _counting_solves(monkeypatch)
    plan = plan_morning(week, budget_s=6)
    per_tonne = plan.cost_per_tonne_fen
    assert per_tonne is not None and abs(per_tonne - best) < 1e-6
    assert check_week(week, plan) == []
    longest = max(limits)
    assert longest >= 0.5 * 6 and limits.count(longest) == 1
    # The scouting week's solves, day 0's first (its required outlets), then its filled one.
    assert longest == limits[week.days + 1]


def test_morning_plan_keeps_the_routes_accepted_for_today() -> None:
    """The rolling horizon's re-plan keeps day 0's accepted route exactly."""
    from routing.week import plan_morning

    week = three_outlets(FILLS)
    kept = [LockedRoute("truck", 0, ("C", "A"))]
    plan = plan_morning(week, budget_s=3, kept_routes=kept)
    assert [r.stop_ids for r in plan.days[0].plan.routes] == [("C", "A")]
    assert check_week(week, plan, kept_routes=kept) == []


def _spread_first_solve(monkeypatch: pytest.MonkeyPatch, routes: list[LockedRoute]) -> list[int]:
    """The first day solve keeps ``routes`` (as a short solve might spread a day); the
    number of trucks each solve may use is returned as it goes."""
    import routing.week

    real = routing.week.solve
    fleets: list[int] = []

    def solve(problem, **options):  # type: ignore[no-untyped-def]
        if not fleets:
            options["locked"] = routes
        fleets.append(sum(vt.count for vt in problem.vehicle_types))
        return real(problem, **options)

    monkeypatch.setattr(routing.week, "solve", solve)
    return fleets


def two_trucks(service_s: int) -> WeekProblem:
    """A and B due today on one road, two trucks of a 14-hour shift, ``service_s`` a visit."""
    base = line_problem([0, 1000, 1200], [], [truck(count=2, fixed_cost_fen=FIXED_FEN)])
    fills = {"A": (90.0, 120.0), "B": (80.0, 110.0)}
    outlets = tuple(
        OutletOutlook(stop(key, i + 1, kg=100.0, service_s=service_s), fills[key])
        for i, key in enumerate(("A", "B"))
    )
    return WeekProblem(base, outlets, days=1)


def test_a_day_spread_over_a_spare_truck_goes_out_on_one_fewer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A short solve that sends A and B out on a truck each (an hour's work in all) is
    solved again on one truck, and the day goes out with that one."""
    week = two_trucks(service_s=1800)
    fleets = _spread_first_solve(
        monkeypatch, [LockedRoute("truck", 0, ("A",)), LockedRoute("truck", 1, ("B",))]
    )
    plan = plan_week(week, time_limit_s=1, pull_in=(), ratio_rounds=0, merge_days=False)
    assert fleets == [2, 1]
    assert [sorted(r.stop_ids) for r in plan.days[0].plan.routes] == [["A", "B"]]
    assert check_week(week, plan) == []


def test_a_day_that_nearly_fills_the_trucks_left_keeps_its_trucks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two visits of 6.5 hours would take 93 % of one 14-hour shift: more than the 85 %
    a truck fewer is tried at, so the day keeps both trucks and is not solved again."""
    week = two_trucks(service_s=6 * 3600 + 1800)
    fleets = _spread_first_solve(
        monkeypatch, [LockedRoute("truck", 0, ("A",)), LockedRoute("truck", 1, ("B",))]
    )
    plan = plan_week(week, time_limit_s=1, pull_in=(), ratio_rounds=0, merge_days=False)
    assert fleets == [2]
    assert len(plan.days[0].plan.routes) == 2
