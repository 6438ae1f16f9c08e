"""Checking outlet fields. The form and the CSV import share these rules, so an
outlet is valid or not the same way whichever door it comes in by."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from geodata.coords import LonLat, bd09_to_wgs84, gcj02_to_wgs84
from webapp.api.text import storable
from webapp.models import OutletKind, OutletStatus

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")
FIELDS = (
    "code",
    "name",
    "kind",
    "status",
    "district",
    "address",
    "lon",
    "lat",
    "materials",
    "fill_threshold_pct",
    "capacity_l",
    "host_name",
    "host_phone",
    "partner",
    "datum",
)
REQUIRED = ("name", "kind", "lon", "lat", "materials")
# Map datums a pasted or imported coordinate may be in, and the way back to WGS-84 (what
# the street data and every stored outlet use). Amap and Apple in China show GCJ-02,
# Baidu BD-09; a GPS or OpenStreetMap reading is WGS-84 already.
DATUMS: dict[str, tuple[object, Callable[[float, float], LonLat] | None]] = {
    "wgs84": (_l("WGS-84 (GPS, OpenStreetMap)"), None),
    "gcj02": (_l("GCJ-02 (Amap, Tencent, Apple in China)"), gcj02_to_wgs84),
    "bd09": (_l("BD-09 (Baidu)"), bd09_to_wgs84),
}
_DATUM_ALIASES = {"gps": "wgs84", "高德": "gcj02", "amap": "gcj02", "百度": "bd09", "baidu": "bd09"}
# "114.06031,22.53828", "114.06031 22.53828" or Google's "22.53828, 114.06031".
_PASTED = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,，\s]\s*(-?\d+(?:\.\d+)?)\s*$")
_MAX_LEN = {"name": 120, "address": 255, "host_name": 100, "host_phone": 32, "partner": 120}


@dataclass(frozen=True)
class OutletInput:
    """An outlet's editable fields, checked and converted."""

    name: str
    kind: OutletKind
    lon: float
    lat: float
    materials: tuple[str, ...]
    code: str = ""
    status: OutletStatus = OutletStatus.ACTIVE
    district: str | None = None
    address: str = ""
    fill_threshold_pct: int = 80
    capacity_l: int = 1000
    host_name: str = ""
    host_phone: str = ""
    partner: str = ""


@dataclass
class Checks:
    """What the rules need to know about the world outside the row."""

    material_codes: frozenset[str]
    inside_area: Callable[[float, float], tuple[bool, float]]  # (inside, metres to street)
    district_of: Callable[[float, float], str | None]
    districts: frozenset[str]
    default_threshold: int = 80
    errors: dict[str, str] = field(default_factory=dict)


