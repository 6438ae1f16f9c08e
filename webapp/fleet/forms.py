"""Fleet forms. WTForms renders them (the app checks CSRF on every POST); the field
rules live in ``validation.py`` and the operations apply them, so every path checks
the same and errors name the field."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField

from webapp.fleet.validation import LICENCE_CLASSES
from webapp.models import FacilityKind, VehicleKind


class _Form(FlaskForm):  # type: ignore[misc]
    def attach(self, errors: dict[str, str]) -> None:
        """Show an operation's field errors beside their fields."""
        for name, message in errors.items():
            target = self._fields.get(name)
            if target is not None:
                target.errors = [message]
            else:
                self.form_errors.append(message)


class DriverForm(_Form):
    name = StringField(_l("Name"))
    phone = StringField(_l("Phone"), description=_l("11-digit mobile, e.g. 13800001234"))
    licence_no = StringField(_l("Driving licence number"), description=_l("18 characters, as on the licence"))
    licence_class = SelectField(_l("Licence class"))
    licence_expiry = StringField(_l("Licence valid until"), render_kw={"type": "date"})
    user_id = SelectField(_l("Linked login"), description=_l("A user with the driver role"))
    depot_id = SelectField(_l("Home depot"))
    vehicle_id = SelectField(_l("Usual vehicle"))
    active = BooleanField(_l("In use"))

    def set_choices(self, users: list[Any], depots: list[Any], vehicles: list[Any]) -> None:
        none = [("", "—")]
        self.licence_class.choices = none + [(c, c) for c in LICENCE_CLASSES]
        self.user_id.choices = none + [(str(u.id), f"{u.username} · {u.display_name}") for u in users]
        self.depot_id.choices = none + [(str(d.id), d.name) for d in depots]
        self.vehicle_id.choices = none + [(str(v.id), v.plate) for v in vehicles]


class VehicleForm(_Form):
    plate = StringField(_l("Plate"), description=_l("e.g. 粤B·12345, or 粤B·D12345 for new energy"))
    kind = SelectField(_l("Type"))
    model = StringField(_l("Make and model"))
    capacity_kg = StringField(_l("Capacity (kg)"))
    volume_m3 = StringField(_l("Volume (m³)"))
    tare_kg = StringField(_l("Tare (kg)"), description=_l("Registered empty weight, for the weighbridge"))
    fixed_cost_fen = StringField(_l("Fixed cost per day (fen)"), description=_l("100 fen = 1 yuan"))
    cost_per_km_fen = StringField(_l("Cost per km (fen)"))
    depot_id = SelectField(_l("Depot"))
    active = BooleanField(_l("In use"))

    def set_choices(self, depots: list[Any]) -> None:
        self.kind.choices = [(k.value, k.label) for k in VehicleKind]
        self.depot_id.choices = [(str(d.id), d.name) for d in depots]


class FacilityForm(_Form):
    code = StringField(_l("Code"))
    name = StringField(_l("Name"))
    kind = SelectField(_l("Kind"))
    address = StringField(_l("Address"))
    lon = StringField(_l("Longitude (WGS-84)"))
    lat = StringField(_l("Latitude (WGS-84)"))
    opens = StringField(_l("Opens"), render_kw={"type": "time"})
    closes = StringField(_l("Closes"), render_kw={"type": "time"})
    unload_minutes = StringField(_l("Unloading time (minutes)"))
    is_depot = BooleanField(_l("Trucks start and end here (depot)"))

    def set_choices(self) -> None:
        self.kind.choices = [(k.value, k.label) for k in FacilityKind]


class ShiftForm(_Form):
    driver_id = SelectField(_l("Driver"))
    depot_id = SelectField(_l("Depot"))
    day = StringField(_l("Day"), render_kw={"type": "date"})
    start = StringField(_l("Start"), render_kw={"type": "time"})
    end = StringField(_l("End"), render_kw={"type": "time"})


class OutOfServiceForm(_Form):
    vehicle_id = SelectField(_l("Vehicle"))
    day = StringField(_l("Day"), render_kw={"type": "date"})
    reason = StringField(_l("Reason"), description=_l("e.g. annual inspection, repair"))


class ConfirmForm(FlaskForm):  # type: ignore[misc]
    """An empty form: the CSRF token is what it carries."""
