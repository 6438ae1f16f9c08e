"""Dispatch forms."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, ValidationError
from wtforms.validators import InputRequired, NumberRange, Optional

# The solve's documented default (``routing.solve``, ``reloop routing plan``): a
# dispatcher who leaves the form as it loads gets it.
DEFAULT_TIME_LIMIT_S = 30
TIME_LIMITS_S = (5, 10, 30, 60, 120)
# Far enough either way for planning ahead and re-planning a past day; a typo'd year is refused.
PLANNABLE_DAYS = 366


class SolveForm(FlaskForm):  # type: ignore[misc]
    """Plan a day for a depot. Every field has a default, so the form works as it loads.

    The fields that end up in the job are collected by :meth:`job_params`; a field added
    later (trucks and drivers of the day) adds itself there.
    """

    day = DateField(_l("Day"), validators=[InputRequired()])
    depot = SelectField(_l("Depot"), coerce=int, validators=[InputRequired()])
    time_limit_s = SelectField(
        _l("Time limit"),
        coerce=int,
        default=DEFAULT_TIME_LIMIT_S,
        choices=[(s, f"{s} s") for s in TIME_LIMITS_S],
    )
    # Advanced: the same day, data and seed give the same plan; empty means 0 as on the CLI.
    seed = IntegerField(
        _l("Random seed"), default=None, validators=[Optional(), NumberRange(min=0, max=2**31 - 1)]
    )

    def validate_day(self, field: DateField) -> None:
        if field.data and abs((field.data - date.today()).days) > PLANNABLE_DAYS:
            raise ValidationError(_l("Choose a day within a year of today."))

    def job_params(self) -> dict[str, Any]:
        """The solve job's parameters from a validated form."""
        return {
            "day": self.day.data.isoformat(),
            "depot_id": self.depot.data,
            "time_limit_s": self.time_limit_s.data,
            "seed": self.seed.data or 0,
        }


class AcceptForm(FlaskForm):  # type: ignore[misc]
    """Route -> driver selects are added per plan in the view (``driver_<route id>``)."""
