"""Residential compounds (小区) a resident picks an address from.

The demo seeds one compound beside each of its residential outlets (their points are on
a street, so inside the service area); staff may load more. A compound gives the
address its point and district; the resident adds the building and door.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, col, func, select

import geodata
from webapp.models import Outlet, OutletStatus
from webapp.models.residents import ResidentialCompound
from webapp.residents.accounts import MAX_SNAP_M, InsideArea, SnapInside
from webapp.residents.bookings import BookingError

#: How a compound's name ends, as Shenzhen's estates are named.
_SUFFIXES = ("花园", "小区", "苑", "家园", "新村", "雅居")
#: What an outlet's name ends with after its street (webapp.seed's kind suffixes).
_OUTLET_SUFFIXES = ("回收亭", "智能回收站", "共建回收点", "动力电池回收点")


def search(session: Session, query: str = "", *, limit: int = 30) -> list[ResidentialCompound]:
    """Compounds whose name contains ``query`` (all when empty), by name."""
    found = select(ResidentialCompound)
    query = query.strip()
    if query:
        found = found.where(col(ResidentialCompound.name).contains(query, autoescape=True))
    return list(session.exec(found.order_by(ResidentialCompound.name).limit(limit)).all())


def pick(session: Session, compound_id: str) -> ResidentialCompound:
    """The compound named by the form, or a :class:`BookingError` on ``compound``."""
    row = session.get(ResidentialCompound, int(compound_id)) if compound_id.isdigit() else None
    if row is None:
        raise BookingError("compound", _("pick a residential compound from the list"))
    return row


def seed_demo_compounds(session: Session, org_id: int | None, *, seed: int = 0) -> int:
    """One compound beside each active outlet of the demo (none when any exist); staged."""
    if session.exec(select(func.count()).select_from(ResidentialCompound)).one():
        return 0
    rng = random.Random(f"reloop-compounds-{seed}")  # nosec B311 # reproducible demo data
    outlets = session.exec(
        select(Outlet)
        .where(Outlet.status == OutletStatus.ACTIVE, col(Outlet.district).is_not(None))
        .order_by(Outlet.id)
    ).all()
    made: set[tuple[str, str]] = set()
    for number, outlet in enumerate(outlets):
        street = outlet.name.split("（")[0]
        for suffix in _OUTLET_SUFFIXES:
            street = street.removesuffix(suffix)
        name = f"{street}{_SUFFIXES[number % len(_SUFFIXES)]}"
        key = (name, outlet.district or "")
        if key in made:
            continue
        made.add(key)
        session.add(
            ResidentialCompound(
                org_id=org_id,
                name=name,
                district=outlet.district or "",
                lon=outlet.lon,
                lat=outlet.lat,
                households=rng.randrange(300, 3000, 10),
            )
        )
    return len(made)


# -- staff upload ------------------------------------------------------------------------

#: The upload's columns; ``district`` and ``households`` may be blank.
COMPOUND_COLUMNS = ("name", "district", "lon", "lat", "households")
#: Most rows one upload takes (a district has a few hundred compounds).
MAX_COMPOUND_ROWS = 5_000


@dataclass(frozen=True)
class CompoundProblem:
    """What is wrong with one line of an upload (line 1 is the header)."""

    line: int
    field: str
    message: str


class CompoundImportError(ValueError):
    """The upload was refused; nothing was saved. ``problems`` names every bad line."""

    def __init__(self, problems: list[CompoundProblem]) -> None:
        super().__init__("; ".join(f"line {p.line}, {p.field}: {p.message}" for p in problems[:5]))
        self.problems = problems


def import_compounds(
    session: Session,
    text: str,
    *,
    org_id: int | None,
    inside_area: InsideArea,
    district_of: Callable[[float, float], str | None],
    snap: SnapInside,
    max_snap_m: float = MAX_SNAP_M,
) -> list[ResidentialCompound]:
    """Load compounds from CSV text (UTF-8, header ``name,district,lon,lat,households``).

    Each point is checked as a resident's address is: inside the service area, or moved
    onto the nearest street when within ``max_snap_m`` of one, and in a district we serve;
    a ``district`` given in the file must be the point's. A name already known in its
    district, or twice in the file, is refused. All or nothing: any bad line refuses the
    whole upload with every problem named, and nothing is staged; otherwise the rows are
    committed. Returns the rows made.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in ("name", "lon", "lat") if c not in header]
    if missing:
        raise CompoundImportError(
            [
                CompoundProblem(
                    1, missing[0], _("the header needs the columns %(c)s", c=",".join(COMPOUND_COLUMNS))
                )
            ]
        )
    unknown = [h for h in header if h not in COMPOUND_COLUMNS]
    if unknown:
        raise CompoundImportError([CompoundProblem(1, unknown[0], _("unknown column"))])
    known = {(c.name, c.district) for c in session.exec(select(ResidentialCompound)).all()}
    problems: list[CompoundProblem] = []
    rows: list[ResidentialCompound] = []
    seen: dict[tuple[str, str], int] = {}
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if line - 1 > MAX_COMPOUND_ROWS:
            problems.append(
                CompoundProblem(line, "name", _("at most %(n)s rows per upload", n=MAX_COMPOUND_ROWS))
            )
            break
        if len(values) != len(header):
            problems.append(
                CompoundProblem(
                    line, "name", _("%(n)s values for %(m)s columns", n=len(values), m=len(header))
                )
            )
            continue
        cell = {h: v.strip() for h, v in zip(header, values, strict=True)}
        row = _compound_row(
            line,
            cell,
            org_id=org_id,
            inside_area=inside_area,
            district_of=district_of,
            snap=snap,
            max_snap_m=max_snap_m,
        )
        if isinstance(row, CompoundProblem):
            problems.append(row)
            continue
        key = (row.name, row.district)
        if key in known:
            problems.append(
                CompoundProblem(line, "name", _("this compound is already known in its district"))
            )
        elif key in seen:
            problems.append(CompoundProblem(line, "name", _("the same compound as line %(n)s", n=seen[key])))
        else:
            seen[key] = line
            rows.append(row)
    if problems:
        raise CompoundImportError(problems)
    if not rows:
        raise CompoundImportError([CompoundProblem(1, "name", _("the file holds no compounds"))])
    session.add_all(rows)
    session.commit()
    return rows


