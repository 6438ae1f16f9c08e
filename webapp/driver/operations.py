"""Driver use cases: give a phone its token, record a stop exactly once, correct it.

Each takes a Session, checks that the stop is on a route assigned to the driver,
and writes its change record in the same transaction as the record itself.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from webapp.api import tokens
from webapp.changelog import record
from webapp.driver import evidence
from webapp.driver.completions import CompletionIn, Problems, check_capacity
from webapp.driver.queries import current_records
from webapp.models import (
    ApiToken,
    Collection,
    CollectionOutcome,
    CollectionWeight,
    Driver,
    Material,
    PlannedRoute,
    PlannedStop,
    SkipReason,
    User,
    Vehicle,
)
from webapp.residents import routing as resident_routes

#: Stops where something is collected: an outlet, or a resident's door.
COLLECT_KINDS = ("outlet", "booking")


class DriverError(ValueError):
    """A driver action was refused; ``status`` is the HTTP answer that fits."""

    status = 422

    def __init__(self, message: str, problems: Problems | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class NotYoursError(DriverError):
    """The stop or route is assigned to another driver."""

    status = 403


class UnknownStopError(DriverError):
    """No such stop."""

    status = 404


class AlreadyRecordedError(DriverError):
    """The stop has a record in force; a new one must say it corrects it."""

    status = 409

    def __init__(self, message: str, existing: Collection) -> None:
        super().__init__(message)
        self.existing = existing


class ConflictError(DriverError):
    """The record id was used before for a different record."""


def driver_of(session: Session, user_id: int | None) -> Driver | None:
    """The active driver profile of a user, if any."""
    if user_id is None:
        return None
    return session.exec(select(Driver).where(Driver.user_id == user_id, Driver.active == True)).first()


def issue_device_token(session: Session, driver: Driver, *, device: str, device_id: str | None = None) -> str:
    """A bearer token for this driver's phone (User-Agent ``device``); only its hash is kept."""
    _row, plain = tokens.issue_device_token(
        session,
        user_id=driver.user_id,  # type: ignore[arg-type]
        org_id=driver.org_id,
        owner=driver.name,
        user_agent=device,
        device_id=device_id,
    )
    return plain


def driver_of_token(session: Session, token: ApiToken) -> Driver | None:
    """The driver a device token speaks for, while the user and the driver are active."""
    user = session.get(User, token.user_id) if token.user_id else None
    if user is None or not user.active:
        return None
    return driver_of(session, user.id)


def record_completion(
    session: Session,
    driver: Driver,
    data: CompletionIn,
    *,
    user_id: int | None,
    token_id: int | None = None,
    confirmation_code: str | None = None,
) -> tuple[Collection, bool]:
    """Store a stop's record once; returns (row, created). Commits.

    The same id with the same content returns the stored row; with other content it
    is refused. A second record for a stop must name the record it corrects. At a
    resident's booking, a first collection needs the resident's ``confirmation_code``;
    the booking and the resident's points follow in the same transaction
    (:mod:`webapp.residents.routing`).
    """
    existing = _by_client_id(session, data.client_id)
    if existing is not None:
        return _replayed(existing, data, driver), False
    stop, route = _stop_on_route(session, driver, data.stop_id)
    materials = _check(session, data, stop, route)
    if stop.kind == "booking" and data.supersedes is None and data.outcome == CollectionOutcome.COLLECTED:
        problems = resident_routes.check_code(session, stop, confirmation_code)
        if problems:
            raise DriverError(_("The record was not stored."), problems)
    try:
        superseded = _superseded(session, data, stop)
    except AlreadyRecordedError as exc:
        if exc.existing.client_id != data.client_id:
            raise
        # This very record, stored by a resend that overtook this request: a replay, not a conflict.
        return _replayed(exc.existing, data, driver), False
    row = Collection(
        org_id=driver.org_id,
        client_id=data.client_id,
        stop_id=stop.id,
        route_id=route.id,  # type: ignore[arg-type]
        outlet_id=stop.outlet_id,
        driver_id=driver.id,
        user_id=user_id,
        token_id=token_id,  # type: ignore[arg-type]
        outcome=data.outcome,
        total_g=data.total_g,
        note=data.note,
        skip_reason_id=materials.pop("__reason__", None),
        recorded_at=data.recorded_at,
        arrived_at=data.arrived_at,
        photo_id=_evidence_id(session, data.photo_sha256),
        signature_id=_evidence_id(session, data.signature_sha256),
        lon=data.position.lon if data.position else None,
        lat=data.position.lat if data.position else None,
        accuracy_m=data.position.accuracy_m if data.position else None,
        supersedes_id=superseded.id if superseded else None,
        correction_reason=data.correction_reason,
        out_of_order=_out_of_order(session, stop),
        body_sha256=data.fingerprint(),
    )
    session.add(row)
    try:
        session.flush()
        for code, grams in sorted(data.weights_g.items()):
            session.add(CollectionWeight(collection_id=row.id, material_id=materials[code], grams=grams))  # type: ignore[arg-type]
        resident_routes.after_record(session, stop, row, data.weights_g, superseded, user_id=user_id)
        record(
            session,
            "correct" if superseded else data.outcome.value,
            row,
            after={
                "stop_id": stop.id,
                "total_g": data.total_g,
                "weights_g": data.weights_g,
                "supersedes": superseded.client_id if superseded else None,
            },
            user_id=user_id,
        )
        session.commit()
    except IntegrityError:
        # Another request stored a record at the same moment and the database kept one: a
        # resend of this very record (unique client_id), another first record of the stop
        # (one first record per stop) or another correction of the same record (unique
        # supersedes_id). The checks, run again now, answer as if this one came second.
        session.rollback()
        existing = _by_client_id(session, data.client_id)
        if existing is not None:
            return _replayed(existing, data, driver), False
        _superseded(session, data, stop)
        raise  # no race explains it: a bug, not the client's doing
    return row, True


