"""Dispatch forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange


class SolveForm(FlaskForm):  # type: ignore[misc]
    day = DateField(_l("Day"), validators=[InputRequired()])
    depot = SelectField(_l("Depot"), coerce=int, validators=[InputRequired()])
    time_limit_s = SelectField(
        _l("Time limit"),
        coerce=int,
        default=30,
        choices=[(5, "5 s"), (10, "10 s"), (30, "30 s"), (60, "60 s"), (120, "120 s")],
    )
    seed = IntegerField(_l("Seed"), default=0, validators=[NumberRange(min=0, max=2**31 - 1)])


class AcceptForm(FlaskForm):  # type: ignore[misc]
    """Route -> driver selects are added per plan in the view (``driver_<route id>``)."""
