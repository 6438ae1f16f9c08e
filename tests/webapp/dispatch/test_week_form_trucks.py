"""The week form chooses the trucks for the horizon, as the day form does for its day: ticked
by default, refused with the field named when none or another depot's, and only the chosen
trucks drive on any day of the week plan (a re-plan keeps the choice)."""

# ruff: noqa: F811  (the ``depot`` fixture is imported from the week plan's tests)

from __future__ import annotations

from sqlmodel import select

from tests.webapp.dispatch.test_week_plans import FIRST, depot  # noqa: F401
from webapp.dispatch.weekplans import PlanWeekParams
from webapp.models import Job, Role, Vehicle
from webapp.models.weekplans import WeekPlan, WeekPlanDay, WeekRoute


def _trucks(db, depot) -> list[Vehicle]:
    return db.exec(
        select(Vehicle).where(Vehicle.depot_id == depot.id, Vehicle.active == True).order_by(Vehicle.id)
    ).all()


def _post(client, depot, **extra) -> object:
    data = {"first_day": FIRST.isoformat(), "depot": depot.id, "days": 3, "time_limit_s": 5, **extra}
    return client.post("/dispatch/week/plan", data=data)


def _fieldset(page: str) -> str:
    return page.split('id="week-vehicles"')[1].split("</fieldset>")[0]


def test_the_week_form_offers_the_depots_trucks_all_ticked(client, auth, db, depot) -> None:
    """Every active truck of the depot is a ticked checkbox; no other depot's truck is offered."""
    auth.login(Role.DISPATCHER)
    trucks = _fieldset(client.get(f"/dispatch/week/?depot={depot.id}").get_data(as_text=True))
    mine = _trucks(db, depot)
    assert mine
    for truck in mine:
        assert f'name="vehicles" value="{truck.id}" checked' in trucks and truck.plate in trucks
    others = db.exec(select(Vehicle).where(Vehicle.depot_id != depot.id)).all()
    assert all(f'value="{v.id}"' not in trucks for v in others)


def test_unticking_every_truck_is_refused_naming_the_field_in_chinese_and_english(
    client, auth, db, depot
) -> None:
    """No truck: 422 naming 出车车辆 (Trucks in English), and nothing is queued."""
    auth.login(Role.DISPATCHER)
    response = _post(client, depot, fleet_shown="1")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "出车车辆: 请至少选择一辆车。" in page
    assert 'id="week-vehicles-error"' in page
    client.get("/lang/en")
    english = _post(client, depot, fleet_shown="1").get_data(as_text=True)
    assert "Trucks: Choose at least one truck." in english
    assert db.exec(select(Job)).first() is None


def test_another_depots_truck_is_refused_naming_it(client, auth, db, depot) -> None:
    """A truck id that is not the depot's is named in the field's error."""
    auth.login(Role.DISPATCHER)
    other = db.exec(select(Vehicle).where(Vehicle.depot_id != depot.id)).first()
    stranger = other.id if other is not None else 999_999
    response = _post(client, depot, fleet_shown="1", vehicles=[_trucks(db, depot)[0].id, stranger])
    assert response.status_code == 422
    assert f"不是本车场的车辆：{stranger}" in response.get_data(as_text=True)
    assert db.exec(select(Job)).first() is None


def test_only_the_chosen_truck_drives_on_every_day_and_a_replan_keeps_it(client, auth, db, depot) -> None:
    """One truck ticked: every route of every day is that truck's; the re-plan's job has the same choice."""
    auth.login(Role.DISPATCHER)
    chosen = _trucks(db, depot)[0]
    response = _post(client, depot, fleet_shown="1", vehicles=[chosen.id])
    assert response.status_code == 302
    db.expire_all()
    job = db.exec(select(Job).order_by(Job.id.desc())).first()  # type: ignore[attr-defined]
    assert job.status == "succeeded", job.error
    assert PlanWeekParams.of(job).vehicle_ids == (chosen.id,)
    week = db.get(WeekPlan, job.result["week_plan_id"])
    days = db.exec(select(WeekPlanDay).where(WeekPlanDay.week_plan_id == week.id)).all()
    routes = db.exec(select(WeekRoute).where(WeekRoute.week_day_id.in_([d.id for d in days]))).all()  # type: ignore[attr-defined]
    assert routes and {r.vehicle_id for r in routes} == {chosen.id}
    assert all(d.trucks <= 1 for d in days)
    replan = client.post(f"/dispatch/week/{week.id}/replan", data={"first_day": FIRST.isoformat()})
    assert replan.status_code == 302
    db.expire_all()
    latest = db.exec(select(Job).order_by(Job.id.desc())).first()  # type: ignore[attr-defined]
    assert latest.id != job.id and PlanWeekParams.of(latest).vehicle_ids == (chosen.id,)
