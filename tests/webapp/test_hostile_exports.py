"""CSV and XLSX files never hand a spreadsheet a formula: text starting with = + - @ (or a
tab or line break) is written with a leading apostrophe; numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from tests.webapp.driver.conftest import make_day
from tests.webapp.trace.conftest import PACK_A, to_enterprise
from webapp.metrics import report_csv, report_xlsx
from webapp.metrics.tables import Column, Table
from webapp.models import Outlet, PlannedStop, Role
from webapp.sheets import safe_cell
from webapp.trace.inputs import parse_event
from webapp.trace.operations import record_events

FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "＝1+1",
]
NUMBERS = [-12.5, -3, 0, "-12.5", "+7", "1e5", "-0.25", "-"]


@pytest.mark.parametrize("text", FORMULAS)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text) -> None:
    """Each formula start, ASCII or full-width, is neutralised."""
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", NUMBERS)
def test_numbers_stay_numbers(value) -> None:
    """Negative numbers, as numbers or as their text, and a lone dash are left alone."""
    assert safe_cell(value) == value


def _csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_audit_csv_export_neutralises_partner_text(client, auth, db: Session) -> None:
    """An actor and a location a partner sent as formulas are apostrophed in /audit/export.csv."""
    events = to_enterprise(PACK_A)[:1]
    events[0]["actor"], events[0]["location"] = FORMULAS[0], FORMULAS[3]
    record_events(db, [parse_event(e)[0] for e in events], actor_id=None)  # type: ignore[arg-type]
    auth.login(Role.REGULATOR)
    rows = _csv_cells(client.get("/audit/export.csv").get_data(as_text=True))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + FORMULAS[0] in cells and "'" + FORMULAS[3] in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    assert all(row[0].isdigit() for row in rows[1:])  # the sequence numbers are still numbers


def test_the_plan_csv_export_neutralises_outlet_names(client, auth, db: Session, cache_dir) -> None:
    """An outlet named like a formula is apostrophed in /dispatch/plans/<id>/export.csv."""
    day = make_day(db, cache_dir)
    route = day.routes["driver1"]
    stop = db.exec(
        select(PlannedStop).where(PlannedStop.route_id == route.id, PlannedStop.outlet_id != None)
    ).first()  # noqa: E711
    outlet = db.get(Outlet, stop.outlet_id)
    outlet.name = FORMULAS[1]
    db.add(outlet)
    db.commit()
    auth.login(Role.DISPATCHER)
    text = client.get(f"/dispatch/plans/{route.plan_id}/export.csv").get_data(as_text=True)
    rows = _csv_cells(text)
    assert any(row[5] == "'" + FORMULAS[1] for row in rows[1:])
    assert all(float(row[6]) and float(row[11]) >= 0 for row in rows[1:])  # lon, load: numbers


def _table() -> Table:
    return Table(
        key="hostile",
        zh="=标题",
        en="=title",
        columns=(Column("@名称", "@name"), Column("数量", "amount", 1)),
        rows=((FORMULAS[0], -12.5), (FORMULAS[2], 3.0), ("普通网点", -0.5)),
    )


def test_the_report_csv_neutralises_text_and_keeps_negative_numbers() -> None:
    """The indicator tables' CSV apostrophes formulas; -12.5 stays -12.5."""
    rows = _csv_cells(report_csv.table_csv(_table()))
    assert rows[0] == ["'@名称", "数量"]
    assert rows[1] == ["'" + FORMULAS[0], "-12.5"] and rows[2] == ["'-2+3", "3.0"]
    assert rows[3] == ["普通网点", "-0.5"]


def test_the_report_xlsx_has_no_formula_cell_and_numbers_as_numbers(tmp_path) -> None:
    """The workbook stores formula-like text as text, negative amounts as numbers."""
    path = report_xlsx.write_tables([_table()], tmp_path / "report.xlsx")
    sheet = load_workbook(path).worksheets[0]  # named after the table's (Chinese) title
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)
    assert sheet["A1"].value == "'=标题" and sheet["A3"].value == "'" + FORMULAS[0]
    assert sheet["B3"].value == -12.5 and sheet["B5"].value == -0.5
