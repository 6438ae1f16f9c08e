"""Property tests of the two CSV importers (outlets, battery events): arbitrary bytes,
encodings and rows never crash them, a file is imported whole or not at all, and every
refusal names its line and field."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import Session, select

from tests.webapp.conftest import AuthActions
from tests.webapp.trace.conftest import CASCADE, COLLECTOR, OUTLET, PLANT
from webapp.csvio import CsvDecodeError, decode
from webapp.jobs import operations as jobs
from webapp.models import Job, JobStatus, Outlet, Role, TraceEventRow
from webapp.outlets.importing import ImportParams, check_rows
from webapp.outlets.validation import FIELDS
from webapp.trace import csvimport

# Each example is an upload or an import against the database: few, always the same.
IMPORTS = settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"]
junk = st.text(st.characters(codec="utf-8"), max_size=12)  # NUL, quotes, newlines, CJK, emoji
OUTLET_ROW = {
    "code": "",
    "name": "福田区回收亭",
    "kind": "kiosk",
    "lon": "114.0305",
    "lat": "22.5445",
    "materials": "paper;metal",
}


def _count(db: Session, table: Any) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(table)).one()


def _csv(header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@st.composite
def damaged(draw: st.DrawFn, good: list[dict[str, str]], columns: list[str]) -> list[dict[str, str]]:
    """Good rows, some with one cell replaced by junk (which may or may not still be valid)."""
    rows = [dict(r) for r in good]
    for row in rows:
        if draw(st.booleans()):
            row[draw(st.sampled_from(columns))] = draw(junk)
    return rows


@pytest.fixture
def staff(client: FlaskClient, auth: AuthActions) -> FlaskClient:
    auth.login(Role.DISPATCHER)
    return client


@IMPORTS
@given(data=st.binary(max_size=300))
def test_any_bytes_give_text_or_one_decode_error(data: bytes) -> None:
    """Decoding is UTF-8, GB18030 or CsvDecodeError; never another exception, never a NUL."""
    try:
        text = decode(data)
    except CsvDecodeError:
        return
    assert "\x00" not in text


@IMPORTS
@given(data=st.binary(max_size=300), encoding=st.sampled_from(["outlets", "trace"]))
def test_any_uploaded_bytes_are_refused_or_reported_never_a_crash(
    staff: FlaskClient, db: Session, data: bytes, encoding: str
) -> None:
    """Arbitrary bytes to either import page: a job report or a 422 form, nothing imported."""
    outlets, entries = _count(db, Outlet), _count(db, TraceEventRow)
    url = "/outlets/import" if encoding == "outlets" else "/trace/import"
    response = staff.post(
        url,
        data={"file": (io.BytesIO(data), "upload.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    event(f"HTTP {response.status_code}")
    assert response.status_code in (200, 422)
    assert (_count(db, Outlet), _count(db, TraceEventRow)) == (outlets, entries)


def _outlet_job(app: Flask, db: Session, text: str) -> Job:
    with app.test_request_context():
        job = jobs.enqueue(db, ImportParams(csv=text, filename="x.csv", locale="en"), actor_id=None)
    db.refresh(job)
    return job


@IMPORTS
@given(st.data())
def test_an_outlet_file_is_imported_whole_or_not_at_all(app: Flask, db: Session, data: st.DataObject) -> None:
    """Every row becomes an outlet, or none does and each error names a line and a field."""
    size = data.draw(st.integers(1, 4), label="rows")
    good = [OUTLET_ROW | {"name": f"回收亭 {n}"} for n in range(size)]
    columns = data.draw(st.permutations(list(OUTLET_ROW)), label="columns")
    rows = data.draw(damaged(good, list(OUTLET_ROW)), label="rows")
    encoding = data.draw(st.sampled_from(ENCODINGS), label="encoding")
    try:
        text = decode(_csv(columns, rows).encode(encoding, errors="replace"))
    except CsvDecodeError:
        return  # refused before any job, as the upload test checks
    before = _count(db, Outlet)
    job = _outlet_job(app, db, text)
    event(job.status.value)
    if job.status == JobStatus.SUCCEEDED:
        assert _count(db, Outlet) == before + len(rows) == before + job.result["imported"]
    else:
        assert job.status == JobStatus.FAILED and _count(db, Outlet) == before
        errors = job.result["errors"]
        assert errors and all(_named(e, FIELDS, lines=len(rows) + 1) for e in errors), errors


def _named(error: dict[str, Any], fields: Any, *, lines: int) -> bool:
    return (
        isinstance(error["line"], int)
        and 1 <= error["line"] <= lines + 1
        and (error["field"] == "" or error["field"].split(".")[0] in fields)
        and bool(error["message"])
    )


EVENT_COLUMNS = [
    "event_id",
    "kind",
    "battery_code",
    "actor",
    "actor_role",
    "location",
    "occurred_at",
    "mass_g",
    "to_actor",
    "to_location",
]


def _battery(n: int) -> list[dict[str, str]]:
    code = f"S01PE0A1234567S5A{n:07d}"
    return [
        {
            "event_id": f"p-{n}-1",
            "kind": "received_at_outlet",
            "battery_code": code,
            "actor": COLLECTOR,
            "actor_role": "collector",
            "location": OUTLET,
            "occurred_at": "2026-11-02 09:30",
            "mass_g": "300000",
        },
        {
            "event_id": f"p-{n}-2",
            "kind": "handed_over",
            "battery_code": code,
            "actor": COLLECTOR,
            "actor_role": "collector",
            "location": OUTLET,
            "occurred_at": "2026-11-03 10:00",
            "to_actor": CASCADE,
            "to_location": PLANT,
        },
    ]


def _import(app: Flask, db: Session) -> Callable[[str], csvimport.ImportResult]:
    def run(text: str) -> csvimport.ImportResult:
        with app.test_request_context():
            return csvimport.import_events(db, text, actor_id=None, org_id=None)

    return run


@IMPORTS
@given(st.data())
def test_a_battery_event_file_is_recorded_whole_or_not_at_all(
    app: Flask, db: Session, data: st.DataObject
) -> None:
    """Every row is recorded (or recognised as recorded), or none is and each error names its line."""
    first = data.draw(st.integers(0, 10_000), label="battery")
    good = [
        row
        for n in range(first, first + data.draw(st.integers(1, 2), label="batteries"))
        for row in _battery(n)
    ]
    rows = data.draw(damaged(good, EVENT_COLUMNS), label="rows")
    encoding = data.draw(st.sampled_from(ENCODINGS), label="encoding")
    try:
        text = decode(_csv(EVENT_COLUMNS, rows).encode(encoding, errors="replace"))
    except CsvDecodeError:
        return
    before = _count(db, TraceEventRow)
    result = _import(app, db)(text)
    event("recorded" if not result.errors else "refused")
    if not result.errors:
        assert result.created + result.duplicates == len(rows)
        assert _count(db, TraceEventRow) == before + result.created
    else:
        assert _count(db, TraceEventRow) == before
        fields = {*EVENT_COLUMNS, "payload", "corrects", "correction_reason"}
        assert all(_named(e, fields, lines=len(rows) + 1) for e in result.errors), result.errors


@IMPORTS
@given(text=st.text(st.characters(codec="utf-8"), max_size=200))
def test_any_text_is_parsed_into_rows_or_errors_by_line(app: Flask, text: str) -> None:
    """Both parsers take arbitrary text (quotes, NULs, blank lines) without raising."""
    with app.test_request_context():
        _good, errors = csvimport.parse_rows(text)
    assert all(isinstance(e["line"], int) and e["line"] >= 1 and e["message"] for e in errors)


def test_a_field_over_the_csv_modules_limit_is_an_error_on_its_line(app: Flask, db: Session) -> None:
    """A 200 kB cell is refused as invalid CSV on line 2, not met as an exception (was a 500)."""
    row = _battery(1)[0] | {"actor": "x" * 200_000}
    result = _import(app, db)(_csv(EVENT_COLUMNS, [row]))
    assert [(e["line"], e["field"]) for e in result.errors] == [(2, "")]
    job = _outlet_job(app, db, _csv(list(OUTLET_ROW), [OUTLET_ROW | {"name": "x" * 200_000}]))
    assert job.status == JobStatus.FAILED and [e["line"] for e in job.result["errors"]] == [2]


def test_a_nul_in_an_outlet_cell_is_refused_by_field(app: Flask, db: Session) -> None:
    """A NUL in a name is named (name, line 2) instead of failing the INSERT on PostgreSQL."""
    with app.test_request_context():
        good, errors = check_rows(db, _csv(list(OUTLET_ROW), [OUTLET_ROW | {"name": "回收\x00亭"}]))
    assert good == [] and [(e["line"], e["field"]) for e in errors] == [(2, "name")]
