"""`reloop routing plan-week`: the week plan from the database's readings, as one JSON object."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from webapp.models import Facility, FillReading, Outlet, OutletStatus, ReadingSource
from webapp.seed import seed_demo

FIRST = date(2026, 11, 24)


def _seed(db, cache_dir) -> Facility:
    """Demo outlets with two weeks of readings: the first depot's outlets fill 20 points a day."""
    seed_demo(db, outlets=30, days=0, seed=11, cache_dir=cache_dir)
    depot = db.exec(select(Facility).where(Facility.is_depot == True).order_by(Facility.id)).first()
    outlets = db.exec(select(Outlet).where(Outlet.status == OutletStatus.ACTIVE).order_by(Outlet.id)).all()
    start = datetime(2026, 11, 10, 0, 0, tzinfo=UTC)  # 08:00 in Shenzhen
    for outlet in outlets:
        for half_day in range(28):
            at = start + timedelta(hours=12 * half_day)
            fill = min(99.0, 10.0 * (half_day % 8))  # emptied every four days
            db.add(
                FillReading(
                    reading_id=f"r{outlet.id}-{half_day}",
                    outlet_id=outlet.id,
                    fill_pct=fill,
                    measured_at=at,
                    source=ReadingSource.SENSOR,
                    org_id=outlet.org_id,
                )
            )
    db.commit()
    return depot


def test_plan_week_prints_the_json_contract(runner, db, cache_dir) -> None:
    """One JSON object: days with date, routes, km, cost, predicted fill; cost per tonne; overflows."""
    depot = _seed(db, cache_dir)
    args = ["routing", "plan-week", "--date", FIRST.isoformat(), "--depot", str(depot.id), "--days", "3"]
    result = runner.invoke(args=[*args, "--time-limit-s", "6", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"days", "cost_per_tonne", "predicted_overflows"}
    assert [d["date"] for d in data["days"]] == ["2026-11-24", "2026-11-25", "2026-11-26"]
    assert all(set(d) == {"date", "routes", "km", "cost", "predicted_fill"} for d in data["days"])
    visited = [code for d in data["days"] for route in d["routes"] for code in route]
    assert visited and set(visited) <= {code for d in data["days"] for code in d["predicted_fill"]}
    assert isinstance(data["predicted_overflows"], list)


def test_plan_week_refuses_a_facility_that_is_not_a_depot(runner, db, cache_dir) -> None:
    """A depot id that is no depot is a CLI error naming it, not a traceback."""
    _seed(db, cache_dir)
    result = runner.invoke(
        args=["routing", "plan-week", "--date", FIRST.isoformat(), "--depot", "99999", "--json"]
    )
    assert result.exit_code != 0
    assert "99999" in result.output
