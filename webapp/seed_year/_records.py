"""Storing a simulated day: readings in bulk, pickups as the driver's phone sends them.

Each pickup becomes the JSON body a phone would post, goes through the driver API's
own checks (:func:`webapp.driver.completions.parse_completion` and
``check_capacity``) and is stored as ``record_completion`` stores it: a collection
row with its fingerprint, one weight row per material, a change record, and for a
correction a new row that supersedes the first. Only the per-record queries are
left out, and the rows of a day go in together.
"""

from __future__ import annotations

import hashlib
import random
import struct
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from webapp.driver.completions import CompletionIn, check_capacity, parse_completion
from webapp.models import (
    AuditRecord,
    Collection,
    CollectionWeight,
    Driver,
    EvidenceFile,
    FillReading,
    Material,
    ReadingSource,
    SkipReason,
    Vehicle,
)
from webapp.seed_year._day import Pickup, Reading

# The colour of a placeholder photo by skip reason (a closed shutter, a gate, a bin...).
_PHOTO_RGB = {
    "closed": (120, 120, 128),
    "no_access": (200, 160, 60),
    "empty": (90, 140, 200),
    "contaminated": (120, 100, 60),
}


class SeedRecordError(RuntimeError):
    """A simulated record failed the app's own checks: a bug in the simulation."""


@dataclass(frozen=True)
class Crew:
    """Who drives which truck, and the lists the records refer to."""

    driver_of_vehicle: dict[int, int]
    user_of_driver: dict[int, int]
    org_of_driver: dict[int, int | None]
    capacity_g: dict[int, int]
    material_ids: dict[str, int]
    densities: dict[str, int]
    reasons: dict[str, tuple[int, bool]]  # code -> (id, needs a photo)

    @classmethod
    def load(cls, session: Session) -> Crew:
        drivers = session.exec(select(Driver).where(Driver.active == True).order_by(col(Driver.id))).all()
        materials = session.exec(select(Material)).all()
        return cls(
            driver_of_vehicle={d.vehicle_id: d.id for d in drivers if d.vehicle_id},  # type: ignore[misc]
            user_of_driver={d.id: d.user_id for d in drivers},  # type: ignore[misc]
            org_of_driver={d.id: d.org_id for d in drivers},  # type: ignore[misc]
            capacity_g={v.id: v.capacity_g for v in session.exec(select(Vehicle))},  # type: ignore[misc]
            material_ids={m.code: m.id for m in materials},  # type: ignore[misc]
            densities={m.code: m.density_kg_m3 for m in materials},
            reasons={r.code: (r.id, r.requires_photo) for r in session.exec(select(SkipReason))},  # type: ignore[misc]
        )


def write_readings(session: Session, readings: list[Reading]) -> int:
    """Insert the readings in one statement; the gateway forwards each within a minute."""
    if not readings:
        return 0
    session.execute(
        insert(FillReading),
        [
            {
                "reading_id": f"demo-{r.code}-{r.at:%Y%m%d%H}",
                "outlet_id": r.outlet_id,
                "org_id": r.org_id,
                "fill_pct": r.fill_pct,
                "measured_at": _utc(r.at),
                "source": ReadingSource.SENSOR,
                "received_at": _utc(r.at) + timedelta(seconds=40),
            }
            for r in readings
        ],
    )
    return len(readings)


def write_pickups(session: Session, pickups: list[Pickup], crew: Crew, rng: random.Random) -> int:
    """Store the day's pickups (and their corrections); returns the collection rows written."""
    photos = _photos(session, pickups, crew)
    firsts, corrections = [], []
    for index, pickup in enumerate(pickups):
        weights = pickup.slip_g if pickup.slip_g is not None else pickup.weights_g
        photo = photos.get(index)
        data = _checked(
            pickup, crew, _body(pickup, _client_id(rng), weights, photo.sha256 if photo else None)
        )
        firsts.append(_row(data, pickup, crew, photo.id if photo else None, rng))
    first_ids = _insert(session, firsts)
    for pickup, first_id in zip(pickups, first_ids, strict=True):
        pickup.collection_id = first_id
    for pickup, first, first_id in zip(pickups, firsts, first_ids, strict=True):
        if pickup.slip_g is None:
            continue
        body = _body(pickup, _client_id(rng), pickup.weights_g, None) | {
            "supersedes": first["client_id"],
            "correction_reason": pickup.correction_reason,
            "recorded_at": pickup.corrected_at.isoformat(),
        }  # type: ignore[union-attr]
        corrections.append(
            _row(_checked(pickup, crew, body), pickup, crew, None, rng) | {"supersedes_id": first_id}
        )
    correction_ids = _insert(session, corrections)
    weight_rows, changes = [], []
    by_client = {row["client_id"]: row for row in firsts}
    for row, row_id in [*zip(firsts, first_ids, strict=True), *zip(corrections, correction_ids, strict=True)]:
        weight_rows += [
            {"collection_id": row_id, "material_id": crew.material_ids[code], "grams": grams}
            for code, grams in sorted(row["_weights"].items())
        ]
        changes.append(_change(row, row_id, by_client.get(row.get("_supersedes", ""))))
    if weight_rows:
        session.execute(insert(CollectionWeight), weight_rows)
    if changes:
        session.execute(insert(AuditRecord), changes)
    return len(firsts) + len(corrections)


