"""Week plans on the dispatch board: planned as a job, stored as rows beside daily
due-threshold planning, day 1 accepted as the day plan, re-planned the next morning."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from webapp.dispatch.weekaccept import accept_day_one, first_day_routes, suggested_drivers
from webapp.dispatch.weekplans import PlanWeekParams
from webapp.jobs import operations as jobs
from webapp.models import (
    CollectionPlan,
    Facility,
    FillReading,
    Job,
    Outlet,
    OutletStatus,
    PlannedRoute,
    PlannedStop,
    PlanStatus,
    ReadingSource,
    Role,
)
from webapp.models.weekplans import WeekMethod, WeekPlan, WeekPlanDay, WeekPlanStatus, WeekRoute, WeekVisit
from webapp.seed import seed_demo

FIRST = date(2026, 11, 24)


def seed_week(db, cache_dir, *, outlets: int = 24) -> Facility:
    """Demo outlets with two weeks of readings, each filling 20 points a day and emptied at 80 %.

    The busiest depot's outlets alternate in phase: half of them read 80 % on the last
    evening (due on day 1), the other half 40 %.
    """
    seed_demo(db, outlets=outlets, days=0, seed=11, cache_dir=cache_dir)
    depots = db.exec(select(Facility).where(Facility.is_depot == True).order_by(Facility.id)).all()
    rows = db.exec(select(Outlet).where(Outlet.status == OutletStatus.ACTIVE).order_by(Outlet.id)).all()

    def nearest(o: Outlet) -> int:
        return min(depots, key=lambda d: ((d.lon - o.lon) * 0.92) ** 2 + (d.lat - o.lat) ** 2).id

    depot = max(depots, key=lambda d: sum(nearest(o) == d.id for o in rows))
    start = datetime(2026, 11, 10, 0, 0, tzinfo=UTC)  # 08:00 in Shenzhen
    for n, outlet in enumerate(o for o in rows if nearest(o) == depot.id):
        phase = 8 if n % 2 == 0 else 4  # the 28th reading (index 27) is 80 % or 40 %
        for half_day in range(28):
            db.add(
                FillReading(
                    reading_id=f"r{outlet.id}-{half_day}",
                    outlet_id=outlet.id,
                    fill_pct=10.0 * ((half_day + phase) % 9),
                    measured_at=start + timedelta(hours=12 * half_day),
                    source=ReadingSource.SENSOR,
                    org_id=outlet.org_id,
                )
            )
    db.commit()
    return depot


def plan(app, db, depot, first: date = FIRST, **extra) -> WeekPlan:
    """Run the week job inline, as the board does, and return the stored week plan."""
    params = PlanWeekParams(first_day=first, depot_id=depot.id, days=3, time_limit_s=3, **extra)
    with app.app_context():
        from webapp.db import db_session

        job = jobs.enqueue(db_session(), params, actor_id=None)
        job_id = job.id
    db.expire_all()
    job = db.get(Job, job_id)
    assert job.status == "succeeded", job.error
    return db.get(WeekPlan, job.result["week_plan_id"])


@pytest.fixture
def depot(app, db, cache_dir) -> Facility:
    return seed_week(db, cache_dir)


def _days(db, week) -> list[WeekPlanDay]:
    return db.exec(
        select(WeekPlanDay).where(WeekPlanDay.week_plan_id == week.id).order_by(WeekPlanDay.index)
    ).all()


def _visits(db, day) -> list[WeekVisit]:
    routes = db.exec(select(WeekRoute).where(WeekRoute.week_day_id == day.id)).all()
    return db.exec(
        select(WeekVisit).where(WeekVisit.week_route_id.in_([r.id for r in routes]))  # type: ignore[attr-defined]
    ).all()


def test_a_week_plan_is_stored_with_days_routes_and_predicted_fills(app, db, depot) -> None:
    """Each day is a row with its routes; every outlet visit carries its predicted fill inside its band."""
    week = plan(app, db, depot)
    days = _days(db, week)
    assert [d.day for d in days] == [FIRST + timedelta(days=i) for i in range(3)]
    visits = [v for d in days for v in _visits(db, d) if v.kind == "outlet"]
    assert visits, "the week visits some outlet"
    for v in visits:
        assert v.fill_low_pct <= v.fill_high_pct and v.fill_pct is not None and v.outlet_id
    assert week.cost_fen == sum(d.cost_fen for d in days) > 0
    assert week.collected_g == pytest.approx(sum(d.collected_g for d in days), abs=len(days))
    assert week.truck_days == sum(d.trucks for d in days)


def test_the_baseline_plans_each_day_from_the_outlets_due_that_day(app, db, depot) -> None:
    """The due-threshold plan of the horizon is stored beside the week plan, visiting due outlets only."""
    week = plan(app, db, depot)
    baseline = db.get(WeekPlan, week.baseline_id)
    assert baseline.method == WeekMethod.DUE_THRESHOLD and baseline.first_day == week.first_day
    thresholds = {o.id: o.fill_threshold_pct for o in db.exec(select(Outlet))}
    visits = [v for d in _days(db, baseline) for v in _visits(db, d) if v.kind == "outlet"]
    assert visits and all(v.fill_pct >= thresholds[v.outlet_id] for v in visits)


def test_the_week_page_shows_the_days_fills_and_the_comparison(app, db, depot, client, auth) -> None:
    """The page has a section per day with predicted fills, the map's points and both plans' figures."""
    week = plan(app, db, depot)
    auth.login(Role.DISPATCHER)
    page = client.get(f"/dispatch/week/{week.id}").get_data(as_text=True)
    assert all(f'id="day-{n}"' in page for n in (1, 2, 3))
    assert "预测" in page and 'class="predicted-fill"' in page
    comparison = page.split('id="week-comparison"')[1].split("</section>")[0]
    assert "每吨" in comparison and 'data-figure="overflows"' in comparison


def test_accepting_day_one_makes_the_days_plan_with_the_suggested_drivers(app, db, depot) -> None:
    """Day 1's routes become an accepted CollectionPlan, each with the driver paired with its truck."""
    week = plan(app, db, depot)
    suggested = suggested_drivers(db, week)
    day, routes = first_day_routes(db, week)
    assert routes and set(suggested) == {r.id for r in routes}
    accepted = accept_day_one(db, week.id, suggested, actor_id=None)
    db.expire_all()
    assert accepted.status == PlanStatus.ACCEPTED and accepted.day == FIRST
    planned = db.exec(select(PlannedRoute).where(PlannedRoute.plan_id == accepted.id)).all()
    assert sorted(r.driver_id for r in planned) == sorted(suggested.values())
    stops = db.exec(
        select(PlannedStop).where(PlannedStop.route_id.in_([r.id for r in planned]))  # type: ignore[attr-defined]
    ).all()
    outlets = {v.outlet_id for v in _visits(db, day) if v.outlet_id}
    assert {s.outlet_id for s in stops if s.outlet_id} == outlets
    week = db.get(WeekPlan, week.id)
    assert week.status == WeekPlanStatus.ACCEPTED and week.accepted_plan_id == accepted.id


