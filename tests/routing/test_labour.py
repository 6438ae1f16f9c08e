"""The driver's pay per hour and overtime priced by every engine, as the plan page prices them."""

from __future__ import annotations

import pytest

from routing import CollectionProblem, InvalidVehicleTypeError, TimeWindow, VehicleType
from tests.routing.builders import EVERY_ENGINE, LUNCH, SHIFT, hm, line_problem, solve_checked, stop, truck

PAY = {"cost_per_hour_fen": 4000, "standard_day_s": 4 * 3600, "overtime_cost_per_hour_fen": 2000}
"""40 yuan an hour, a 4-hour standard day, overtime at 150 % (20 yuan an hour extra)."""


def _two_far_stops(**pay: int) -> CollectionProblem:
    """Stops 10 km either side of the depot, 3 h of service each, two trucks at 50 yuan a day.

    One truck drives 40 km and works 4000 s + 6 h = 25,600 s; two trucks drive the same
    40 km in all, 12,800 s each, so only the fixed cost and the overtime tell them apart.
    """
    stops = [stop("east", 1, service_s=3 * 3600), stop("west", 2, service_s=3 * 3600)]
    return line_problem([0, 10_000, -10_000], stops, [truck(count=2, fixed_cost_fen=5000, **pay)])


@pytest.mark.parametrize("engine", EVERY_ENGINE)
def test_without_pay_one_truck_does_everything(engine: str) -> None:
    """Fixed and km costs only: one truck, 50 + 40 yuan, beats two at 100 + 40."""
    plan = solve_checked(_two_far_stops(), engine=engine)
    assert [r.stop_ids for r in plan.routes] in ([("east", "west")], [("west", "east")])
    assert plan.cost_fen == 5000 + 4000


@pytest.mark.parametrize("engine", EVERY_ENGINE)
def test_pay_and_overtime_send_a_second_truck(engine: str) -> None:
    """With pay and overtime two trucks are optimal, and each costs fixed + km + hours exactly."""
    plan = solve_checked(_two_far_stops(**PAY), engine=engine)
    assert sorted(r.stop_ids for r in plan.routes) == [("east",), ("west",)]
    for route in plan.routes:
        assert route.paid_s == 12_800  # 2 x 1000 s driving + 3 h service, no overtime
        assert route.cost_fen == 5000 + 2000 + round(12_800 * 4000 / 3600)
    assert plan.cost_fen == 2 * (5000 + 2000 + 14_222)


def test_one_truck_day_costs_hours_and_overtime_by_hand() -> None:
    """The one-truck day the solver avoids: 90 yuan + 25,600 s at 40/h + 11,200 s at 20/h."""
    vt = _two_far_stops(**PAY).vehicle_types[0]
    assert vt.route_cost_fen(40_000, 25_600) == 5000 + 4000 + 28_444 + 6222
    assert vt.route_cost_fen(40_000, 25_600) > 2 * vt.route_cost_fen(20_000, 12_800)


@pytest.mark.parametrize("engine", EVERY_ENGINE)
def test_pay_alone_changes_nothing_when_hours_add_up_the_same(engine: str) -> None:
    """Without overtime the hours are the same either way: one truck still saves its fixed cost."""
    pay = {"cost_per_hour_fen": 4000}
    plan = solve_checked(_two_far_stops(**pay), engine=engine)
    assert len(plan.routes) == 1
    assert plan.cost_fen == 5000 + 4000 + round(25_600 * 4000 / 3600)


@pytest.mark.parametrize("engine", ["exhaustive", "ortools"])
def test_lunch_on_the_road_is_not_paid(engine: str) -> None:
    """A day from 6:43 to 14:33 with lunch in its wait pays 7 h 50 less the 45-minute break."""
    stops = [
        stop("a", 1, window=TimeWindow(hm(7), hm(7)), service_s=4 * 3600),
        stop("b", 2, window=TimeWindow(hm(14), hm(14))),
    ]
    problem = line_problem([0, 10_000, 20_000], stops, [truck(breaks=(LUNCH,), cost_per_hour_fen=3600)])
    (route,) = solve_checked(problem, engine=engine).routes
    assert (route.start_s, route.end_s) == (hm(6, 43) + 20, hm(14, 33) + 20)
    assert len(route.breaks) == 1 and route.start_s < route.breaks[0].start_s < route.end_s
    assert route.paid_s == 28_200 - LUNCH.duration_s
    assert route.cost_fen == 4000 + route.paid_s  # 1 yuan a km, 1 fen a second


def test_solvers_price_a_second_at_the_rounded_rate() -> None:
    """40 yuan an hour is 1111 milli-fen a second for the search (exact fen in the result)."""
    vt = truck(cost_per_hour_fen=4000)
    assert vt.millifen_per_s == 1111
    assert vt.labour_fen(3600) == 4000


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"cost_per_hour_fen": -1}, "negative cost"),
        ({"standard_day_s": -1}, "negative standard day"),
        ({"standard_day_s": 8 * 3600, "overtime_cost_per_hour_fen": -1}, "negative overtime cost"),
        ({"overtime_cost_per_hour_fen": 2000}, "without a standard day"),
    ],
)
def test_bad_pay_is_refused(options: dict[str, int], field: str) -> None:
    """Negative pay, or overtime with no standard day to count it from, names the problem."""
    with pytest.raises(InvalidVehicleTypeError, match=field):
        VehicleType("t", 1, 100, 1, SHIFT, "d", "d", **options)  # type: ignore[arg-type]
