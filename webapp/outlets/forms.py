"""Outlet forms. WTForms renders them and checks CSRF; the field rules live in
``validation.py`` so the CSV import applies the very same ones."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateTimeLocalField,
    DecimalField,
    Field,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from traceability import CHINA_TZ
from webapp.api.text import time_problem
from webapp.models import OutletKind, OutletStatus
from webapp.outlets.validation import DATUMS


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OutletForm(FlaskForm):  # type: ignore[misc]
    code = StringField(_l("Code"), description=_l("Leave empty to number it automatically"))
    name = StringField(_l("Name"))
    kind = SelectField(_l("Type"))
    status = SelectField(_l("Status"))
    address = StringField(_l("Address"))
    place = StringField(_l("Find a street or crossing"), description=_l("e.g. 深南 彩田"))
    coords = StringField(
        _l("Paste coordinates"), description=_l("Longitude,latitude as copied from a map app")
    )
    datum = SelectField(_l("Coordinate system"), default="wgs84")
    lon = StringField(_l("Longitude"))
    lat = StringField(_l("Latitude"))
    materials = MultiCheckboxField(_l("Materials accepted"))
    fill_threshold_pct = StringField(_l("Due at fill level (%)"))
    capacity_l = StringField(_l("Capacity (litres)"))
    host_name = StringField(_l("Host"))
    host_phone = StringField(_l("Host phone"))
    partner = StringField(_l("Partner manufacturer (co-built)"))

    def set_choices(self, materials: list[tuple[str, str]]) -> None:
        self.kind.choices = [(k.value, k.label) for k in OutletKind]
        self.status.choices = [(s.value, s.label) for s in (OutletStatus.ACTIVE, OutletStatus.PLANNED)]
        self.materials.choices = materials
        self.datum.choices = [(key, str(label)) for key, (label, _convert) in DATUMS.items()]

    def raw(self) -> dict[str, str]:
        """The submitted text, in the shape ``parse_outlet`` reads."""
        data = {
            name: (self[name].data or "")
            for name in (
                "code",
                "name",
                "kind",
                "status",
                "address",
                "lon",
                "lat",
                "fill_threshold_pct",
                "capacity_l",
                "host_name",
                "host_phone",
                "partner",
                "coords",
            )
        }
        data["datum"] = self.datum.data or ""
        data["materials"] = ";".join(self.materials.data or [])
        return data


class CloseForm(FlaskForm):  # type: ignore[misc]
    reason = TextAreaField(_l("Reason for closing"), validators=[DataRequired(), Length(max=255)])


class FillForm(FlaskForm):  # type: ignore[misc]
    fill_pct = DecimalField(
        _l("Fill level (%)"), places=1, validators=[InputRequired(), NumberRange(min=0, max=100)]
    )
    measured_at = DateTimeLocalField(_l("Measured at"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])

    def validate_measured_at(self, field: Field) -> None:
        """The sensors' time rule: a year-9999 reading would stay the outlet's last for good."""
        if field.data is None:  # not a time at all: the field has said so already
            return
        problem = time_problem(self.measured)
        if problem is not None:
            raise ValidationError(problem)

    @property
    def measured(self) -> datetime:
        """The time entered, read as Shenzhen time (the browser sends it without a zone)."""
        return self.measured_at.data.replace(tzinfo=CHINA_TZ)  # type: ignore[no-any-return]


class ImportForm(FlaskForm):  # type: ignore[misc]
    file = FileField(_l("CSV file"), validators=[FileRequired()])
