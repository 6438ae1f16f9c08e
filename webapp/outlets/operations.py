"""Outlet use cases: create, edit, close, record a fill reading. Each writes its
change record in the same transaction as the change."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from geodata.streets import address_line, load_streets
from webapp import geo
from webapp.api.text import time_problem
from webapp.changelog import record
from webapp.models import (
    FillReading,
    Material,
    Outlet,
    OutletMaterial,
    OutletStatus,
    ReadingSource,
)
from webapp.models._types import utcnow
from webapp.outlets.validation import Checks, OutletInput, OutletInputError

_DISTRICT_PREFIX = {"futian": "FT", "nanshan": "NS"}


class OutletError(ValueError):
    """An outlet operation was refused; the message says why."""


class ReadingConflictError(OutletError):
    """A reading id was sent again with different content."""


def make_checks(session: Session) -> Checks:
    """The facts the validation rules need, read once per form or import."""
    codes = session.exec(select(Material.code).where(Material.active == True)).all()
    area = geo.service_area()
    return Checks(
        material_codes=frozenset(codes),
        inside_area=lambda lon, lat: (area.contains(lon, lat), area.distance_to_street_m(lon, lat)),
        district_of=geo.district_of,
        districts=frozenset(geo.district_names("en")),
        default_threshold=current_app.config["RELOOP_SETTINGS"].fill_threshold_pct,
    )


def snapshot(outlet: Outlet, materials: Iterable[str] = ()) -> dict[str, Any]:
    """JSON-able state of an outlet for the change log."""
    data = outlet.model_dump(mode="json", exclude={"created_at", "updated_at", "last_fill_at"})
    data["materials"] = sorted(materials)
    return data


def material_codes(session: Session, outlet_id: int) -> list[str]:
    """Codes of the materials an outlet accepts."""
    return list(
        session.exec(
            select(Material.code)
            .join(OutletMaterial, OutletMaterial.material_id == Material.id)  # type: ignore[arg-type]
            .where(OutletMaterial.outlet_id == outlet_id)
            .order_by(Material.sort_order)
        ).all()
    )


def next_code(session: Session, district: str | None, taken: set[str] | None = None) -> str:
    """The next free code for a district, e.g. ``FT-0042``."""
    prefix = _DISTRICT_PREFIX.get(district or "", "OT")
    count = session.exec(
        select(func.count()).select_from(Outlet).where(Outlet.code.startswith(prefix + "-"))
    ).one()  # type: ignore[union-attr]
    number = count + 1
    taken = taken or set()
    while True:
        code = f"{prefix}-{number:04d}"
        if code not in taken and not session.exec(select(Outlet.id).where(Outlet.code == code)).first():
            return code
        number += 1


def add_outlet(session: Session, data: OutletInput, *, actor_id: int | None, org_id: int | None) -> Outlet:
    """Stage a new outlet (no commit), refusing a code already in use."""
    code = data.code or next_code(session, data.district)
    if session.exec(select(Outlet.id).where(Outlet.code == code)).first():
        raise OutletInputError({"code": f"code {code} is already used by another outlet"})
    fields = asdict(data)
    materials = fields.pop("materials")
    fields["code"] = code
    if not fields["address"]:  # the nearest street and crossing, as a person would say it
        fields["address"] = address_line(load_streets(), data.lon, data.lat)
    outlet = Outlet(**fields, org_id=org_id)
    if outlet.status == OutletStatus.ACTIVE:
        outlet.opened_on = date.today()
    session.add(outlet)
    session.flush()
    _set_materials(session, outlet.id, materials)  # type: ignore[arg-type]
    record(session, "create", outlet, after=snapshot(outlet, materials), user_id=actor_id)
    return outlet


def create_outlet(session: Session, data: OutletInput, *, actor_id: int | None, org_id: int | None) -> Outlet:
    """Create one outlet and commit."""
    outlet = add_outlet(session, data, actor_id=actor_id, org_id=org_id)
    session.commit()
    return outlet


def update_outlet(session: Session, outlet_id: int, data: OutletInput, *, actor_id: int | None) -> Outlet:
    """Apply edited fields; the code, once given, does not change."""
    outlet = _get_open(session, outlet_id)
    before = snapshot(outlet, material_codes(session, outlet_id))
    fields = asdict(data)
    materials = fields.pop("materials")
    fields.pop("code")
    if outlet.status == OutletStatus.PLANNED and data.status == OutletStatus.ACTIVE:
        outlet.opened_on = date.today()
    for key, value in fields.items():
        setattr(outlet, key, value)
    outlet.updated_at = utcnow()
    session.add(outlet)
    _set_materials(session, outlet_id, materials)
    record(session, "update", outlet, before=before, after=snapshot(outlet, materials), user_id=actor_id)
    session.commit()
    return outlet


def close_outlet(
    session: Session, outlet_id: int, reason: str, *, actor_id: int | None, on: date | None = None
) -> Outlet:
    """Close an outlet with a reason; its history stays."""
    reason = reason.strip()
    if not reason:
        raise OutletError("a reason is required to close an outlet")
    outlet = _get_open(session, outlet_id)
    before = snapshot(outlet)
    outlet.status = OutletStatus.CLOSED
    outlet.closed_on = on or date.today()
    outlet.close_reason = reason[:255]
    outlet.updated_at = utcnow()
    session.add(outlet)
    record(session, "close", outlet, before=before, after=snapshot(outlet), user_id=actor_id)
    session.commit()
    return outlet


def _get_open(session: Session, outlet_id: int) -> Outlet:
    outlet = session.get(Outlet, outlet_id)
    if outlet is None:
        raise OutletError(f"no outlet with id {outlet_id}")
    if outlet.status == OutletStatus.CLOSED:
        raise OutletError(f"outlet {outlet.code} is closed")
    return outlet


def _set_materials(session: Session, outlet_id: int, codes: Iterable[str]) -> None:
    wanted = set(codes)
    rows = session.exec(select(Material).where(Material.code.in_(wanted))).all()  # type: ignore[attr-defined]
    current = session.exec(select(OutletMaterial).where(OutletMaterial.outlet_id == outlet_id)).all()
    wanted_ids = {m.id for m in rows}
    for link in current:
        if link.material_id not in wanted_ids:
            session.delete(link)
    have = {link.material_id for link in current}
    for material_id in wanted_ids - have:
        session.add(OutletMaterial(outlet_id=outlet_id, material_id=material_id))  # type: ignore[arg-type]


def reading_fingerprint(outlet_id: int, fill_pct: float, measured_at: datetime) -> str:
    """What makes two posts of one reading id the same reading."""
    body = json.dumps([outlet_id, round(fill_pct, 1), measured_at.astimezone(UTC).isoformat()])
    return hashlib.sha256(body.encode()).hexdigest()


def record_fill(
    session: Session,
    outlet: Outlet,
    *,
    reading_id: str,
    fill_pct: float,
    measured_at: datetime,
    source: ReadingSource,
    token_id: int | None = None,
    recorded_by_id: int | None = None,
) -> tuple[FillReading, bool]:
    """Store a reading once. Returns (reading, created); the same id with other
    content raises ``ReadingConflictError``. Writes in the caller's transaction, which
    the caller commits.

    Race-safe: the row is inserted with ``ON CONFLICT (reading_id) DO NOTHING``, so a
    sensor's retry arriving while the first post is still being written gets the stored
    reading (the database waits for the first to commit) instead of a unique-key error;
    and the outlet's latest fill moves only forward, in one conditional UPDATE.
    """
    if not math.isfinite(fill_pct) or not 0 <= fill_pct <= 100:
        raise OutletError("fill_pct must be between 0 and 100")
    problem = time_problem(measured_at)
    if problem is not None:
        raise OutletError(f"measured_at {problem}")
    reading = FillReading(
        reading_id=reading_id,
        outlet_id=outlet.id,
        fill_pct=round(fill_pct, 1),  # type: ignore[arg-type]
        measured_at=measured_at,
        source=source,
        token_id=token_id,
        recorded_by_id=recorded_by_id,
        org_id=outlet.org_id,
    )
    created = _insert_once(session, reading)
    stored = session.exec(select(FillReading).where(FillReading.reading_id == reading_id)).one()
    if not created:
        same = reading_fingerprint(stored.outlet_id, stored.fill_pct, stored.measured_at)
        if same != reading_fingerprint(outlet.id, fill_pct, measured_at):  # type: ignore[arg-type]
            raise ReadingConflictError(f"reading {reading_id} was already stored with other values")
        return stored, False
    _advance_last_fill(session, outlet, stored.fill_pct, measured_at)
    return stored, True


def _insert_once(session: Session, reading: FillReading) -> bool:
    """INSERT unless the reading id is stored (or being stored); True when this one was."""
    values = reading.model_dump(exclude={"id"})
    dialect = session.connection().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = FillReading.__table__  # Core, not the ORM's bulk INSERT: RETURNING says what happened
    statement = (
        insert(table)  # type: ignore[arg-type]
        .values(**values)
        .on_conflict_do_nothing(index_elements=["reading_id"])
        .returning(table.c.id)  # type: ignore[attr-defined]
    )
    return session.execute(statement).first() is not None


def _advance_last_fill(session: Session, outlet: Outlet, fill_pct: float, measured_at: datetime) -> None:
    """Make this the outlet's latest fill unless a later one is stored.

    One conditional UPDATE rather than read-compare-write: two sensors posting at once
    could otherwise leave the older reading as the latest.
    """
    session.execute(
        update(Outlet)
        .where(
            col(Outlet.id) == outlet.id,
            or_(col(Outlet.last_fill_at).is_(None), col(Outlet.last_fill_at) <= measured_at),
        )
        .values(last_fill_pct=fill_pct, last_fill_at=measured_at)
        .execution_options(synchronize_session=False)
    )
    if outlet in session:  # read again on next use
        session.expire(outlet, ["last_fill_pct", "last_fill_at"])