def _by_client_id(session: Session, client_id: str) -> Collection | None:
    return session.exec(select(Collection).where(Collection.client_id == client_id)).first()


def _replayed(existing: Collection, data: CompletionIn, driver: Driver) -> Collection:
    if existing.driver_id != driver.id:
        raise NotYoursError(_("This record belongs to another driver."))
    if existing.body_sha256 != data.fingerprint():
        raise ConflictError(
            _("Record id %(id)s was already used for a different record.", id=data.client_id),
            [{"field": "id", "message": _("already used for a different record")}],
        )
    return existing


def _stop_on_route(session: Session, driver: Driver, stop_id: int) -> tuple[PlannedStop, PlannedRoute]:
    stop = session.get(PlannedStop, stop_id)
    if stop is None:
        raise UnknownStopError(_("There is no stop %(id)d.", id=stop_id))
    route = session.get(PlannedRoute, stop.route_id)
    if route is None or route.driver_id != driver.id:
        raise NotYoursError(_("Stop %(id)d is not on a route assigned to you.", id=stop_id))
    if stop.kind not in COLLECT_KINDS:
        raise DriverError(
            _("Stop %(id)d is an unloading stop, not an outlet.", id=stop_id),
            [{"field": "stop_id", "message": _("not an outlet stop")}],
        )
    return stop, route


def _check(session: Session, data: CompletionIn, stop: PlannedStop, route: PlannedRoute) -> dict[str, Any]:
    """Materials by code (plus the skip reason id under ``__reason__``), or DriverError."""
    vehicle = session.get(Vehicle, route.vehicle_id)
    problems = check_capacity(data, vehicle.capacity_g if vehicle else 5_000_000)
    known = {m.code: m.id for m in session.exec(select(Material).where(Material.active == True))}
    problems += [
        {"field": f"weights_kg.{code}", "message": _("unknown material")}
        for code in data.weights_g
        if code not in known
    ]
    found: dict[str, Any] = dict(known)
    if data.outcome == CollectionOutcome.SKIPPED:
        reason = session.exec(
            select(SkipReason).where(SkipReason.code == data.skip_reason, SkipReason.active == True)
        ).first()
        if reason is None:
            problems.append({"field": "skip_reason", "message": _("unknown skip reason")})
        else:
            found["__reason__"] = reason.id
            if reason.requires_photo and not data.photo_sha256:
                problems.append({"field": "photo_sha256", "message": _("this reason needs a photo")})
            if reason.requires_note and not data.note:
                problems.append({"field": "note", "message": _("this reason needs a note")})
    for name, digest in (("photo_sha256", data.photo_sha256), ("signature_sha256", data.signature_sha256)):
        if digest and evidence.find(session, digest) is None:
            problems.append({"field": name, "message": _("upload the file before the record")})
    if problems:
        raise DriverError(_("The record was not stored."), problems)
    return found


def _superseded(session: Session, data: CompletionIn, stop: PlannedStop) -> Collection | None:
    in_force = current_records(session, [stop.id]).get(stop.id)  # type: ignore[list-item]
    if data.supersedes is None:
        if in_force is not None:
            raise AlreadyRecordedError(
                _("Stop %(id)d was already recorded; send a correction instead.", id=stop.id), in_force
            )
        return None
    target = _by_client_id(session, data.supersedes)
    if target is None or target.stop_id != stop.id:
        raise DriverError(
            _("The corrected record is not a record of this stop."),
            [{"field": "supersedes", "message": _("no such record at this stop")}],
        )
    if in_force is None or in_force.id != target.id:
        raise DriverError(
            _("That record was already corrected; correct the latest one."),
            [{"field": "supersedes", "message": _("already corrected")}],
        )
    return target


def _evidence_id(session: Session, digest: str | None) -> int | None:
    if not digest:
        return None
    found = evidence.find(session, digest)
    return found.id if found else None


def _out_of_order(session: Session, stop: PlannedStop) -> bool:
    """True when an earlier outlet stop of the route has no record yet.

    One query, no rows loaded: this runs on every post of a phone syncing its day.
    A corrected record still is a record of its stop, so any version counts.
    """
    recorded = select(Collection.id).where(Collection.stop_id == PlannedStop.id).exists()
    missing = session.exec(
        select(PlannedStop.id)
        .where(
            PlannedStop.route_id == stop.route_id,
            col(PlannedStop.kind).in_(COLLECT_KINDS),
            PlannedStop.position < stop.position,
            ~recorded,
        )
        .limit(1)
    ).first()
    return missing is not None
