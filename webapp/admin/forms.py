"""Admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from webapp.models import Role


class UserForm(FlaskForm):  # type: ignore[misc]
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("Name"), validators=[Length(max=100)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=200)])
    role = SelectField(_l("Role"))

    def set_choices(self) -> None:
        self.role.choices = [(r.value, r.label) for r in Role]


class TokenForm(FlaskForm):  # type: ignore[misc]
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])


class ConfirmForm(FlaskForm):  # type: ignore[misc]
    """An empty form: the CSRF token is what it carries."""