class OutletInputError(ValueError):
    """Fields that failed; ``errors`` maps each field name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def parse_outlet(raw: Mapping[str, str | None], checks: Checks) -> OutletInput:
    """Check raw text fields and return an ``OutletInput`` or raise ``OutletInputError``."""
    values = {k: (raw.get(k) or "").strip() for k in FIELDS}
    errors: dict[str, str] = {}
    _paste(raw.get("coords") or "", values, errors)
    for name in REQUIRED:
        if not values[name]:
            errors[name] = _("This field is required.")
    for name, limit in _MAX_LEN.items():
        if len(values[name]) > limit:
            errors[name] = _("At most %(n)d characters.", n=limit)
    for name, value in values.items():
        if not storable(value):  # NUL would fail the INSERT on PostgreSQL
            errors[name] = _("Contains a character that cannot be stored (NUL or a lone surrogate).")
    code = values["code"].upper()
    if code and not CODE_RE.match(code):
        errors["code"] = _("Use 2–32 capital letters, digits or hyphens.")
    kind = _choice(values["kind"], OutletKind, "kind", errors)
    status = _choice(values["status"] or OutletStatus.ACTIVE.value, OutletStatus, "status", errors)
    if status == OutletStatus.CLOSED:
        errors["status"] = _("Close an outlet with the close action, which records a reason.")
    lon = _coordinate(values["lon"], "lon", -180, 180, errors)
    lat = _coordinate(values["lat"], "lat", -90, 90, errors)
    lon, lat = _to_wgs84(lon, lat, values["datum"], errors)
    district = _place(lon, lat, values["district"], checks, errors)
    materials = _materials(values["materials"], checks, errors)
    threshold = _whole(
        values["fill_threshold_pct"], "fill_threshold_pct", 1, 100, errors, default=checks.default_threshold
    )
    capacity = _whole(values["capacity_l"], "capacity_l", 1, 100_000, errors, default=1000)
    if kind == OutletKind.CO_BUILT and not values["partner"]:
        errors["partner"] = _("A co-built outlet needs the partner manufacturer.")
    if errors:
        raise OutletInputError(errors)
    # Narrows the types: each None above added an error, and errors were raised.
    assert (
        kind is not None
        and status is not None  # nosec B101
        and lon is not None
        and lat is not None
    )
    return OutletInput(
        name=values["name"],
        kind=kind,
        status=status,
        lon=lon,
        lat=lat,
        materials=materials,
        code=code,
        district=district,
        address=values["address"],
        fill_threshold_pct=threshold,
        capacity_l=capacity,
        host_name=values["host_name"],
        host_phone=values["host_phone"],
        partner=values["partner"],
    )


def _choice(
    text: str, enum: type[OutletKind] | type[OutletStatus], name: str, errors: dict[str, str]
) -> OutletKind | OutletStatus | None:
    if not text:
        return None
    try:
        return enum(text)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        errors.setdefault(name, _("Unknown value %(v)s; use one of: %(allowed)s.", v=text, allowed=allowed))
        return None


def _coordinate(text: str, name: str, low: float, high: float, errors: dict[str, str]) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        errors[name] = _("Not a number: %(v)s", v=text)
        return None
    if not math.isfinite(value) or not low <= value <= high:
        errors[name] = _("Must be a number between %(low)s and %(high)s.", low=low, high=high)
        return None
    return round(value, 7)


def _paste(text: str, values: dict[str, str], errors: dict[str, str]) -> None:
    """Pasted "lon,lat" (or Google's "lat, lon") fills the two fields; in China the
    longitude is the larger number, so the order is never ambiguous here."""
    text = text.strip()
    if not text:
        return
    match = _PASTED.match(text)
    if match is None:
        errors["coords"] = _("Paste two numbers, longitude and latitude, e.g. 114.0603,22.5383.")
        return
    first, second = match.group(1), match.group(2)
    if float(first) < float(second):
        first, second = second, first
    values["lon"], values["lat"] = first, second


def _to_wgs84(
    lon: float | None, lat: float | None, datum: str, errors: dict[str, str]
) -> tuple[float | None, float | None]:
    key = datum.strip().lower().replace("-", "").replace(" ", "") or "wgs84"
    key = _DATUM_ALIASES.get(key, key)
    if key not in DATUMS:
        allowed = ", ".join(DATUMS)
        errors["datum"] = _("Unknown value %(v)s; use one of: %(allowed)s.", v=datum, allowed=allowed)
        return None, None
    convert = DATUMS[key][1]
    if convert is None or lon is None or lat is None:
        return lon, lat
    wgs_lon, wgs_lat = convert(lon, lat)
    return round(wgs_lon, 7), round(wgs_lat, 7)


def _place(
    lon: float | None, lat: float | None, district: str, checks: Checks, errors: dict[str, str]
) -> str | None:
    if lon is None or lat is None:
        return district or None
    inside, metres = checks.inside_area(lon, lat)
    if not inside:
        errors["lon"] = _(
            "The point (%(lon)s, %(lat)s) is outside the service area: %(m)s m from the nearest street.",
            lon=lon,
            lat=lat,
            m=f"{metres:,.0f}",
        )
        return None
    located = checks.district_of(lon, lat)
    if located is None:
        # Near a street yet in no district we serve: the extract reaches into Hong Kong.
        errors["lon"] = _("The point (%(lon)s, %(lat)s) is outside the districts we serve.", lon=lon, lat=lat)
        return None
    if district and district not in checks.districts:
        errors["district"] = _("Unknown district %(v)s.", v=district)
        return None
    return district or located


def _materials(text: str, checks: Checks, errors: dict[str, str]) -> tuple[str, ...]:
    codes = tuple(dict.fromkeys(c.strip() for c in re.split(r"[;,；，\s]+", text) if c.strip()))
    unknown = [c for c in codes if c not in checks.material_codes]
    if unknown:
        errors["materials"] = _("Unknown materials: %(codes)s.", codes=", ".join(unknown))
    return codes


def _whole(text: str, name: str, low: int, high: int, errors: dict[str, str], *, default: int) -> int:
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        errors[name] = _("Must be a whole number between %(low)d and %(high)d.", low=low, high=high)
        return default
    if not low <= value <= high:
        errors[name] = _("Must be a whole number between %(low)d and %(high)d.", low=low, high=high)
    return value
