"""The week plan's forms: plan a horizon; re-plan it from a later morning."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, ValidationError
from wtforms.validators import InputRequired, NumberRange, Optional

from webapp.dispatch.forms import PLANNABLE_DAYS, TIME_LIMITS_S
from webapp.models import Vehicle

# The horizon: a working week.
DEFAULT_DAYS = 5
# The week's solver time; each day gets its share, four visit strategies are tried.
DEFAULT_TIME_LIMIT_S = 30
CONFIDENCES = ((0.8, "80 %"), (0.9, "90 %"), (0.95, "95 %"))


class WeekForm(FlaskForm):  # type: ignore[misc]
    """Plan ``days`` days from ``first_day`` for a depot; every field has a default.

    The trucks are chosen for the whole horizon, among the depot's active trucks
    (:meth:`offer_trucks`): each day sends out the chosen trucks that are in service
    and have a driver on duty that day, as the day plan does. A form posted without
    the trucks shown (``fleet_shown`` empty) plans with every truck.
    """

    first_day = DateField(_l("First day"), validators=[InputRequired()])
    depot = SelectField(_l("Depot"), coerce=int, validators=[InputRequired()])
    days = IntegerField(_l("Days"), default=DEFAULT_DAYS, validators=[InputRequired(), NumberRange(1, 14)])
    confidence = SelectField(
        _l("No predicted overflow, at confidence"), coerce=float, default=0.9, choices=CONFIDENCES
    )
    time_limit_s = SelectField(
        _l("Time limit"),
        coerce=int,
        default=DEFAULT_TIME_LIMIT_S,
        choices=[(s, f"{s} s") for s in TIME_LIMITS_S],
    )
    seed = IntegerField(
        _l("Random seed"), default=None, validators=[Optional(), NumberRange(min=0, max=2**31 - 1)]
    )
    fleet_shown = HiddenField(default="")
    # Checked below, not by WTForms' own choice check, to name the trucks that are not the depot's.
    vehicles = SelectMultipleField(_l("Trucks"), coerce=int, choices=[], validate_choice=False)

    def offer_trucks(self, trucks: list[Vehicle], *, fresh: bool) -> None:
        """Offer the depot's trucks; a fresh form ticks them all."""
        self.vehicles.choices = [(v.id, v.plate) for v in trucks]
        if fresh:
            self.vehicles.data = [v.id for v in trucks]
            self.fleet_shown.data = "1"

    def vehicle_ids(self) -> tuple[int, ...] | None:
        """The chosen trucks of a validated form; None: every truck (the trucks were not shown)."""
        return tuple(self.vehicles.data) if self.fleet_shown.data else None

    def validate_vehicles(self, field: SelectMultipleField) -> None:
        if not self.fleet_shown.data:
            return
        if not field.data:
            raise ValidationError(_l("Choose at least one truck."))
        offered = {value for value, _label in field.choices}
        foreign = [str(i) for i in field.data if i not in offered]
        if foreign:
            raise ValidationError(_l("Not a truck of this depot: %(ids)s", ids="、".join(foreign)))

    def validate_first_day(self, field: DateField) -> None:
        """A day within a year either way of today (a typo'd year is refused)."""
        from webapp.dispatch.views import china_today

        if field.data and abs(field.data - china_today()) > timedelta(days=PLANNABLE_DAYS):
            raise ValidationError(_l("Choose a day within a year of today."))


class ReplanForm(FlaskForm):  # type: ignore[misc]
    """Re-plan from ``first_day`` with the readings up to that morning; the ticked
    routes of that day (``keep`` checkboxes, read by the view) stay as they are."""

    first_day = DateField(_l("Re-plan from"), validators=[InputRequired()])
