"""Battery collection points' compliance (GB/T 38698.2-2023).

A battery collection point declares its type (收集型 collection / 集中贮存型 central
storage), storage area, rated storage in kilograms, whether it has a discharge
facility and thermal monitoring, and how many days a battery may stay. The log knows
which batteries it holds (status ``at_outlet`` at the outlet's code), so the page warns
when they weigh more than the rated storage or one has stayed longer than allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from webapp.models import Battery, Outlet, OutletKind
from webapp.models._types import utcnow
from webapp.models.workshop import BatteryPointProfile, PointType
from webapp.workshop.errors import Problem, WorkshopInputError


@dataclass(frozen=True)
class PointStatus:
    """One battery collection point with what it holds and its warnings."""

    outlet: Outlet
    profile: BatteryPointProfile | None
    held: int
    held_kg: float
    unweighed: int
    overdue: tuple[str, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)


def points(session: Session, *, now: datetime | None = None) -> list[PointStatus]:
    """Every battery collection point (and any outlet holding batteries), with warnings."""
    now = now or utcnow()
    profiles = {p.outlet_id: p for p in session.exec(select(BatteryPointProfile))}
    held: dict[str, list[Battery]] = {}
    for battery in session.exec(select(Battery).where(Battery.status == "at_outlet")):
        held.setdefault(battery.location, []).append(battery)
    outlets = session.exec(select(Outlet).order_by(col(Outlet.code))).all()
    result = []
    for outlet in outlets:
        if outlet.kind != OutletKind.BATTERY_POINT and outlet.id not in profiles and outlet.code not in held:
            continue
        result.append(_status(outlet, profiles.get(outlet.id or 0), held.get(outlet.code, []), now))
    return result


def _status(
    outlet: Outlet, profile: BatteryPointProfile | None, batteries: list[Battery], now: datetime
) -> PointStatus:
    grams = sum(b.mass_g or 0 for b in batteries)
    unweighed = sum(1 for b in batteries if not b.mass_g)
    warnings: list[str] = []
    overdue: tuple[str, ...] = ()
    if profile is None:
        warnings.append("no_profile")
    else:
        if grams > profile.rated_storage_kg * 1000:
            warnings.append("over_capacity")
        limit = now - timedelta(days=profile.max_days)
        overdue = tuple(b.code for b in batteries if b.last_event_at is not None and b.last_event_at < limit)
        if overdue:
            warnings.append("overdue")
        if profile.point_type is PointType.CENTRAL_STORAGE and not profile.thermal_monitoring:
            warnings.append("no_thermal_monitoring")
    if unweighed:
        warnings.append("unweighed")
    return PointStatus(outlet, profile, len(batteries), grams / 1000, unweighed, overdue, tuple(warnings))


def save_profile(
    session: Session, outlet_id: int, values: dict[str, str], *, actor_id: int | None = None
) -> BatteryPointProfile:
    """Create or replace an outlet's declared profile from form values (commits)."""
    outlet = session.get(Outlet, outlet_id)
    if outlet is None:
        raise WorkshopInputError.one("outlet_id", f"no outlet {outlet_id}")
    problems: list[Problem] = []
    kind = values.get("point_type", "")
    if kind not in (p.value for p in PointType):
        problems.append(Problem("point_type", "collection (收集型) or central_storage (集中贮存型)"))
    numbers = {
        name: _whole(values.get(name, ""), name, low, problems)
        for name, low in (("storage_area_m2", 0), ("rated_storage_kg", 0), ("max_days", 1))
    }
    if numbers["max_days"] is not None and numbers["max_days"] > 3650:
        problems.append(Problem("max_days", "at most 3650 days"))
    if problems:
        raise WorkshopInputError(problems)
    query = select(BatteryPointProfile).where(BatteryPointProfile.outlet_id == outlet_id)
    profile = session.exec(query).first()
    profile = profile or BatteryPointProfile(
        outlet_id=outlet_id, point_type=PointType.COLLECTION, storage_area_m2=0, rated_storage_kg=0
    )
    profile.point_type = PointType(kind)
    profile.storage_area_m2 = numbers["storage_area_m2"] or 0
    profile.rated_storage_kg = numbers["rated_storage_kg"] or 0
    profile.max_days = numbers["max_days"] or 30
    profile.discharge_facility = values.get("discharge_facility") in ("1", "on", "true", "y")
    profile.thermal_monitoring = values.get("thermal_monitoring") in ("1", "on", "true", "y")
    profile.updated_by_id = actor_id
    profile.updated_at = utcnow()
    session.add(profile)
    session.commit()
    return profile


def _whole(text: str, name: str, low: int, problems: list[Problem]) -> int | None:
    text = (text or "").strip()
    if not text:
        problems.append(Problem(name, "required"))
        return None
    if not text.lstrip("-").isdigit():
        problems.append(Problem(name, f"{text!r} is not a whole number"))
        return None
    value = int(text)
    if value < low:
        problems.append(Problem(name, f"must be at least {low}"))
        return None
    return value
