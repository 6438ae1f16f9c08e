"""Taking MQTT messages in: each a fill reading through ``record_fill``, the device's
health, and the day's count of the outcomes, a batch of them in one transaction.

The bridge calls :func:`take_batch` and acknowledges the batch's messages to the broker
only after it returns: by then the readings (and the refusals' counts) are committed, so
a message the broker sends again after a crash or restart is found by its id and counted
as a duplicate, never stored twice. Each message runs in a savepoint of its own, so a
refused one rolls back its own writes and none of its neighbours'.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session, select

from traceability.deadlines import CHINA_TZ
from webapp.models import FillReading, Material, Outlet, ReadingSource
from webapp.models._types import utcnow
from webapp.models.sensors import MessageOutcome, SensorDevice, SensorReading, SensorTally
from webapp.outlets.operations import OutletError, record_fill
from webapp.sensors.payloads import Message, PayloadError, PayloadKind, fill_from_distance, parse

log = logging.getLogger("reloop.sensors")
_DEVICES = "reloop.sensors.devices"


@dataclass(frozen=True)
class Taken:
    """What became of one message; ``problem`` names the field of a refused one."""

    outcome: MessageOutcome
    device_code: str = ""
    reading_id: str = ""
    problem: str = ""


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is away (retry later), not that a message is bad."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def take(session: Session, topic: str, payload: bytes, *, prefix: str) -> Taken:
    """One message in a transaction of its own (a batch of one)."""
    return take_batch(session, [(topic, payload)], prefix=prefix)[0]


def take_batch(session: Session, messages: Sequence[tuple[str, bytes]], *, prefix: str) -> list[Taken]:
    """Check, store and count ``(topic, payload)`` messages in one transaction, and commit.

    Never raises for a bad message: it is refused (its savepoint rolled back) and
    counted. Raises what the database raises when it is unavailable (nothing is
    committed then) and when the commit itself fails.
    """
    now = utcnow()
    _begin(session)
    session.info[_DEVICES] = {}  # the batch looks each device up once
    try:
        taken = [_take_one(session, topic, payload, prefix, now) for topic, payload in messages]
    finally:
        session.info.pop(_DEVICES, None)
    # Sorted: concurrent writers of the same counts then take their row locks in one order.
    for (code, outcome), n in sorted(Counter((t.device_code, t.outcome) for t in taken).items()):
        _count(session, code, outcome, now, n)
    session.commit()
    return taken


def _begin(session: Session) -> None:
    """Open the batch's transaction before its first savepoint.

    SQLite's driver opens a transaction lazily, at the first write; a SAVEPOINT issued
    before that would itself become the outermost transaction, and its RELEASE would
    commit. BEGIN first (IMMEDIATE: the batch writes anyway) keeps the savepoints nested.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        if not raw.in_transaction:  # type: ignore[union-attr]
            raw.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]


def _take_one(session: Session, topic: str, payload: bytes, prefix: str, now: datetime) -> Taken:
    """One message in its own savepoint: stored, a duplicate, or refused and rolled back."""
    device: SensorDevice | None = None
    savepoint = session.begin_nested()
    try:
        message = parse(topic, payload, prefix=prefix)
        device = _device(session, message.device_code)
        taken = _record(session, device, message, now)
        savepoint.commit()
        return taken
    except PayloadError as exc:
        savepoint.rollback()
        device = device or _known(session, exc.device_code)
        if device is not None:
            device.last_problem = str(exc)[:255]
            device.last_problem_at = now
            session.add(device)
        return Taken(MessageOutcome.BAD, device.code if device else "", problem=str(exc))
    except Exception as exc:
        if database_unavailable(exc):
            raise  # the whole batch is retried; the message is not at fault
        # A failure no check foresaw: refused and logged, so one poisoned message can
        # neither stop the bridge nor come back forever.
        savepoint.rollback()
        log.exception("sensors bridge: a message on %s failed unexpectedly", topic[:120])
        return Taken(MessageOutcome.BAD, problem=f"internal error: {type(exc).__name__}")


def _known(session: Session, code: str) -> SensorDevice | None:
    if not code:
        return None
    cache = session.info.get(_DEVICES, {})
    if code not in cache:
        cache[code] = session.exec(select(SensorDevice).where(SensorDevice.code == code)).first()
    return cache[code]  # type: ignore[no-any-return]


def _device(session: Session, code: str) -> SensorDevice:
    device = _known(session, code)
    if device is None:
        raise PayloadError("device_id", f"{code} is not a registered sensor")
    if not device.active:
        raise PayloadError("device_id", f"{code} is retired", device_code=code)
    return device


