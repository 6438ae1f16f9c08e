"""Importing outlets from CSV: every bad row is named by line, and nothing is
imported unless every row is good."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlmodel import Session, select

from webapp.jobs.operations import JobRefusedError, Progress, handler
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


class CsvDecodeError(ValueError):
    """The upload is not text in an encoding we read."""


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030, which Chinese Excel writes.

    Text has no NUL bytes; a file with them is binary, or UTF-16 (which would otherwise
    decode as UTF-8 full of NULs that PostgreSQL cannot store).
    """
    if b"\x00" in data:
        raise CsvDecodeError("the file contains NUL bytes")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvDecodeError("the file is neither UTF-8 nor GB18030 text")


def check_rows(session: Session, text: str) -> tuple[list[tuple[int, OutletInput]], list[dict[str, Any]]]:
    """Parse and check every row; returns (good rows with line numbers, errors)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        return [], [invalid_csv(reader, exc)]
    errors = _header_errors(header)
    if errors:
        return [], errors
    reader.fieldnames = header
    checks = operations.make_checks(session)
    taken = set(session.exec(select(Outlet.code)).all())
    seen: dict[str, int] = {}
    good: list[tuple[int, OutletInput]] = []
    for row in readable_rows(reader, errors):
        line = reader.line_num
        if len(good) + len(errors) >= MAX_ROWS:
            errors.append(_error(line, "", _("More than %(n)d rows; split the file.", n=MAX_ROWS)))
            break
        if None in row:
            errors.append(_error(line, "", _("More values than columns.")))
            continue
        if not any((v or "").strip() for v in row.values()):
            continue  # blank line
        try:
            data = parse_outlet(row, checks)
        except OutletInputError as exc:
            errors += [_error(line, f, m) for f, m in exc.errors.items()]
            continue
        if data.code in taken:
            errors.append(_error(line, "code", _("Code %(c)s already exists.", c=data.code)))
        elif data.code in seen:
            errors.append(
                _error(line, "code", _("Code %(c)s repeats line %(l)d.", c=data.code, l=seen[data.code]))
            )
        else:
            if data.code:
                seen[data.code] = line
            good.append((line, data))
    if not good and not errors:
        errors.append(_error(1, "", _("The file has no rows.")))
    return good, errors


def readable_rows(reader: csv.DictReader[str], errors: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The reader's rows; a line the csv module cannot read (say, a field over its 128 KiB
    limit) ends the file with an error naming that line."""
    try:
        yield from reader
    except csv.Error as exc:
        errors.append(invalid_csv(reader, exc))


def invalid_csv(reader: csv.DictReader[str], exc: csv.Error) -> dict[str, Any]:
    """The error for a line the csv module refused: the one after the last line it read."""
    return _error(reader.line_num + 1, "", _("Not valid CSV: %(reason)s.", reason=str(exc)))


def _header_errors(header: list[str]) -> list[dict[str, Any]]:
    if not header:
        return [_error(1, "", _("The file is empty."))]
    errors = []
    unknown = [h for h in header if h not in FIELDS]
    if unknown:
        errors.append(_error(1, "", _("Unknown columns: %(c)s.", c=", ".join(unknown))))
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        errors.append(_error(1, "", _("Missing columns: %(c)s.", c=", ".join(missing))))
    return errors


def _error(line: int, field: str, message: str) -> dict[str, Any]:
    return {"line": line, "field": field, "message": message}


@handler("outlets.import")
def import_outlets(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
    """Job handler: check the whole file, then write every row in one transaction."""
    with force_locale(job.params.get("locale", "zh")):
        progress(5, _("Checking rows"))
        good, errors = check_rows(session, job.params["csv"])
        if errors:
            raise JobRefusedError(
                _("%(n)d problems found; nothing was imported.", n=len(errors)),
                result={"imported": 0, "errors": errors, "filename": job.params.get("filename", "")},
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
            "filename": job.params.get("filename", ""),
        }