def _insert(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert collection rows in one statement; their ids in the rows' order."""
    if not rows:
        return []
    columns = [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]
    return list(
        session.scalars(
            insert(Collection).returning(col(Collection.id), sort_by_parameter_order=True), columns
        )
    )


def _change(row: dict[str, Any], row_id: int, first: dict[str, Any] | None) -> dict[str, Any]:
    """The change record ``record_completion`` writes with a record, as of its arrival."""
    return {
        "org_id": row["org_id"],
        "user_id": row["user_id"],
        "request_id": "",
        "action": "correct" if first else row["outcome"].value,
        "object_type": Collection.__tablename__,
        "object_id": str(row_id),
        "at": row["received_at"],
        "before": None,
        "after": {
            "stop_id": row["stop_id"],
            "total_g": row["total_g"],
            "weights_g": row["_weights"],
            "supersedes": first["client_id"] if first else None,
        },
    }


def _body(pickup: Pickup, client_id: str, weights_g: dict[str, int], photo: str | None) -> dict[str, Any]:
    """The JSON a phone posts for this stop."""
    body: dict[str, Any] = {
        "id": client_id,
        "stop_id": pickup.visit.stop_id,
        "outcome": pickup.outcome.value,
        "weights_kg": {code: grams / 1000 for code, grams in weights_g.items()},
        "recorded_at": pickup.recorded_at.isoformat(),
        "arrived_at": pickup.arrived_at.isoformat(),
        "position": {"lon": pickup.lon, "lat": pickup.lat, "accuracy_m": pickup.accuracy_m},
        "note": pickup.note,
        "skip_reason": pickup.skip_reason,
    }
    if photo:
        body["photo_sha256"] = photo
    return body


def _checked(pickup: Pickup, crew: Crew, body: dict[str, Any]) -> CompletionIn:
    data, problems = parse_completion(body)
    if data is not None:
        problems = check_capacity(data, crew.capacity_g[pickup.visit.vehicle_id])
    if data is None or problems:
        raise SeedRecordError(f"stop {pickup.visit.stop_id}: {problems}")
    return data


def _row(
    data: CompletionIn, pickup: Pickup, crew: Crew, photo_id: int | None, rng: random.Random
) -> dict[str, Any]:
    """The collection row ``record_completion`` makes of ``data``; keys with ``_`` are not columns."""
    driver_id = pickup.visit.driver_id
    # Most records reach the server in seconds; some wait in the phone's queue for a signal.
    delay = (
        timedelta(minutes=rng.randint(5, 90))
        if rng.random() < 0.06
        else timedelta(seconds=rng.randint(2, 20))
    )
    return {
        "org_id": crew.org_of_driver[driver_id],
        "client_id": data.client_id,
        "stop_id": pickup.visit.stop_id,
        "route_id": pickup.visit.route_id,
        "outlet_id": pickup.visit.outlet_id,
        "driver_id": driver_id,
        "user_id": crew.user_of_driver[driver_id],
        "outcome": data.outcome,
        "total_g": data.total_g,
        "note": data.note,
        "skip_reason_id": crew.reasons[data.skip_reason][0] if data.skip_reason else None,
        "recorded_at": _utc(data.recorded_at),
        "arrived_at": _utc(data.arrived_at) if data.arrived_at else None,
        "photo_id": photo_id,
        "signature_id": None,
        "lon": data.position.lon if data.position else None,
        "lat": data.position.lat if data.position else None,
        "accuracy_m": data.position.accuracy_m if data.position else None,
        "supersedes_id": None,
        "correction_reason": data.correction_reason,
        "out_of_order": False,
        "body_sha256": data.fingerprint(),
        "received_at": _utc(data.recorded_at) + delay,
        "_weights": data.weights_g,
        "_supersedes": data.supersedes or "",
    }


def _photos(session: Session, pickups: list[Pickup], crew: Crew) -> dict[int, EvidenceFile]:
    """A stored photo for each skip whose reason needs one, by the pickup's index."""
    found: dict[int, EvidenceFile] = {}
    for index, pickup in enumerate(pickups):
        if not pickup.skip_reason or not crew.reasons[pickup.skip_reason][1]:
            continue
        data = _png(
            _PHOTO_RGB.get(pickup.skip_reason, (128, 128, 128)),
            f"ReLoop demo photo: {pickup.skip_reason} at stop {pickup.visit.stop_id}, "
            f"{pickup.recorded_at.isoformat()}",
        )
        found[index] = EvidenceFile(
            sha256=hashlib.sha256(data).hexdigest(),
            media_type="image/png",
            size_bytes=len(data),
            data=data,
            uploaded_by_id=crew.user_of_driver[pickup.visit.driver_id],
            created_at=_utc(pickup.recorded_at) - timedelta(seconds=20),
        )
    session.add_all(found.values())
    session.flush()
    return found


def _png(rgb: tuple[int, int, int], comment: str) -> bytes:
    """A small flat-colour PNG standing in for the driver's photo, its caption inside."""
    width, height = 64, 48
    pixels = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", b"Comment\x00" + comment.encode("latin-1"))
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


def _client_id(rng: random.Random) -> str:
    """The phone's id for a record: a random UUID, drawn from the seed's generator."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
