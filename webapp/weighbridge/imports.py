"""Import the tickets a scale's software exported as CSV.

Format (UTF-8 with or without BOM, or GB18030 as Chinese Excel writes it); the header
names the columns, in any order:

=================  ========  =====================================================
column             required  meaning
=================  ========  =====================================================
scale_ticket_no    yes       the scale software's own ticket number; a number
                             already imported at this facility, or repeated in the
                             file, is refused
plate              yes       the truck's plate (粤B12345); inbound: one of our
                             vehicles, on a route that Shenzhen day
gross              yes       gross weight, in ``unit``
tare               no        tare weight, in ``unit``; blank: the vehicle's
                             registered tare
unit               yes       ``kg`` or ``t`` (a plain ``g`` is accepted too)
weighed_at         yes       ``YYYY-MM-DD HH:MM[:SS]``, Shenzhen time unless it
                             carries an offset
direction          no        ``in`` (default) or ``out``
note               no        free text, at most 500 characters
=================  ========  =====================================================

A sample is ``webapp/static/weighbridge/scale-export-sample.csv`` (served at
``/static/weighbridge/scale-export-sample.csv``, linked from the import page). Weights are decimals
converted to integer grams exactly (more than gram precision is refused). A gross
outside 0.5 t-100 t is taken as a unit error (a kg figure marked ``t``, or the
reverse) and refused naming the line and ``unit``. Every line is checked; if any is
refused nothing is written, and each problem is listed with its line and column.
The tickets get the facility's next numbers, in file order, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlmodel import Session, select

from traceability import CHINA_TZ
from webapp.csvio import CsvDecodeError, CsvTable, RowError, decode, row_error
from webapp.models import Vehicle
from webapp.models.weighbridge import TicketDirection, TicketSource, WeighTicket
from webapp.weighbridge.tickets import TicketError, TicketInput, add_ticket, lock_numbering

COLUMNS = ("scale_ticket_no", "plate", "gross", "tare", "unit", "weighed_at", "direction", "note")
REQUIRED = ("scale_ticket_no", "plate", "gross", "unit", "weighed_at")
UNITS = {"g": 1, "kg": 1000, "t": 1_000_000}
PLAUSIBLE_GROSS_G = (500_000, 100_000_000)  # a loaded truck: 0.5 t to 100 t
MAX_ROWS = 5000


@dataclass
class ImportResult:
    """What an import wrote (tickets) or why it wrote nothing (errors)."""

    tickets: list[WeighTicket] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def import_csv(session: Session, data: bytes, *, facility_id: int, operator_id: int | None) -> ImportResult:
    """Check every line, then write all tickets in one transaction, or none."""
    try:
        text = decode(data)
    except CsvDecodeError as exc:
        return ImportResult(errors=[row_error(1, "", str(exc))])
    table = CsvTable(text, columns=COLUMNS, required=REQUIRED, max_rows=MAX_ROWS)
    plates = {v.plate: v for v in session.exec(select(Vehicle))}
    parsed = [(line, _parse(table, line, row, facility_id, plates)) for line, row in table.rows()]
    if table.header is None:
        return ImportResult(errors=table.errors)
    result = ImportResult()
    try:
        # Locked before the repeat check, so two imports of one file cannot both pass it.
        lock_numbering(session, facility_id)
        _check_repeats(table, parsed, session, facility_id)
        # Lines that parsed are still checked (tare, trip) when others did not, so one
        # pass names every problem of the file.
        refused = {e["line"] for e in table.errors}
        for line, item in parsed:
            if item is None or line in refused:
                continue
            try:
                result.tickets.append(add_ticket(session, item, operator_id=operator_id))  # type: ignore[arg-type]
            except TicketError as exc:
                table.errors += [row_error(line, _column(e["field"]), e["message"]) for e in exc.errors]
        if table.errors:
            session.rollback()
            return ImportResult(errors=sorted(table.errors, key=lambda e: (e["line"], e["field"])))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def _column(field_name: str) -> str:
    return {"gross_g": "gross", "tare_g": "tare", "vehicle_id": "plate", "weighed_at": "weighed_at"}.get(
        field_name, field_name
    )


def _parse(
    table: CsvTable, line: int, row: dict[str, str], facility_id: int, plates: dict[str, Vehicle]
) -> TicketInput | None:
    errors_before = len(table.errors)
    unit = row.get("unit", "").strip().lower()
    scale = UNITS.get(unit)
    if scale is None:
        table.add(line, "unit", _("The unit must be kg or t."))
    gross = _grams(table, line, "gross", row.get("gross", ""), scale)
    tare_text = row.get("tare", "").strip()
    tare = _grams(table, line, "tare", tare_text, scale) if tare_text else None
    if gross is not None and not PLAUSIBLE_GROSS_G[0] <= gross <= PLAUSIBLE_GROSS_G[1]:
        table.add(
            line,
            "unit",
            _(
                "A gross of %(value)s %(unit)s is no truck's weight (0.5 t to 100 t): is the unit wrong?",
                value=row.get("gross", "").strip(),
                unit=unit,
            ),
        )
    direction_text = row.get("direction", "").strip().lower() or "in"
    if direction_text not in ("in", "out"):
        table.add(line, "direction", _("The direction must be in or out."))
    plate = row.get("plate", "").strip()
    vehicle = plates.get(plate)
    if not plate:
        table.add(line, "plate", _("The plate is missing."))
    elif vehicle is None and direction_text == "in":
        table.add(line, "plate", _("No vehicle with plate %(plate)s.", plate=plate))
    weighed_at = _moment(table, line, row.get("weighed_at", ""))
    number = row.get("scale_ticket_no", "").strip()
    if not number or len(number) > 40:
        table.add(line, "scale_ticket_no", _("The scale ticket number must have 1 to 40 characters."))
    if len(table.errors) > errors_before:
        return None
    return TicketInput(
        facility_id=facility_id,
        direction=TicketDirection(direction_text),
        gross_g=gross,  # type: ignore[arg-type]
        tare_g=tare,
        vehicle_id=vehicle.id if vehicle else None,
        plate=plate,
        weighed_at=weighed_at,
        scale_ticket_no=number,
        note=row.get("note", "").strip()[:500],
        source=TicketSource.IMPORT,
    )


def _grams(table: CsvTable, line: int, column: str, text: str, scale: int | None) -> int | None:
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        table.add(line, column, _("Not a number."))
        return None
    if scale is None:
        return None
    grams = amount * scale
    if not amount.is_finite() or grams != grams.to_integral_value():
        table.add(line, column, _("Finer than a gram."))
        return None
    if grams < 0:
        table.add(line, column, _("Must not be negative."))
        return None
    return int(grams)


def _moment(table: CsvTable, line: int, text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        table.add(line, "weighed_at", _("Write the time as YYYY-MM-DD HH:MM."))
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)


def _check_repeats(
    table: CsvTable, parsed: list[tuple[int, TicketInput | None]], session: Session, facility_id: int
) -> None:
    first_line: dict[str, int] = {}
    for line, item in parsed:
        if item is None:
            continue
        number = item.scale_ticket_no or ""
        if number in first_line:
            table.add(
                line,
                "scale_ticket_no",
                _("Scale ticket %(no)s repeats line %(line)d.", no=number, line=first_line[number]),
            )
            continue
        first_line[number] = line
        stored = session.exec(
            select(WeighTicket).where(
                WeighTicket.facility_id == facility_id, WeighTicket.scale_ticket_no == number
            )
        ).first()
        if stored is not None:
            table.add(
                line,
                "scale_ticket_no",
                _("Scale ticket %(no)s was imported already as %(ours)s.", no=number, ours=stored.number),
            )
