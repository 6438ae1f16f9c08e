"""Dispatch forms."""

from __future__ import annotations

import re
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

from traceability import CHINA_TZ
from webapp.fleet.availability import FleetDay
from webapp.models import Outlet, OutletStatus
from webapp.models._types import utcnow

# The solve's documented default (``routing.solve``, ``reloop routing plan``): a
# dispatcher who leaves the form as it loads gets it.
DEFAULT_TIME_LIMIT_S = 30
TIME_LIMITS_S = (5, 10, 30, 60, 120)
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
        if field.data and abs((field.data - utcnow().astimezone(CHINA_TZ).date()).days) > PLANNABLE_DAYS:
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
        }


def _codes(text: str | None) -> list[str]:
    """Outlet codes from text separated by spaces, new lines, commas (also 、，；), in order, once."""
    return list(dict.fromkeys(c for c in _CODE_SEPARATORS.split((text or "").strip()) if c))


def _seconds(value: Any) -> int | None:
    return None if value is None else value.hour * 3600 + value.minute * 60


class AcceptForm(FlaskForm):  # type: ignore[misc]
    """Route -> driver selects are added per plan in the view (``driver_<route id>``)."""
