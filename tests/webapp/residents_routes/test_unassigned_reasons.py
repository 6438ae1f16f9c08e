"""An unassigned booking gets the specific reason its figures show (slot out of reach,
no vehicle, outside the area, too heavy, trucks full, search time), on the board, on the
resident's status page and by SMS."""

from __future__ import annotations

import dataclasses

import routing
from webapp.dispatch.bookings import booking_key
from webapp.dispatch.diagnosis import diagnose
from webapp.dispatch.problem import build_day
from webapp.models import Role
from webapp.models.residents import Booking, BookingStatus
from webapp.residents.sms import ConsoleSender

from .conftest import RESIDENT_PASSWORD, RESIDENT_PHONE, solve_and_save


def _solved(db, world, cache_dir):
    built = build_day(db, world.day, world.depot.id, cache_dir=cache_dir)
    return built.problem, routing.solve(built.problem, time_limit_s=2, seed=0)


def _stop(problem, booking):
    return problem.stops[problem.stop_index[booking_key(booking.id)]]


def test_a_slot_before_any_shift_is_told_as_out_of_reach_everywhere(
    app, client, auth, db, world, cache_dir
) -> None:
    """05:00–06:00: slot_unreachable with the earliest arrival; the board, the resident's
    page and an SMS to the resident all say so in Chinese."""
    outbox = app.extensions["reloop.sms"] = ConsoleSender()
    with app.app_context():  # as the solve job and the views run it
        plan, _built = solve_and_save(db, world, cache_dir)
    early = world.bookings[2]
    entry = next(u for u in plan.unassigned if u.get("booking_id") == early.id)
    assert entry["reason"] == "slot_unreachable" and entry["earliest_s"] > entry["closes_s"] == 6 * 3600
    db.expire_all()
    row = db.get(Booking, early.id)
    assert row.status == BookingStatus.UNASSIGNED
    assert row.reason.startswith("无法在班次内从车场到达该时段") and "05:00–06:00" in row.reason
    message = outbox.last_to(RESIDENT_PHONE)
    assert message is not None and row.reason in message and f"B{early.id:05d}" in message
    auth.login(Role.DISPATCHER)
    board = client.get(f"/dispatch/?day={world.day}&depot={world.depot.id}").get_data(as_text=True)
    assert "无法在班次内从车场到达该时段" in board
    client.get("/logout")
    assert (
        client.post("/login", data={"username": RESIDENT_PHONE, "password": RESIDENT_PASSWORD}).status_code
        == 302
    )
    page = client.get(f"/r/bookings/{early.id}").get_data(as_text=True)
    assert "无法在班次内从车场到达该时段" in page


def test_saving_again_sends_no_second_sms(app, db, world, cache_dir) -> None:
    """The same outcome twice texts the resident once about it."""
    outbox = app.extensions["reloop.sms"] = ConsoleSender()
    with app.app_context():
        solve_and_save(db, world, cache_dir)
        solve_and_save(db, world, cache_dir)
    early = f"B{world.bookings[2].id:05d}"  # the others depend on the 2 s search under load
    assert sum(1 for to, m in outbox.outbox if to == RESIDENT_PHONE and early in m) == 1


def test_no_vehicle_working_that_day(db, world, cache_dir) -> None:
    """A fleet with no vehicle out: no_vehicle_today."""
    problem, plan = _solved(db, world, cache_dir)
    idle = dataclasses.replace(
        problem, vehicle_types=tuple(dataclasses.replace(v, count=0) for v in problem.vehicle_types)
    )
    assert diagnose(idle, plan, _stop(problem, world.bookings[0]))["reason"] == "no_vehicle_today"


def test_a_door_no_street_leads_to_is_outside_the_area(db, world, cache_dir) -> None:
    """Unreachable from every depot on the network: outside_area."""
    problem, plan = _solved(db, world, cache_dir)
    stop = _stop(problem, world.bookings[0])
    distance, duration = problem.distance_m.copy(), problem.duration_s.copy()
    for matrix in (distance, duration):
        matrix[:, stop.location] = routing.UNREACHABLE
        matrix[stop.location, stop.location] = 0
    cut = dataclasses.replace(problem, distance_m=distance, duration_s=duration)
    assert diagnose(cut, plan, stop)["reason"] == "outside_area"


def test_a_load_above_the_largest_truck_is_too_heavy(db, world, cache_dir) -> None:
    """Trucks of 5 kg for a 12 kg booking: too_heavy with both figures."""
    problem, plan = _solved(db, world, cache_dir)
    small = dataclasses.replace(
        problem, vehicle_types=tuple(dataclasses.replace(v, capacity_kg=5.0) for v in problem.vehicle_types)
    )
    found = diagnose(small, plan, _stop(problem, world.bookings[0]))
    assert found == {"reason": "too_heavy", "kg": 12.0, "largest_kg": 5.0}


def test_full_trucks_and_none_idle_is_capacity(db, world, cache_dir) -> None:
    """Every truck out and loaded to within 1 kg: capacity, with the room left."""
    problem, plan = _solved(db, world, cache_dir)
    used = {r.vehicle_type_id for r in plan.routes}
    peak = max(v.load_kg for r in plan.routes for v in r.visits)
    counts = {t: sum(r.vehicle_type_id == t for r in plan.routes) for t in used}
    tight = dataclasses.replace(
        problem,
        vehicle_types=tuple(
            dataclasses.replace(
                v, count=counts.get(v.id, 0), capacity_kg=max(peak + 1.0, 13.0) if v.id in used else 0
            )
            for v in problem.vehicle_types
        ),
    )
    stop = dataclasses.replace(_stop(problem, world.bookings[0]), loads=(routing.Load("paper", 12.5, 0.0),))
    found = diagnose(tight, plan, stop)
    assert found["reason"] == "capacity" and found["free_kg"] < 12.5


def test_otherwise_the_search_time_ran_out(db, world, cache_dir) -> None:
    """Reachable, light, a truck idle, but the search stopped on its time limit."""
    problem, plan = _solved(db, world, cache_dir)
    stopped = dataclasses.replace(
        plan, search=dataclasses.replace(plan.search, stopped_by="time_limit", wall_s=2.0)
    )
    found = diagnose(problem, stopped, _stop(problem, world.bookings[0]))
    assert found == {"reason": "time_ran_out", "wall_s": 2.0}
