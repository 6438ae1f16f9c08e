"""Forms for adding an emission factor or a subsidy rate (new rows, never edits)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import URL, InputRequired, Length, NumberRange, Optional, ValidationError

from webapp.boundary import FiniteDecimalField, SaneDate
from webapp.models.metrics import RateKind


class FactorForm(FlaskForm):  # type: ignore[misc]
    material = SelectField(_l("Material"), validators=[InputRequired()])
    kg_co2e_per_t = IntegerField(
        _l("kg CO2e avoided per tonne recycled"), validators=[InputRequired(), NumberRange(-100_000, 100_000)]
    )
    source = StringField(_l("Source"), validators=[InputRequired(), Length(max=255)])
    source_url = StringField(_l("Source address (URL)"), validators=[Optional(), URL(), Length(max=255)])
    note_zh = StringField(
        _l("Chinese note (source, year, scope, unit)"), validators=[InputRequired(), Length(max=500)]
    )
    note = StringField(_l("English note (source, year, scope, unit)"), validators=[Length(max=500)])
    valid_from = DateField(_l("In force from"), validators=[InputRequired(), SaneDate()])


class RateForm(FlaskForm):  # type: ignore[misc]
    kind = SelectField(
        _l("Kind"),
        # Labelled when the form is built, in the reader's language, not once at import.
        choices=lambda: [(k.value, k.label) for k in RateKind],
        validators=[InputRequired()],
    )
    material = SelectField(_l("Material (per-tonne rates)"), validators=[Optional()])
    yuan = FiniteDecimalField(
        _l("Rate (yuan)"),
        places=2,
        validators=[InputRequired(), NumberRange(Decimal(0), Decimal(10_000_000))],
    )
    document_title = StringField(_l("Notice title (文件名称)"), validators=[InputRequired(), Length(max=255)])
    document_number = StringField(_l("Notice number (文号)"), validators=[Length(max=100)])
    basis = StringField(_l("Article and conditions"), validators=[Length(max=255)])
    source_url = StringField(_l("Source address (URL)"), validators=[Optional(), URL(), Length(max=255)])
    valid_from = DateField(_l("Effective date"), validators=[InputRequired(), SaneDate()])

    def validate_yuan(self, field: FiniteDecimalField) -> None:
        exponent = field.data.as_tuple().exponent if field.data is not None else 0
        if isinstance(exponent, int) and exponent < -2:
            raise ValidationError(_l("At most two decimals (fen)."))

    def fen(self) -> int:
        """The rate in integer fen; yuan are typed with at most two decimals."""
        return int((Decimal(self.yuan.data) * 100).to_integral_value())
