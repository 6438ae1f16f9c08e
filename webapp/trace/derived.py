"""Rows derived from the log: ``battery`` (current state) and ``battery_link`` (ties).

Both can be rebuilt from the log at any time; they exist so lists and searches need
no replay, and so the events touching a battery through a regrouping or a
disassembly can be found (:func:`webapp.trace.records.events_touching`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from traceability import BatteryState, EventKind, LogEntry, parse_code
from webapp.models import Battery, BatteryLink
from webapp.models._types import utcnow
from webapp.trace.records import chunks, insert_rows

_LINK_KIND = {
    EventKind.REGROUPED: ("regrouped_from", "sources"),
    EventKind.DISASSEMBLED: ("contains", "parts"),
}
_TEXT = 120  # width of battery.holder / battery.location; the log keeps the full text


def stage(
    session: Session, entries: Sequence[LogEntry], states: Mapping[str, BatteryState], *, org_id: int | None
) -> None:
    """Stage the link and battery rows that ``entries`` (just appended) change."""
    for entry in entries:
        _links(session, entry)
    _batteries(session, states, org_id)


def _links(session: Session, entry: LogEntry) -> None:
    event = entry.event
    if event.kind not in _LINK_KIND:
        return
    kind, field = _LINK_KIND[event.kind]
    if event.corrects is not None:
        # The correction replaces the superseded event's ties: close them here and
        # open the corrected ones, so each tie says from which entry to which it held.
        session.flush()
        open_links = session.exec(
            select(BatteryLink).where(
                BatteryLink.parent_code == event.battery_code,
                BatteryLink.kind == kind,
                BatteryLink.until_seq == None,
            )
        ).all()
        for link in open_links:
            link.until_seq = entry.seq
            session.add(link)
    for child in event.payload.get(field, ()):
        session.add(
            BatteryLink(parent_code=event.battery_code, child_code=child, kind=kind, since_seq=entry.seq)
        )


def _batteries(session: Session, states: Mapping[str, BatteryState], org_id: int | None) -> None:
    # Core statements, not ORM objects: a bulk append touches thousands of rows and
    # the unit of work would cost more than the hashing.
    table = Battery.__table__  # type: ignore[attr-defined]
    ids: dict[str, int] = {}
    for chunk in chunks(states):
        rows = session.connection().execute(
            table.select().with_only_columns(table.c.code, table.c.id).where(table.c.code.in_(chunk))
        )
        ids.update((code, battery_id) for code, battery_id in rows)
    new, changed = [], []
    for code, state in states.items():
        values = _values(state)
        if code in ids:
            changed.append({"b_id": ids[code], **values})
        else:
            new.append({**_identity(code), **values, "org_id": org_id, "created_at": utcnow()})
    if new:
        insert_rows(session, table, new)
    if changed:
        session.execute(update(table).where(table.c.id == bindparam("b_id")), changed)


def _values(state: BatteryState) -> dict[str, object]:
    mass, energy = _amounts(state)
    return {
        "status": state.status.value,
        "holder": (state.custodian or "")[:_TEXT],
        "location": (state.location or "")[:_TEXT],
        "parent_code": state.parent,
        "is_cascade_product": state.is_cascade_product,
        "last_event_at": state.last_occurred_at,
        "mass_g": mass,
        "rated_energy_wh": energy,
    }


def _identity(code: str) -> dict[str, object]:
    parsed = parse_code(code)
    return {
        "code": code,
        "product_type": parsed.product_type_code,
        "chemistry": parsed.chemistry,
        "manufacturer_code": parsed.manufacturer,
    }


def _amounts(state: BatteryState) -> tuple[int | None, int | None]:
    """Mass and rated energy as last stated by an event about this battery itself."""
    mass = energy = None
    for event in state.history:
        if event.battery_code != state.code:
            continue
        if isinstance(event.payload.get("mass_g"), int) and event.kind is not EventKind.DISPOSED:
            mass = event.payload["mass_g"]
        if isinstance(event.payload.get("rated_energy_wh"), int):
            energy = event.payload["rated_energy_wh"]
    return mass, energy
