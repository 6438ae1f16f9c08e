"""Filtered exports of the log: the exact entry lines (JSONL) or a flat table (CSV).

An unfiltered JSONL export is the whole log and verifies offline against a signed
tree head (``reloop trace verify``). A filtered one holds exact lines too, each
carrying its ``seq`` and ``prev``, so any line can still be checked against the
full export or an inclusion proof; on its own it cannot reproduce the root.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from traceability import CHINA_TZ, EventKind, normalize_code
from webapp import sheets
from webapp.models import TraceEventRow

CSV_COLUMNS = (
    "seq",
    "event_id",
    "kind",
    "battery_code",
    "actor",
    "actor_role",
    "location",
    "occurred_at",
    "recorded_at",
    "corrects",
    "correction_reason",
    "payload",
    "leaf_hash",
)


@dataclass(frozen=True)
class ExportFilters:
    """What to include; empty fields do not filter."""

    code: str = ""
    kind: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> tuple[ExportFilters, dict[str, str]]:
        """Read query arguments; returns the filters and the problems by field."""
        errors: dict[str, str] = {}
        kind = args.get("kind", "").strip()
        if kind and kind not in {k.value for k in EventKind}:
            errors["kind"] = "unknown event kind"
            kind = ""
        dates = {}
        for name in ("since", "until"):
            raw = args.get(name, "").strip()
            try:
                dates[name] = date.fromisoformat(raw) if raw else None
            except ValueError:
                errors[name] = "not a date (YYYY-MM-DD)"
                dates[name] = None
        return cls(
            normalize_code(args.get("code", "")),
            kind,
            args.get("actor", "").strip(),
            dates["since"],
            dates["until"],
        ), errors

    @property
    def is_empty(self) -> bool:
        """True when the export is the whole log."""
        return not (self.code or self.kind or self.actor or self.since or self.until)

    def query_args(self) -> dict[str, str]:
        """Back to query arguments (for download links)."""
        values = {
            "code": self.code,
            "kind": self.kind,
            "actor": self.actor,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {k: v for k, v in values.items() if v}


def _query(filters: ExportFilters, after: int, limit: int) -> Any:
    query = select(TraceEventRow).where(TraceEventRow.seq > after)
    if filters.code:
        query = query.where(col(TraceEventRow.battery_code).contains(filters.code))
    if filters.kind:
        query = query.where(TraceEventRow.kind == filters.kind)
    if filters.actor:
        query = query.where(col(TraceEventRow.actor).contains(filters.actor))
    if filters.since:
        query = query.where(TraceEventRow.occurred_at >= _start_of(filters.since))
    if filters.until:
        query = query.where(TraceEventRow.occurred_at < _start_of(filters.until + timedelta(1)))
    return query.order_by(TraceEventRow.seq).limit(limit)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), CHINA_TZ)  # dates are China Standard Time


def rows(session: Session, filters: ExportFilters, *, batch: int = 2000) -> Iterator[TraceEventRow]:
    """Matching rows in log order, read in pages."""
    after = -1
    while True:
        page = session.exec(_query(filters, after, batch)).all()
        yield from page
        if len(page) < batch:
            return
        after = page[-1].seq


def jsonl(session: Session, filters: ExportFilters) -> Iterator[str]:
    """The matching entries' exact lines."""
    for row in rows(session, filters):
        yield row.line + "\n"


def csv_text(session: Session, filters: ExportFilters) -> Iterator[str]:
    """The matching entries as CSV (UTF-8 with BOM, which Excel needs for Chinese)."""
    buffer = io.StringIO()
    writer = sheets.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + _drain(buffer)
    for row in rows(session, filters):
        writer.writerow(
            [
                row.seq,
                row.event_id,
                row.kind,
                row.battery_code,
                row.actor,
                row.actor_role,
                row.location,
                row.occurred_at.astimezone(CHINA_TZ).isoformat(),
                row.recorded_at.astimezone(CHINA_TZ).isoformat(),
                row.corrects or "",
                row.correction_reason or "",
                json.dumps(row.payload, ensure_ascii=False, sort_keys=True),
                row.leaf_hash,
            ]
        )
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
