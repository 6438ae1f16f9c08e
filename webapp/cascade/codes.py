"""New codes for cascade products: the 24-character GB/T 34014 form and the 19-character
``R`` + P/M/C form.

Uses :func:`traceability.codes.new_cascade_code` when the traceability package has
it; until then a local generator makes the same shapes (manufacturer code of the
cascade-use enterprise, the product type, the sources' chemistry, a serial and the
Shenzhen date), so nothing here has to change when it lands.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, func, select

from traceability import CHINA_TZ, DEFAULT_SPEC
from webapp.models.cascade import CascadeProduct

#: The sample registry's cascade-use enterprise (SRL); the demo enterprise uses it.
MANUFACTURER = "SRL"


def next_codes(
    session: Session, *, chemistry: str, product_type: str, when: datetime, offset: int = 0
) -> tuple[str, str]:
    """``(code24, code19)`` for the next product, numbered after the products recorded so far."""
    number = (session.exec(select(func.max(CascadeProduct.id))).one() or 0) + 1 + offset
    day = when.astimezone(CHINA_TZ).date()
    try:
        from traceability.codes import new_cascade_code  # type: ignore[attr-defined]
    except ImportError:
        return _local(chemistry, product_type, day, number)
    made = new_cascade_code(
        manufacturer=MANUFACTURER, product_type=product_type, chemistry=chemistry, made=day, serial=number
    )
    if isinstance(made, tuple):
        return str(made[0]), str(made[1])
    return str(made.code24), str(made.code19)


def _date_code(day: date) -> str:
    reverse = [
        {v: k for k, v in table.items()}
        for table in (DEFAULT_SPEC.years, DEFAULT_SPEC.months, DEFAULT_SPEC.days)
    ]
    return reverse[0][day.year] + reverse[1][day.month] + reverse[2][day.day]


def _local(chemistry: str, product_type: str, day: date, number: int) -> tuple[str, str]:
    when = _date_code(day)
    code24 = f"{MANUFACTURER}{product_type}{chemistry}R1{number:07d}{when}{number:07d}"
    code19 = f"{MANUFACTURER}R{product_type}{chemistry}{number:07d}{when}{number % 1000:03d}"
    return code24, code19
