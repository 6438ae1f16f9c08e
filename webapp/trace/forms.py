"""Forms of the staff actions on the battery log (the regulator's pages have none)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateTimeLocalField, StringField
from wtforms.validators import DataRequired, Length


class ImportForm(FlaskForm):  # type: ignore[misc]
    """Upload a CSV of battery events."""

    file = FileField(_l("CSV file"), validators=[FileRequired()])


class ReportForm(FlaskForm):  # type: ignore[misc]
    """Record that the ticked events were reported to the national platform."""

    reported_at = DateTimeLocalField(_l("Reported at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    reference = StringField(_l("Platform receipt number"), validators=[Length(max=120)])


class ConfirmForm(FlaskForm):  # type: ignore[misc]
    """A button with CSRF protection and nothing else."""
