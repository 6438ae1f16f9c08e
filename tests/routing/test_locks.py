"""Re-planning with locked routes and stops."""

from __future__ import annotations

import pytest

from routing import (
    CollectionProblem,
    InfeasibleLockError,
    InvalidLockError,
    LockedRoute,
    LockedStop,
)
from tests.routing.builders import line_problem, solve_checked, sorting_centre, stop, truck

POSITIONS = [0, 1000, 2000, 3000, -1000, -2000, -3000, 1500]


def _day(extra: tuple[str, int] | None = None) -> CollectionProblem:
    """Three stops east, three west, a centre at 1.5 km; two 250 kg trucks."""
    stops = [stop(f"e{i}", i, kg=100) for i in (1, 2, 3)]
    stops += [stop(f"w{i}", i + 3, kg=100) for i in (1, 2, 3)]
    if extra:
        stops.append(stop(extra[0], extra[1], kg=50))
    return line_problem(POSITIONS, stops, [truck(count=2, kg=250)], facilities=[sorting_centre(7)])


def test_locked_route_is_kept_exactly_on_replan() -> None:
    """A route handed to a driver survives a re-plan that adds a new stop next to it."""
    first = solve_checked(_day())
    kept = first.routes[0]
    replanned = solve_checked(_day(extra=("new", 1)), locked=[kept.to_lock()])
    same_vehicle = [r for r in replanned.routes if r.unit == kept.unit]
    assert [v.id for v in same_vehicle[0].visits] == [v.id for v in kept.visits]
    assert replanned.stops_served == 7


def test_locked_stop_stays_on_its_vehicle() -> None:
    """A stop locked to truck#1 is served by truck#1 whatever the cost."""
    plan = solve_checked(_day(), locked=[LockedStop("e1", "truck", 1)])
    (route,) = [r for r in plan.routes if "e1" in r.stop_ids]
    assert route.unit == 1


def test_lock_on_unknown_vehicle_is_rejected() -> None:
    """Locking a route on a truck the fleet does not have raises InvalidLockError."""
    with pytest.raises(InvalidLockError, match="truck#5"):
        solve_checked(_day(), locked=[LockedRoute("truck", 5, ("e1",))])


def test_lock_that_cannot_hold_is_reported() -> None:
    """A locked route over capacity (300 kg on a 250 kg truck) raises InfeasibleLockError."""
    with pytest.raises(InfeasibleLockError):
        solve_checked(_day(), locked=[LockedRoute("truck", 0, ("e1", "e2", "e3"))])
