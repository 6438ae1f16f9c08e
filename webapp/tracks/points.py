"""Checking and storing the positions a driver's phone sends in batches.

Each point carries the phone's own id, so a batch resent after a lost answer stores
nothing twice. A batch is judged point by point: a malformed point, a time outside
:func:`webapp.api.text.time_problem`'s bounds, another driver's route or an id reused
with other content is refused and named (index and field); the other points are kept.
A point outside China or implying an impossible speed from the point before it is kept
with a flag and left out of the driven distance and the live map.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from geodata.coords import in_china
from webapp.api.text import parse_time, time_problem
from webapp.driver.completions import MAX_ID, valid_client_id
from webapp.models import Driver, PlannedRoute
from webapp.models.tracks import GpsPoint

#: At most this many points in one request; a phone sends 20 at a time, more after a long offline stretch.
MAX_BATCH = 500
#: A truck in Shenzhen does not cover ground faster than this between two fixes (150 km/h).
MAX_SPEED_MPS = 150 / 3.6
OUTSIDE_CHINA = "outside_china"
TOO_FAST = "too_fast"
_EARTH_M = 6_371_008.8

Problems = list[dict[str, Any]]


@dataclass(frozen=True)
class PointIn:
    """One checked position as the phone meant it."""

    client_id: str
    route_id: int
    recorded_at: datetime
    lon: float
    lat: float
    accuracy_m: float | None
    speed_mps: float | None
    heading_deg: float | None

    def fingerprint(self) -> str:
        """SHA-256 of the normalised point: equal for a resend, different for another point."""
        data = {**self.__dict__, "recorded_at": self.recorded_at.timestamp()}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class StoreResult:
    """What became of a batch: ids stored now, ids stored before, and the refused points."""

    created: list[str]
    duplicates: list[str]
    flagged: dict[str, str]
    errors: Problems


def meters(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_M * math.asin(min(1.0, math.sqrt(h)))


def parse_batch(body: Any) -> tuple[list[tuple[int, PointIn]], Problems]:
    """``{"points": [...]}`` -> the well-formed points with their index, and the problems."""
    if not isinstance(body, dict) or not isinstance(body.get("points"), list):
        return [], [{"field": "points", "message": _("must be a list of positions")}]
    items = body["points"]
    if not items:
        return [], [{"field": "points", "message": _("must hold at least one position")}]
    if len(items) > MAX_BATCH:
        message = _("at most %(n)d positions per request; send the rest in another", n=MAX_BATCH)
        return [], [{"field": "points", "message": message}]
    good: list[tuple[int, PointIn]] = []
    problems: Problems = []
    for index, item in enumerate(items):
        point, mine = parse_point(item)
        problems += [{"index": index, **p} for p in mine]
        if point is not None:
            good.append((index, point))
    return good, problems


def parse_point(item: Any) -> tuple[PointIn | None, Problems]:
    """One position object -> the checked point, or its problems by field."""
    if not isinstance(item, dict):
        return None, [{"field": "", "message": _("must be an object")}]
    problems: Problems = []
    client_id = item.get("id")
    if not isinstance(client_id, str) or not valid_client_id(client_id):
        problems.append(
            {
                "field": "id",
                "message": _("must be the phone's id for this position: 8 to 64 letters, digits, - or _"),
            }
        )
    route_id = item.get("route_id")
    if isinstance(route_id, bool) or not isinstance(route_id, int) or not 1 <= route_id <= MAX_ID:
        problems.append({"field": "route_id", "message": _("must be a route id")})
    recorded_at = parse_time(item.get("recorded_at"))
    if recorded_at is None:
        problems.append(
            {
                "field": "recorded_at",
                "message": _("must be an ISO 8601 time with a zone, e.g. 2026-11-24T09:30:00+08:00"),
            }
        )
    elif (problem := time_problem(recorded_at)) is not None:
        problems.append({"field": "recorded_at", "message": problem})
    numbers: dict[str, float | None] = {}
    for key, low, high, required in (
        ("lon", -180.0, 180.0, True),
        ("lat", -90.0, 90.0, True),
        ("accuracy_m", 0.0, 100_000.0, False),
        ("speed_mps", 0.0, 1_000.0, False),
        ("heading_deg", 0.0, 360.0, False),
    ):
        value = item.get(key)
        if value is None and not required:
            numbers[key] = None
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            problems.append(
                {"field": key, "message": _("must be a number from %(low)g to %(high)g", low=low, high=high)}
            )
            continue
        numbers[key] = float(value)
    if problems:
        return None, problems
    return PointIn(client_id, route_id, recorded_at, **numbers), []  # type: ignore[arg-type]


def store_points(session: Session, driver: Driver, body: Any, *, token_id: int | None = None) -> StoreResult:
    """Store a batch's new points once each (commits); resends are counted, not stored again."""
    good, errors = parse_batch(body)
    try:
        return _store(session, driver, good, list(errors), token_id)
    except IntegrityError:
        # A resend of this batch stored some of its points at the same moment: judged again,
        # those are now duplicates and the rest are stored.
        session.rollback()
        return _store(session, driver, good, list(errors), token_id)


