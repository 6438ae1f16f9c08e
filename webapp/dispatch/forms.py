"""Dispatch forms."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlmodel import Session, col, select
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from traceability import china_today
from webapp.dispatch.costs import LABOUR_FEN_PER_HOUR, OVERTIME_PCT, STANDARD_DAY_S
from webapp.dispatch.problem import MAX_ROUTE_S
from webapp.fleet.availability import FleetDay
from webapp.models import Outlet, OutletStatus

# The solve's documented default (``routing.solve``, ``reloop routing plan``): a
# dispatcher who leaves the form as it loads gets it.
DEFAULT_TIME_LIMIT_S = 30
TIME_LIMITS_S = (5, 10, 30, 60, 120)
ROUTE_HOURS = (2, 3, 4, 5, 6, 7, 8, 9, 10)
# Far enough either way for planning ahead and re-planning a past day; a typo'd year is refused.
PLANNABLE_DAYS = 366
_CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")


class SolveForm(FlaskForm):  # type: ignore[misc]
    """Plan a day for a depot. Every field has a default, so the form works as it loads.

    The fields that end up in the job are collected by :meth:`job_params`. The trucks and
    drivers offered are the day's available fleet (:meth:`offer_fleet`); a form posted
    without the fleet (``fleet_shown`` empty: an API client, or a day picked but not shown)
    plans with the whole available fleet.
    """

    day = DateField(_l("Day"), validators=[InputRequired()])
    depot = SelectField(_l("Depot"), coerce=int, validators=[InputRequired()])
    time_limit_s = SelectField(
        _l("Time limit"),
        coerce=int,
        default=DEFAULT_TIME_LIMIT_S,
        choices=[(s, f"{s} s") for s in TIME_LIMITS_S],
    )
    fleet_shown = HiddenField(default="")
    vehicles = SelectMultipleField(_l("Trucks"), coerce=int, choices=[], validate_choice=True)
    drivers = SelectMultipleField(_l("Drivers"), coerce=int, choices=[], validate_choice=True)
    include_outlets = TextAreaField(_l("Always visit (outlet codes)"), default="")
    exclude_outlets = TextAreaField(_l("Leave out (outlet codes)"), default="")
    day_start = TimeField(_l("Working day from"), validators=[Optional()])
    day_end = TimeField(_l("Working day until"), validators=[Optional()])
    # The balance and cost settings (webapp.dispatch.costs): a shorter longest route spreads
    # the day over more trucks; pay, standard day and overtime price the plan's hours.
    max_route_h = SelectField(
        _l("Longest route"),
        coerce=int,
        default=MAX_ROUTE_S // 3600,
        choices=[(h, f"{h} h") for h in ROUTE_HOURS],
    )
    labour_yuan_per_hour = IntegerField(
        _l("Driver's pay per hour (yuan)"),
        default=LABOUR_FEN_PER_HOUR // 100,
        validators=[Optional(), NumberRange(min=0, max=2000)],
    )
    standard_day_h = IntegerField(
        _l("Standard working day (hours)"),
        default=STANDARD_DAY_S // 3600,
        validators=[Optional(), NumberRange(min=1, max=12)],
    )
    overtime_pct = IntegerField(
        _l("Overtime pay (percent of the hourly pay)"),
        default=OVERTIME_PCT,
        validators=[Optional(), NumberRange(min=100, max=400)],
    )
    # Advanced: the same day, data and seed give the same plan; empty means 0 as on the CLI.
    seed = IntegerField(
        _l("Random seed"), default=None, validators=[Optional(), NumberRange(min=0, max=2**31 - 1)]
    )

    def offer_fleet(self, fleet: FleetDay, *, fresh: bool) -> None:
        """Offer the day's available trucks and drivers; a fresh form ticks them all."""
        self.vehicles.choices = [(v.id, v.plate) for v in fleet.vehicles]
        self.drivers.choices = [(d.driver.id, d.driver.name) for d in fleet.drivers]
        if fresh:
            self.vehicles.data = [v.id for v in fleet.vehicles]
            self.drivers.data = [d.driver.id for d in fleet.drivers]
            self.fleet_shown.data = "1"

    def remember(self, session: Session, params: dict[str, Any]) -> None:
        """Fill a fresh form with the choices of the day's last solve (``params`` of its job):
        the trucks and drivers ticked (still offered), outlets, hours, balance and costs."""
        for field, key in ((self.vehicles, "vehicle_ids"), (self.drivers, "driver_ids")):
            if params.get(key) is not None:
                offered = {value for value, _label in field.choices}
                field.data = [i for i in params[key] if i in offered]
        for field, key in (
            (self.include_outlets, "include_outlets"),
            (self.exclude_outlets, "exclude_outlets"),
        ):
            ids = params.get(key) or []
            codes = session.exec(
                select(Outlet.code).where(col(Outlet.id).in_(ids)).order_by(col(Outlet.code))
            )
            field.data = "\n".join(codes)
        for field, key in ((self.day_start, "day_start_s"), (self.day_end, "day_end_s")):
            if params.get(key) is not None:
                field.data = time(params[key] // 3600, params[key] % 3600 // 60)
        if params.get("max_route_s") and params["max_route_s"] // 3600 in ROUTE_HOURS:
            self.max_route_h.data = params["max_route_s"] // 3600
        if params.get("labour_fen_per_hour") is not None:
            self.labour_yuan_per_hour.data = params["labour_fen_per_hour"] // 100
        if params.get("standard_day_s"):
            self.standard_day_h.data = params["standard_day_s"] // 3600
        if params.get("overtime_pct"):
            self.overtime_pct.data = params["overtime_pct"]

    def outlet_ids(self, session: Session) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The outlets to include and to leave out, by id; call after :meth:`check_outlets`."""
        return self._ids(session, self.include_outlets.data), self._ids(session, self.exclude_outlets.data)

    def check_outlets(self, session: Session) -> bool:
        """Name unknown or closed codes, and codes both included and left out; False if any."""
        include, exclude = _codes(self.include_outlets.data), _codes(self.exclude_outlets.data)
        known = dict(
            session.exec(
                select(Outlet.code, Outlet.status).where(col(Outlet.code).in_(include + exclude))
            ).all()
        )
        ok = True
        for field, codes in ((self.include_outlets, include), (self.exclude_outlets, exclude)):
            unknown = [c for c in codes if c not in known]
            closed = [c for c in codes if c in known and known[c] != OutletStatus.ACTIVE]
            if unknown:
                field.errors.append(_l("Unknown outlet code(s): %(codes)s", codes="、".join(unknown)))
            if closed and field is self.include_outlets:
                field.errors.append(_l("Outlet(s) not active: %(codes)s", codes="、".join(closed)))
            ok = ok and not unknown and not (closed and field is self.include_outlets)
        both = sorted(set(include) & set(exclude))
        if both:
            self.exclude_outlets.errors.append(
                _l("Both visited and left out: %(codes)s", codes="、".join(both))
            )
        return ok and not both

    @staticmethod
    def _ids(session: Session, text: str | None) -> tuple[int, ...]:
        codes = _codes(text)
        if not codes:
            return ()
        rows = session.exec(select(Outlet.id).where(col(Outlet.code).in_(codes)).order_by(col(Outlet.id)))
        return tuple(r for r in rows if r is not None)

    def validate_day(self, field: DateField) -> None:
        if field.data and abs((field.data - china_today()).days) > PLANNABLE_DAYS:
            raise ValidationError(_l("Choose a day within a year of today."))

    def validate_vehicles(self, field: SelectMultipleField) -> None:
        if self.fleet_shown.data and not field.data:
            raise ValidationError(_l("Choose at least one truck."))

    def validate_drivers(self, field: SelectMultipleField) -> None:
        if self.fleet_shown.data and not field.data:
            raise ValidationError(_l("Choose at least one driver."))

    def validate_day_end(self, field: TimeField) -> None:
        if field.data and self.day_start.data and field.data <= self.day_start.data:
            raise ValidationError(_l("The working day must end after it starts."))

    def job_params(self) -> dict[str, Any]:
        """The solve job's parameters from a validated form (outlets: :meth:`outlet_ids`)."""
        chosen = bool(self.fleet_shown.data)
        return {
            "day": self.day.data.isoformat(),
            "depot_id": self.depot.data,
            "time_limit_s": self.time_limit_s.data,
            "seed": self.seed.data or 0,
            "vehicle_ids": list(self.vehicles.data) if chosen else None,
            "driver_ids": list(self.drivers.data) if chosen else None,
            "day_start_s": _seconds(self.day_start.data),
            "day_end_s": _seconds(self.day_end.data),
            "max_route_s": (self.max_route_h.data or MAX_ROUTE_S // 3600) * 3600,
            "labour_fen_per_hour": _or(self.labour_yuan_per_hour.data, LABOUR_FEN_PER_HOUR // 100) * 100,
            "standard_day_s": _or(self.standard_day_h.data, STANDARD_DAY_S // 3600) * 3600,
            "overtime_pct": _or(self.overtime_pct.data, OVERTIME_PCT),
        }


def _codes(text: str | None) -> list[str]:
    """Outlet codes from text separated by spaces, new lines, commas (also 、，；), in order, once."""
    return list(dict.fromkeys(c for c in _CODE_SEPARATORS.split((text or "").strip()) if c))


def _or(value: int | None, default: int) -> int:
    """A number field's value, or the default when it was left empty (0 is a value)."""
    return default if value is None else value


def _seconds(value: Any) -> int | None:
    return None if value is None else value.hour * 3600 + value.minute * 60


class AcceptForm(FlaskForm):  # type: ignore[misc]
    """Route -> driver selects are added per plan in the view (``driver_<route id>``)."""
