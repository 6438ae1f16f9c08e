"""The sensor registration form. The operation checks the values (devices.save_device),
so the form and ``reloop sensors register`` refuse the same things, naming the field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import Optional


class DeviceForm(FlaskForm):  # type: ignore[misc]
    code = StringField(_l("Sensor id"), description=_l("As the sensor sends it in its topic, e.g. S-0001"))
    outlet_code = StringField(
        _l("Outlet code"), description=_l("The outlet whose container it is mounted in")
    )
    material_code = SelectField(_l("Container material"))
    sensor_height_mm = IntegerField(
        _l("Sensor height above the bottom (mm)"),
        validators=[Optional()],
        description=_l("Needed to convert raw distances to a fill level"),
    )
    container_depth_mm = IntegerField(
        _l("Full level above the bottom (mm)"),
        validators=[Optional()],
        description=_l("The container counts as full when the surface reaches this height"),
    )
    note = StringField(_l("Note"))
    active = BooleanField(_l("In use"), default=True)

    def attach(self, field: str, message: str) -> None:
        """Show an operation's refusal beside its field."""
        target = self._fields.get(field)
        if target is not None:
            target.errors = [message]
        else:
            self.form_errors.append(message)
