"""Saved week plans (issue 16): the days of a horizon, each day's routes and their visits.

A week plan is a proposal: its day 1 becomes a normal :class:`CollectionPlan` when a
dispatcher accepts it (``accepted_plan_id``), the later days are re-planned each
morning with new readings (``replans_id`` names the week plan a re-plan started from).
The "daily due-threshold" plan of the same horizon, on the same forecast, is stored
the same way (``method`` ``due_threshold``) and named by the week plan's
``baseline_id``, so the comparison reads rows, not a copy of figures.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, str_enum, utcnow


class WeekMethod(StrEnum):
    """How the visit days were chosen."""

    FORECAST = "forecast"
    DUE_THRESHOLD = "due_threshold"

    @property
    def label(self) -> str:
        return str(
            {
                WeekMethod.FORECAST: _l("Week plan (forecast)"),
                WeekMethod.DUE_THRESHOLD: _l("Daily due-threshold planning"),
            }[self]
        )

    @property
    def colour(self) -> str:
        return {WeekMethod.FORECAST: "#0369a1", WeekMethod.DUE_THRESHOLD: "#6b7280"}[self]


class WeekPlanStatus(StrEnum):
    """Proposed, or its day 1 accepted as that day's plan."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"

    @property
    def label(self) -> str:
        return str(
            {WeekPlanStatus.PROPOSED: _l("Proposed"), WeekPlanStatus.ACCEPTED: _l("Day 1 accepted")}[self]
        )

    @property
    def colour(self) -> str:
        return {WeekPlanStatus.PROPOSED: "#0369a1", WeekPlanStatus.ACCEPTED: "#15803d"}[self]


class WeekPlan(SQLModel, table=True):
    """A horizon of ``days`` days from ``first_day`` for one depot, with its totals.

    Costs are in fen (fixed + per-km + labour), weights in grams, both as the planner
    predicted them. ``overflows`` lists ``{"day": index, "outlet_id": id}``: the first
    day each outlet is predicted over its level before a visit.
    """

    __tablename__ = "week_plan"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    first_day: date = Field(index=True)
    depot_id: int = Field(foreign_key="facility.id", index=True)
    days: int
    method: WeekMethod = Field(default=WeekMethod.FORECAST, sa_type=str_enum(WeekMethod))
    status: WeekPlanStatus = Field(default=WeekPlanStatus.PROPOSED, sa_type=str_enum(WeekPlanStatus))
    confidence: float
    time_limit_s: int
    seed: int = 0
    job_id: int | None = Field(default=None, foreign_key="job.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    baseline_id: int | None = Field(default=None, foreign_key="week_plan.id")
    replans_id: int | None = Field(default=None, foreign_key="week_plan.id")
    accepted_plan_id: int | None = Field(default=None, foreign_key="collection_plan.id")
    accepted_by_id: int | None = Field(default=None, foreign_key="user.id")
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cost_fen: int = 0
    labour_fen: int = 0
    distance_m: int = 0
    collected_g: int = 0
    truck_days: int = 0
    overflows: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)

    @property
    def cost_per_tonne_fen(self) -> int | None:
        """Cost per predicted tonne collected; None when nothing is collected."""
        return round(self.cost_fen * 1_000_000 / self.collected_g) if self.collected_g else None


class WeekPlanDay(SQLModel, table=True):
    """One day of a week plan (``index`` 0 is day 1) and its totals."""

    __tablename__ = "week_plan_day"

    id: int | None = Field(default=None, primary_key=True)
    week_plan_id: int = Field(foreign_key="week_plan.id", index=True)
    index: int
    day: date
    cost_fen: int
    labour_fen: int
    distance_m: int
    duration_s: int
    collected_g: int
    trucks: int


class WeekRoute(SQLModel, table=True):
    """One truck's route on a day of a week plan; ``kept`` when it was locked or accepted
    before this plan was made and the planner kept it as it was."""

    __tablename__ = "week_route"

    id: int | None = Field(default=None, primary_key=True)
    week_day_id: int = Field(foreign_key="week_plan_day.id", index=True)
    number: int
    vehicle_id: int = Field(foreign_key="vehicle.id")
    colour: str = Field(max_length=9)
    distance_m: int
    start_s: int
    end_s: int
    collected_g: int
    cost_fen: int
    stop_count: int
    kept: bool = False
    geometry: list[list[float]] = Field(default_factory=list, sa_type=JSON)


class WeekVisit(SQLModel, table=True):
    """A visit on a week route: an outlet with its predicted fill and band, or an unloading.

    ``fill_pct`` is the fill the plan was made with (at the plan's confidence);
    ``fill_low_pct``–``fill_high_pct`` the 10 %–90 % band of the forecast at the visit.
    """

    __tablename__ = "week_visit"

    id: int | None = Field(default=None, primary_key=True)
    week_route_id: int = Field(foreign_key="week_route.id", index=True)
    position: int
    kind: str = Field(max_length=16)  # "outlet" | "unload"
    outlet_id: int | None = Field(default=None, foreign_key="outlet.id", index=True)
    facility_id: int | None = Field(default=None, foreign_key="facility.id")
    arrival_s: int
    departure_s: int
    expected_g: int = 0
    load_after_g: int = 0
    fill_pct: float | None = None
    fill_low_pct: float | None = None
    fill_high_pct: float | None = None
