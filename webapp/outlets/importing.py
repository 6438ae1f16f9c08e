"""Importing outlets from CSV: every bad row is named by line, and nothing is
imported unless every row is good."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlmodel import Session, select

from webapp.csvio import CsvTable
from webapp.jobs.operations import JobRefusedError, Progress, handler
from webapp.jobs.params import JobParams
from webapp.models import Job, Outlet
from webapp.outlets import operations
from webapp.outlets.validation import FIELDS, REQUIRED, OutletInput, OutletInputError, parse_outlet

MAX_ROWS = 10_000
TEMPLATE = (
    "code,name,kind,status,district,address,lon,lat,materials,fill_threshold_pct,capacity_l,"
    "host_name,host_phone,partner\r\n"
    "FT-9001,福田区香蜜湖街道回收亭,kiosk,active,futian,香蜜湖路,114.0305,22.5445,"
    "paper;metal;plastic;glass,80,1200,张三,13800000000,\r\n"
)


@dataclass(frozen=True, kw_only=True)
class ImportParams(JobParams):
    """An outlet import: the decoded CSV text and the name of the uploaded file."""

    kind: ClassVar[str] = "outlets.import"
    csv: str
    filename: str = ""


def check_rows(session: Session, text: str) -> tuple[list[tuple[int, OutletInput]], list[dict[str, Any]]]:
    """Parse and check every row; returns (good rows with line numbers, errors)."""
    table = CsvTable(text, columns=FIELDS, required=REQUIRED, max_rows=MAX_ROWS)
    if table.header is None:
        return [], table.errors
    checks = operations.make_checks(session)
    taken = set(session.exec(select(Outlet.code)).all())
    seen: dict[str, int] = {}
    good: list[tuple[int, OutletInput]] = []
    for line, row in table.rows():
        try:
            data = parse_outlet(row, checks)
        except OutletInputError as exc:
            for field, message in exc.errors.items():
                table.add(line, field, message)
            continue
        if data.code in taken:
            table.add(line, "code", _("Code %(c)s already exists.", c=data.code))
        elif data.code in seen:
            table.add(line, "code", _("Code %(c)s repeats line %(l)d.", c=data.code, l=seen[data.code]))
        else:
            if data.code:
                seen[data.code] = line
            good.append((line, data))
    return good, table.errors


@handler(ImportParams)
def import_outlets(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
    """Job handler: check the whole file, then write every row in one transaction."""
    params = ImportParams.of(job)
    with force_locale(params.locale):
        progress(5, _("Checking rows"))
        good, errors = check_rows(session, params.csv)
        if errors:
            raise JobRefusedError(
                _("%(n)d problems found; nothing was imported.", n=len(errors)),
                result={"imported": 0, "errors": errors, "filename": params.filename},
            )
        progress(60, _("Writing outlets"))
        created = [
            operations.add_outlet(session, data, actor_id=job.created_by_id, org_id=job.org_id)
            for _line, data in good
        ]
        session.commit()
        return {
            "imported": len(created),
            "errors": [],
            "codes": [o.code for o in created][:50],
            "filename": params.filename,
        }
