"""Importing outlets from CSV: every bad row is named by line, and nothing is
imported unless every row is good.

Columns may be headed by their codes (``name``, ``kind``...) or by their Chinese labels
(:data:`COLUMN_LABELS`: 名称, 类型...), and kinds, statuses, districts and materials may
be given by their Chinese names (回收亭, 运营中, 福田区, 废纸) as well as by their codes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlmodel import Session, select

from webapp.csvio import CsvTable, coded_header
from webapp.jobs.operations import JobRefusedError, Progress, handler
from webapp.jobs.params import JobParams
from webapp.metrics.vocabulary import _DISTRICTS
from webapp.models import Job, Material, Outlet, OutletKind, OutletStatus
from webapp.outlets import operations
from webapp.outlets.validation import FIELDS, REQUIRED, OutletInput, OutletInputError, parse_outlet

MAX_ROWS = 10_000
TEMPLATE = (
    "code,name,kind,status,district,address,lon,lat,materials,fill_threshold_pct,capacity_l,"
    "host_name,host_phone,partner\r\n"
    "FT-9001,福田区香蜜湖街道回收亭,kiosk,active,futian,香蜜湖路,114.0305,22.5445,"
    "paper;metal;plastic;glass,80,1200,张三,13800000000,\r\n"
)

#: Each column's Chinese label, accepted as its heading and shown beside its code.
COLUMN_LABELS: Mapping[str, str] = {
    "code": "编码",
    "name": "名称",
    "kind": "类型",
    "status": "状态",
    "district": "行政区",
    "address": "地址",
    "lon": "经度",
    "lat": "纬度",
    "materials": "回收品类",
    "fill_threshold_pct": "满溢阈值（%）",
    "capacity_l": "容量（L）",
    "host_name": "联系人",
    "host_phone": "联系电话",
    "partner": "合作企业",
    "datum": "坐标系",
}
HEADER_ALIASES: Mapping[str, str] = {label: code for code, label in COLUMN_LABELS.items()}


@dataclass(frozen=True, kw_only=True)
class ImportParams(JobParams):
    """An outlet import: the decoded CSV text and the name of the uploaded file."""

    kind: ClassVar[str] = "outlets.import"
    csv: str
    filename: str = ""


def check_rows(session: Session, text: str) -> tuple[list[tuple[int, OutletInput]], list[dict[str, Any]]]:
    """Parse and check every row; returns (good rows with line numbers, errors)."""
    table = CsvTable(coded_header(text, HEADER_ALIASES), columns=FIELDS, required=REQUIRED, max_rows=MAX_ROWS)
    if table.header is None:
        return [], table.errors
    aliases = _value_aliases(session)
    checks = operations.make_checks(session)
    taken = set(session.exec(select(Outlet.code)).all())
    seen: dict[str, int] = {}
    good: list[tuple[int, OutletInput]] = []
    for line, row in table.rows():
        try:
            data = parse_outlet(_coded_values(row, aliases), checks)
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


def _value_aliases(session: Session) -> dict[str, dict[str, str]]:
    """Chinese names of the coded values, by the columns that take them."""
    with force_locale("zh"):
        kinds = {k.label: k.value for k in OutletKind}
        statuses = {s.label: s.value for s in OutletStatus}
    return {
        "kind": kinds,
        "status": statuses,
        "district": {zh: code for code, (zh, _en) in _DISTRICTS.items()},
        "materials": {m.name_zh: m.code for m in session.exec(select(Material)).all()},
    }


def _coded_values(row: Mapping[str, str], aliases: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """The row with Chinese names of kinds, statuses, districts and materials as codes."""
    cells = dict(row)
    for column in ("kind", "status", "district"):
        value = cells.get(column, "").strip()
        cells[column] = aliases[column].get(value, value)
    if cells.get("materials"):
        names = aliases["materials"]
        parts = [p.strip() for p in re.split(r"[;,；，、\s]+", cells["materials"]) if p.strip()]
        cells["materials"] = ";".join(names.get(p, p) for p in parts)
    return cells


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