def test_day_one_is_accepted_once(app, db, depot) -> None:
    """A second acceptance of the same week plan is refused and leaves one accepted plan."""
    from webapp.dispatch.operations import DispatchError

    week = plan(app, db, depot)
    accept_day_one(db, week.id, {}, actor_id=None)
    with pytest.raises(DispatchError):
        accept_day_one(db, week.id, {}, actor_id=None)
    db.rollback()
    assert len(db.exec(select(CollectionPlan).where(CollectionPlan.status == PlanStatus.ACCEPTED)).all()) == 1


def test_the_next_morning_keeps_the_accepted_routes_and_reads_new_readings(app, db, depot) -> None:
    """Re-planning from day 2 keeps the routes accepted for that day exactly, marked kept."""
    week = plan(app, db, depot)
    tomorrow = FIRST + timedelta(days=1)
    later = plan(app, db, depot, first=tomorrow)
    _, routes = first_day_routes(db, later)
    accepted = accept_day_one(db, later.id, {}, actor_id=None)
    kept_visits = {r.number: [s.outlet_id for s in _route_stops(db, r)] for r in _planned(db, accepted)}
    again = plan(app, db, depot, first=tomorrow, replans=week.id)
    day, routes = first_day_routes(db, again)
    kept = [r for r in routes if r.kept]
    assert len(kept) == len(kept_visits) and again.replans_id == week.id
    for r in kept:
        visits = db.exec(
            select(WeekVisit).where(WeekVisit.week_route_id == r.id).order_by(WeekVisit.position)
        ).all()
        assert [v.outlet_id for v in visits] in kept_visits.values()


