"""Importing battery events from CSV: every bad row is named by line, and nothing is
recorded unless every row passes, the lifecycle rules included.

One row is one event. Besides the event columns (``event_id``, ``kind``,
``battery_code``, ``actor``, ``actor_role``, ``location``, ``occurred_at`` and, for a
correction, ``corrects`` and ``correction_reason``), each payload field has its own
column, named as in the API (``mass_g``, ``to_actor``, ``soh_permille``...); empty
cells are left out, code lists (``sources``, ``parts``) are separated by ``;``, and so
are a disassembly's ``part_masses_g``: whole grams in the order of ``parts``
(``120000;80500``). A time without a zone is China Standard Time, as Excel writes it.

Every column may also be headed by its Chinese name (事件类型, 电池编码, 质量（g）...:
:data:`HEADER_ALIASES`), and the event kind and roles may be given by their Chinese
names (企业入库, 梯次利用企业) as well as by their codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session

from traceability import CHINA_TZ, ActorRole, EventKind

# The payload schemas are data of the pure package; the CSV needs each field's type
# to turn a cell into the JSON value the API would carry.
from traceability._payloads import COMMON_FIELDS, SCHEMAS
from webapp.audit import fields as payload_fields
from webapp.csvio import CsvTable, coded_header, row_error
from webapp.trace.inputs import EventInput, parse_event
from webapp.trace.operations import RecordError, record_events
from webapp.trace.records import LogIntegrityError

MAX_ROWS = 5000
EVENT_COLUMNS = (
    "event_id",
    "kind",
    "battery_code",
    "actor",
    "actor_role",
    "location",
    "occurred_at",
    "corrects",
    "correction_reason",
)
REQUIRED = EVENT_COLUMNS[:7]
FIELD_TYPES: Mapping[str, str] = {
    f.name: f.type for fields in (*SCHEMAS.values(), COMMON_FIELDS) for f in fields
}
COLUMNS = frozenset(EVENT_COLUMNS) | FIELD_TYPES.keys()
_EVENT_COLUMNS_ZH = {
    "event_id": "事件编号",
    "kind": "事件类型",
    "battery_code": "电池编码",
    "actor": "记录主体",
    "actor_role": "主体类型",
    "location": "地点",
    "occurred_at": "发生时间",
    "corrects": "更正的事件",
    "correction_reason": "更正原因",
}
_UNITS = {"_g": "g", "_wh": "Wh", "_permille": "‰", "_uohm": "μΩ", "_mah": "mAh"}


def chinese_column(name: str) -> str:
    if name in _EVENT_COLUMNS_ZH:
        return _EVENT_COLUMNS_ZH[name]
    unit = next((u for suffix, u in _UNITS.items() if name.endswith(suffix)), None)
    label = payload_fields.field_name(name, "zh")
    return f"{label}（{unit}）" if unit and FIELD_TYPES.get(name) == "int" else label


#: The columns the import page lists: the event's and the most used payload fields.
SHOWN = (*EVENT_COLUMNS, "mass_g", "to_actor", "to_location", "soh_permille", "capacity_wh", "sources")
#: Chinese column headings and the column each stands for.
HEADER_ALIASES: Mapping[str, str] = {
    chinese_column(name): name for name in (*EVENT_COLUMNS, *FIELD_TYPES) if chinese_column(name) != name
}
#: Chinese names of the coded values, by the columns that take them.
_VALUE_ALIASES: Mapping[str, Mapping[str, str]] = {
    "kind": {k.label_zh: k.value for k in EventKind},
    "actor_role": {r.label_zh: r.value for r in ActorRole},
    "to_role": {r.label_zh: r.value for r in ActorRole},
}
TEMPLATE = (
    "event_id,kind,battery_code,actor,actor_role,location,occurred_at,mass_g,to_actor,"
    "to_location,soh_permille,capacity_wh,method,equipment\r\n"
    "RC-2026-0001,received_at_outlet,S01PE0A1234567S5A0000123,绿环回收网点,collector,NS-0001,"
    "2026-11-20 09:30,300000,,,,,,\r\n"
    "RC-2026-0002,handed_over,S01PE0A1234567S5A0000123,绿环回收网点,collector,NS-0001,"
    "2026-11-21 14:00,,示例梯次利用企业,SRL-PLANT-1,,,,\r\n"
)


@dataclass
class ImportResult:
    """What an import did: events created, repeats recognised, or the errors by line."""

    created: int = 0
    duplicates: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def import_events(session: Session, text: str, *, actor_id: int | None, org_id: int | None) -> ImportResult:
    """Check every row, then record them all in one transaction (or none)."""
    good, errors = parse_rows(text)
    if errors:
        return ImportResult(errors=errors)
    lines = [line for line, _event in good]
    try:
        recorded = record_events(session, [event for _line, event in good], actor_id=actor_id, org_id=org_id)
    except RecordError as exc:
        return ImportResult(
            errors=[
                row_error(lines[e.index] if e.index is not None else 1, e.field, e.message)
                for e in exc.errors
            ]
        )
    except LogIntegrityError as exc:
        return ImportResult(errors=[row_error(1, "", str(exc))])
    created = sum(1 for r in recorded if r.created)
    return ImportResult(created=created, duplicates=len(recorded) - created)


def parse_rows(text: str) -> tuple[list[tuple[int, EventInput]], list[dict[str, Any]]]:
    """Parse and check every row; returns (events with their line numbers, errors)."""
    table = CsvTable(
        coded_header(text, HEADER_ALIASES), columns=COLUMNS, required=REQUIRED, max_rows=MAX_ROWS
    )
    good: list[tuple[int, EventInput]] = []
    for line, row in table.rows():
        item, problems = _item(row)
        event, more = parse_event(item) if not problems else (None, [])
        for field_name, message in problems + more:
            table.add(line, field_name, message)
        if event is not None:
            good.append((line, event))
    return good, table.errors


def _item(row: Mapping[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    cells = {k: v.strip() for k, v in row.items() if v.strip()}
    for column, names in _VALUE_ALIASES.items():
        if column in cells:
            cells[column] = names.get(cells[column], cells[column])
    item: dict[str, Any] = {k: cells[k] for k in EVENT_COLUMNS if k in cells}
    problems: list[tuple[str, str]] = []
    if "occurred_at" in item:
        item["occurred_at"] = _zoned(item["occurred_at"])
    payload: dict[str, Any] = {}
    for name, value in cells.items():
        kind = FIELD_TYPES.get(name)
        if name in EVENT_COLUMNS or kind is None:
            continue
        if kind == "int":
            try:
                payload[name] = int(value.replace(",", ""))
            except ValueError:
                problems.append((f"payload.{name}", _("must be a whole number")))
        elif kind == "codes":
            payload[name] = [c for c in _entries(value) if c]
        elif kind == "grams_list":
            payload[name], bad = _grams(value)
            problems += [(f"payload.{name}[{index}]", _("must be a whole number")) for index in bad]
        else:
            payload[name] = value
    item["payload"] = payload
    return item, problems


def _entries(value: str) -> list[str]:
    """The entries of a list cell: separated by ``;`` (or ``|``), stripped."""
    return [entry.strip() for entry in value.replace("|", ";").split(";")]


def _grams(value: str) -> tuple[list[int], list[int]]:
    """Whole grams separated by ``;`` (thousands commas allowed), and the positions that are not."""
    grams, bad = [], []
    for index, cell in enumerate(_entries(value)):
        try:
            grams.append(int(cell.replace(",", "")))
        except ValueError:
            bad.append(index)
    return grams, bad


def _zoned(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value  # parse_event names the field
    return (moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)).isoformat()