def _record(session: Session, device: SensorDevice, message: Message, now: datetime) -> Taken:
    stored = session.exec(
        select(SensorReading, FillReading)
        .join(FillReading, FillReading.id == SensorReading.fill_reading_id)  # type: ignore[arg-type]
        .where(FillReading.reading_id == message.reading_id)
    ).first()
    if stored is not None:  # a resend: compared with what the device said, not the converted fill
        _same_or_refuse(stored[0], stored[1], message)
        _seen(device, message, now, fill_pct=None)
        return Taken(MessageOutcome.DUPLICATE, device.code, message.reading_id)
    material_id = _material(session, message)
    fill_pct = _fill(device, message)
    outlet = session.get(Outlet, device.outlet_id)
    assert outlet is not None  # nosec B101 - a foreign key: the device's outlet exists
    try:
        reading, created = record_fill(
            session,
            outlet,
            reading_id=message.reading_id,
            fill_pct=fill_pct,
            measured_at=message.measured_at,
            source=ReadingSource.SENSOR,
        )
    except OutletError as exc:
        raise PayloadError("message_id", str(exc), device_code=device.code) from None
    if not created:  # stored by another path between our look-up and the insert
        return Taken(MessageOutcome.DUPLICATE, device.code, message.reading_id)
    session.add(
        SensorReading(
            fill_reading_id=reading.id,  # type: ignore[arg-type]
            device_id=device.id,  # type: ignore[arg-type]
            message_id=message.message_id,
            distance_mm=message.distance_mm,
            reported_fill_pct=message.fill_pct,
            battery_pct=message.battery_pct,
            signal_dbm=message.signal_dbm,
            material_id=material_id or device.material_id,
            received_at=now,
        )
    )
    _seen(device, message, now, fill_pct=reading.fill_pct)
    session.add(device)
    return Taken(MessageOutcome.ACCEPTED, device.code, message.reading_id)


def _same_or_refuse(sensor: SensorReading, reading: FillReading, message: Message) -> None:
    said = message.distance_mm if message.kind is PayloadKind.DISTANCE else message.fill_pct
    before = sensor.distance_mm if message.kind is PayloadKind.DISTANCE else sensor.reported_fill_pct
    if said != before or reading.measured_at != message.measured_at:
        raise PayloadError(
            "message_id",
            f"{message.message_id} was already stored with other values",
            device_code=message.device_code,
        )


def _material(session: Session, message: Message) -> int | None:
    if message.material is None:
        return None
    found = session.exec(select(Material.id).where(Material.code == message.material)).first()
    if found is None:
        raise PayloadError(
            "material", f"{message.material} is not a material code", device_code=message.device_code
        )
    return found


def _fill(device: SensorDevice, message: Message) -> float:
    if message.kind is PayloadKind.FILL:
        assert message.fill_pct is not None  # nosec B101 - parse() sets it for FILL
        return message.fill_pct
    if not device.sensor_height_mm or not device.container_depth_mm:
        raise PayloadError("distance_mm", f"{device.code} has no calibration", device_code=device.code)
    assert message.distance_mm is not None  # nosec B101 - parse() sets it for DISTANCE
    try:
        return fill_from_distance(
            message.distance_mm,
            sensor_height_mm=device.sensor_height_mm,
            container_depth_mm=device.container_depth_mm,
        )
    except PayloadError as exc:
        exc.device_code = device.code
        raise


def _seen(device: SensorDevice, message: Message, now: datetime, *, fill_pct: float | None) -> None:
    """The device is alive now; its battery and signal follow its newest measurement."""
    device.last_seen_at = now
    if fill_pct is None or (device.last_measured_at and device.last_measured_at >= message.measured_at):
        return
    device.last_measured_at = message.measured_at
    device.last_fill_pct = fill_pct
    device.battery_pct = message.battery_pct if message.battery_pct is not None else device.battery_pct
    device.signal_dbm = message.signal_dbm if message.signal_dbm is not None else device.signal_dbm


def _count(session: Session, device_code: str, outcome: MessageOutcome, now: datetime, n: int = 1) -> None:
    """Add ``n`` to the day's count, in one statement (no read-modify-write)."""
    day = now.astimezone(CHINA_TZ).date()
    table = SensorTally.__table__  # type: ignore[attr-defined]
    insert = postgresql_insert if session.connection().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(table)
        .values(day=day, device_code=device_code, outcome=outcome, count=n)
        .on_conflict_do_update(
            index_elements=["day", "device_code", "outcome"], set_={"count": table.c.count + n}
        )
    )
    session.execute(statement)


def count_unreadable(session: Session) -> None:
    """Count, as refused, a message that failed in a way no check foresaw (and commit)."""
    session.rollback()
    _count(session, "", MessageOutcome.BAD, utcnow())
    session.commit()
