"""A day's collection plan for a depot, its routes and their stops."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from webapp.models._types import UTCDateTime, str_enum, utcnow


class PlanStatus(StrEnum):
    """Where a plan is: proposed by the solver, accepted for the day, or replaced."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return str(
            {
                PlanStatus.PROPOSED: _l("Proposed"),
                PlanStatus.ACCEPTED: _l("Accepted"),
                PlanStatus.SUPERSEDED: _l("Superseded"),
            }[self]
        )

    @property
    def colour(self) -> str:
        return {
            PlanStatus.PROPOSED: "#0369a1",
            PlanStatus.ACCEPTED: "#15803d",
            PlanStatus.SUPERSEDED: "#9ca3af",
        }[self]


class CollectionPlan(SQLModel, table=True):
    """The solver's answer for one day and depot.

    The routes and their stops live in :class:`PlannedRoute` and :class:`PlannedStop`
    rows and nowhere else: a dispatcher's move changes them, and every reader (the
    plan page, the comparison, a re-plan's locks, the exports, the driver's phone)
    reads them. The JSON columns hold only what no row holds: ``search`` is how the
    solver found the plan (``routing.SearchInfo``), ``stops`` the solver's inputs per
    stop id (outlet, expected grams, prize, required), ``unassigned`` the stops left
    out with the reason and its figures. The totals are the solver's, kept for the
    board's list; a move between routes of a plan leaves them unchanged.
    """

    __tablename__ = "collection_plan"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    day: date = Field(index=True)
    depot_id: int = Field(foreign_key="facility.id", index=True)
    status: PlanStatus = Field(default=PlanStatus.PROPOSED, sa_type=str_enum(PlanStatus))
    job_id: int | None = Field(default=None, foreign_key="job.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    accepted_by_id: int | None = Field(default=None, foreign_key="user.id")
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    time_limit_s: int = 30
    seed: int = 0
    distance_m: int = 0
    duration_s: int = 0
    stops_served: int = 0
    collected_g: int = 0
    unassigned_count: int = 0
    search: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    stops: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    unassigned: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class PlannedRoute(SQLModel, table=True):
    """One truck's route in a plan; the driver is set when the plan is accepted."""

    __tablename__ = "planned_route"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="collection_plan.id", index=True)
    number: int
    vehicle_id: int = Field(foreign_key="vehicle.id")
    driver_id: int | None = Field(default=None, foreign_key="driver.id", index=True)
    colour: str = Field(max_length=9)
    distance_m: int
    duration_s: int
    start_s: int
    end_s: int
    collected_g: int
    stop_count: int
    geometry: list[list[float]] = Field(default_factory=list, sa_type=JSON)


class PlannedStop(SQLModel, table=True):
    """A visit on a route: an outlet to empty, a resident's booking to collect at the
    door (``kind`` "booking", ``booking_id`` set) or a facility to unload at."""

    __tablename__ = "planned_stop"

    id: int | None = Field(default=None, primary_key=True)
    route_id: int = Field(foreign_key="planned_route.id", index=True)
    position: int
    kind: str = Field(max_length=16)  # "outlet" | "booking" | "unload"
    outlet_id: int | None = Field(default=None, foreign_key="outlet.id", index=True)
    facility_id: int | None = Field(default=None, foreign_key="facility.id")
    booking_id: int | None = Field(default=None, foreign_key="booking.id", index=True)
    arrival_s: int
    departure_s: int
    expected_g: int = 0
    load_after_g: int = 0
    # Seconds after its time window closed that the truck arrives (a stop moved by hand).
    late_s: int = 0