def _store(
    session: Session, driver: Driver, good: list[tuple[int, PointIn]], errors: Problems, token_id: int | None
) -> StoreResult:
    created: list[str] = []
    duplicates: list[str] = []
    flagged: dict[str, str] = {}
    routes: dict[int, PlannedRoute | None] = {}
    for index, point in sorted(good, key=lambda pair: pair[1].recorded_at):
        route = routes.setdefault(point.route_id, session.get(PlannedRoute, point.route_id))
        if route is None or route.driver_id != driver.id:
            errors.append(
                {"index": index, "field": "route_id", "message": _("is not a route of this driver")}
            )
            continue
        existing = session.exec(select(GpsPoint).where(GpsPoint.client_id == point.client_id)).first()
        if existing is not None:
            if existing.driver_id == driver.id and existing.body_sha256 == point.fingerprint():
                duplicates.append(point.client_id)
            else:
                errors.append(
                    {"index": index, "field": "id", "message": _("was stored before with other content")}
                )
            continue
        flag = _flag(session, point)
        row = GpsPoint(
            org_id=driver.org_id,
            client_id=point.client_id,
            route_id=point.route_id,
            driver_id=driver.id,  # type: ignore[arg-type]
            token_id=token_id,
            recorded_at=point.recorded_at,
            lon=point.lon,
            lat=point.lat,
            accuracy_m=point.accuracy_m,
            speed_mps=point.speed_mps,
            heading_deg=point.heading_deg,
            flag=flag,
            body_sha256=point.fingerprint(),
        )
        session.add(row)
        session.flush()  # the next point's speed check sees this one
        created.append(point.client_id)
        if flag:
            flagged[point.client_id] = flag
    session.commit()
    errors.sort(key=lambda p: p.get("index", -1))
    return StoreResult(created, duplicates, flagged, errors)


def _flag(session: Session, point: PointIn) -> str:
    if not in_china(point.lon, point.lat):
        return OUTSIDE_CHINA
    before = session.exec(
        select(GpsPoint)
        .where(
            GpsPoint.route_id == point.route_id,
            GpsPoint.flag == "",
            GpsPoint.recorded_at <= point.recorded_at,
        )
        .order_by(col(GpsPoint.recorded_at).desc())
        .limit(1)
    ).first()
    if before is None:
        return ""
    seconds = (point.recorded_at - before.recorded_at).total_seconds()
    distance = meters(before.lon, before.lat, point.lon, point.lat)
    # Two fixes a second apart carry GPS noise; judge the speed over at least 5 s.
    if distance > MAX_SPEED_MPS * max(seconds, 5.0):
        return TOO_FAST
    return ""


def track_of(session: Session, route_id: int) -> list[GpsPoint]:
    """A route's stored points in time order, flagged ones included."""
    return list(
        session.exec(
            select(GpsPoint)
            .where(GpsPoint.route_id == route_id)
            .order_by(col(GpsPoint.recorded_at), col(GpsPoint.id))
        )
    )


def last_positions(session: Session, route_ids: list[int]) -> dict[int, GpsPoint]:
    """Each route's latest unflagged point (routes without one are absent).

    One indexed query per route: a plan has a handful of routes.
    """
    found: dict[int, GpsPoint] = {}
    for route_id in route_ids:
        row = session.exec(
            select(GpsPoint)
            .where(GpsPoint.route_id == route_id, GpsPoint.flag == "")
            .order_by(col(GpsPoint.recorded_at).desc(), col(GpsPoint.id).desc())
            .limit(1)
        ).first()
        if row is not None:
            found[route_id] = row
    return found