def _district_spellings(code: str) -> set[str]:
    """A district's code and its Chinese and English names, as a file may give it."""
    for d in geodata.DISTRICTS:
        if d.code == code:
            return {d.code, d.name_zh, d.name_en, d.name_en.lower()}
    return {code}


def _compound_row(
    line: int,
    cell: dict[str, str],
    *,
    org_id: int | None,
    inside_area: InsideArea,
    district_of: Callable[[float, float], str | None],
    snap: SnapInside,
    max_snap_m: float,
) -> ResidentialCompound | CompoundProblem:
    """One line as a compound, or the first problem with it."""
    name = cell.get("name", "")
    if not name or len(name) > 80:
        return CompoundProblem(line, "name", _("give the compound's name (at most 80 characters)"))
    point: list[float] = []
    for field, low, high in (("lon", -180.0, 180.0), ("lat", -90.0, 90.0)):
        try:
            value = float(cell.get(field, ""))
        except ValueError:
            return CompoundProblem(line, field, _("not a number"))
        if not (math.isfinite(value) and low <= value <= high):
            return CompoundProblem(line, field, _("out of range"))
        point.append(value)
    lon, lat = point
    inside, metres = inside_area(lon, lat)
    if not inside and metres <= max_snap_m:
        lon, lat, _moved = snap(lon, lat)
        inside, metres = inside_area(lon, lat)
    if not inside:
        return CompoundProblem(
            line,
            "lon",
            _("the point is outside the service area: %(m)s m from the nearest street", m=f"{metres:,.0f}"),
        )
    district = district_of(lon, lat)
    if district is None:
        return CompoundProblem(line, "lon", _("the point is outside the districts we serve"))
    given = cell.get("district", "")
    if given and given not in _district_spellings(district):
        return CompoundProblem(line, "district", _("the point lies in %(d)s", d=district))
    households: int | None = None
    if cell.get("households"):
        text = cell["households"]
        if not text.isdigit() or len(text) > 7:
            return CompoundProblem(line, "households", _("a whole number of households"))
        households = int(text)
    return ResidentialCompound(
        org_id=org_id,
        name=name,
        district=district,
        lon=round(lon, 7),
        lat=round(lat, 7),
        households=households,
        source="upload",
    )
