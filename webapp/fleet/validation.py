"""Field rules of the fleet forms: Chinese plates, phones, driving licences, amounts.

Each parser takes the submitted text and returns the stored value or raises
:class:`FleetInputError` naming the field, so a form shows the message beside it.
"""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

# Province (and special) prefixes of GA 36-2018 plates.
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_ALNUM = "A-HJ-NP-Z0-9"  # plates use no I or O (read as 1 and 0)
_PLATE = re.compile(
    rf"^(?P<prefix>[{PROVINCES}][A-HJ-NP-Z])"
    rf"(?P<number>[{_ALNUM}]{{4}}[{_ALNUM}挂学警港澳]"  # ordinary blue/yellow plates
    rf"|[DF][{_ALNUM}][0-9]{{4}}"  # small new-energy (green): D electric, F other
    r"|[0-9]{5}[DF])$"  # large new-energy
)
_SEPARATORS = re.compile(r"[\s·•・.\-]")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")
_ID_NUMBER = re.compile(r"^[0-9]{17}[0-9X]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Classes of the 2022 driving licence rules that may drive a goods vehicle.
LICENCE_CLASSES = ("A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C6")


class FleetInputError(ValueError):
    """Bad input; ``errors`` maps each form field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _fail(field: str, message: str) -> FleetInputError:
    return FleetInputError({field: message})


def parse_plate(text: str, field: str = "plate") -> str:
    """A Chinese plate normalised to ``粤B·12345`` / ``粤B·D12345`` (upper case, one ``·``)."""
    compact = _SEPARATORS.sub("", text.strip()).upper()
    match = _PLATE.match(compact)
    if not match:
        raise _fail(field, _("Not a Chinese plate number, e.g. 粤B·12345 or 粤B·D12345 (new energy)."))
    return f"{match['prefix']}·{match['number']}"


def parse_phone(text: str, field: str = "phone", *, required: bool = False) -> str:
    """A mainland mobile (11 digits from 13–19) or a landline with area code; "" if empty."""
    compact = re.sub(r"[\s()]", "", text.strip()).removeprefix("+86")
    if not compact:
        if required:
            raise _fail(field, _("Required."))
        return ""
    if not (_MOBILE.match(compact) or _LANDLINE.match(compact)):
        raise _fail(field, _("Not a phone number: 11-digit mobile or landline with area code."))
    return compact


def mask_phone(phone: str) -> str:
    """``138****0001``: enough to recognise, not enough to call (PIPL minimum display)."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def parse_licence_no(text: str, field: str = "licence_no") -> str:
    """A driving licence number: the holder's 18-character citizen ID, check digit verified."""
    value = text.strip().upper()
    if not value:
        return ""
    if not _ID_NUMBER.match(value):
        raise _fail(field, _("A licence number has 18 characters: 17 digits and a digit or X."))
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17]:
        raise _fail(field, _("The check character of this licence number is wrong."))
    return value


def licence_check_char(first17: str) -> str:
    """The check character that completes a 17-digit ID/licence number."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def parse_licence_class(text: str, field: str = "licence_class") -> str:
    """One of :data:`LICENCE_CLASSES`, or "" when not given."""
    value = text.strip().upper()
    if value and value not in LICENCE_CLASSES:
        raise _fail(field, _("Choose a licence class."))
    return value


def parse_date(text: str, field: str, *, required: bool = False) -> date | None:
    """An ISO date (YYYY-MM-DD)."""
    value = text.strip()
    if not value:
        if required:
            raise _fail(field, _("Required."))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(field, _("Not a date (YYYY-MM-DD).")) from None


def parse_time(text: str, field: str) -> time:
    """A time of day, HH:MM."""
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        raise _fail(field, _("Not a time of day (HH:MM).")) from None


def parse_scaled(text: str, field: str, *, scale: int, positive: bool = False) -> int:
    """A decimal amount times ``scale`` as an exact integer (kg → g, m³ → L, yuan → fen)."""
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        raise _fail(field, _("Not a number.")) from None
    scaled = amount * scale
    if not amount.is_finite() or scaled != scaled.to_integral_value():
        raise _fail(field, _("Too many decimal places."))
    if scaled < 0 or (positive and scaled == 0):
        raise _fail(field, _("Must be greater than zero.") if positive else _("Must not be negative."))
    if scaled > 2**31 - 1:
        raise _fail(field, _("Too large."))
    return int(scaled)


def parse_lonlat(lon: str, lat: str) -> tuple[float, float]:
    """A WGS-84 point inside China's bounding box."""
    try:
        x, y = float(lon), float(lat)
    except ValueError:
        raise FleetInputError({"lon": _("Not a number."), "lat": _("Not a number.")}) from None
    if not 73 <= x <= 136:
        raise _fail("lon", _("Longitude must lie in China (73–136)."))
    if not 3 <= y <= 54:
        raise _fail("lat", _("Latitude must lie in China (3–54)."))
    return x, y