def test_a_ticked_route_of_another_day_is_refused_naming_it(app, db, depot) -> None:
    """Keeping a route that is not one of the re-planned day's fails the job with a message naming it."""
    week = plan(app, db, depot)
    _, routes = first_day_routes(db, week)
    params = PlanWeekParams(
        first_day=FIRST + timedelta(days=2),
        depot_id=depot.id,
        days=3,
        time_limit_s=3,
        keep_routes=(routes[0].id,),
    )
    with app.app_context():
        from webapp.db import db_session

        job_id = jobs.enqueue(db_session(), params, actor_id=None).id
    db.expire_all()
    job = db.get(Job, job_id)
    assert job.status == "failed" and str(routes[0].id) in job.error


def _planned(db, plan) -> list[PlannedRoute]:
    return db.exec(select(PlannedRoute).where(PlannedRoute.plan_id == plan.id)).all()


def _route_stops(db, route) -> list[PlannedStop]:
    return db.exec(
        select(PlannedStop).where(PlannedStop.route_id == route.id).order_by(PlannedStop.position)
    ).all()


def _reads_97_pct(db, reading_id: str, measured_at: datetime) -> Outlet:
    """An outlet of the depot that read 40 % on the last evening (72 % forecast for the 25th
    without more) now reads 97 % at ``measured_at``."""
    last = db.exec(
        select(FillReading).where(FillReading.reading_id.like("r%-27"), FillReading.fill_pct == 40.0)
    )
    outlet = db.get(Outlet, min(r.outlet_id for r in last))
    db.add(
        FillReading(
            reading_id=reading_id,
            outlet_id=outlet.id,
            fill_pct=97.0,
            measured_at=measured_at,
            source=ReadingSource.SENSOR,
            org_id=outlet.org_id,
        )
    )
    db.commit()
    return outlet


def test_a_morning_reading_moves_an_outlet_to_day_one(app, db, depot) -> None:
    """Re-planned the next morning, a reading of 97 % taken that morning makes the outlet a day-1 visit."""
    tomorrow = FIRST + timedelta(days=1)
    week = plan(app, db, depot)
    outlet = _reads_97_pct(db, "morning-97", datetime(2026, 11, 24, 23, 0, tzinfo=UTC))  # 07:00 in Shenzhen
    again = plan(app, db, depot, first=tomorrow, replans=week.id)
    visit = next(v for v in _visits(db, _days(db, again)[0]) if v.outlet_id == outlet.id)
    assert visit.fill_pct >= 97.0


def test_a_week_planned_from_today_after_ten_reads_the_days_readings(app, db, depot, monkeypatch) -> None:
    """Planned at 14:00 on its first day, the week visits from now: a reading taken at 12:00 counts."""
    monkeypatch.setattr("webapp.dispatch.week.utcnow", lambda: datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
    outlet = _reads_97_pct(db, "noon-97", datetime(2026, 11, 24, 4, 0, tzinfo=UTC))  # 12:00 in Shenzhen
    week = plan(app, db, depot)
    visit = next(v for v in _visits(db, _days(db, week)[0]) if v.outlet_id == outlet.id)
    assert visit.fill_pct >= 97.0
