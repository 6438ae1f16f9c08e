"""Street names of the bundled OSM extract: address search and reverse geocoding.

The extract's ``highway`` ways carry ``name`` (Chinese) and often ``name:en``. This module
reads them straight from the OSM XML (no graph needed) into a :class:`StreetDirectory`:
street name -> its lines, and the crossings of two named streets (OSM nodes the two ways
share). :func:`search_places` finds streets and crossings by a partial name;
:func:`reverse_geocode` names the street and the crossing nearest a point, e.g.
"深南大道与彩田路交叉口附近". Pure: coordinates are WGS-84 (lon, lat) in degrees.
"""

from __future__ import annotations

import bz2
import math
import re
import threading
import unicodedata
import xml.etree.ElementTree as ET  # nosec B405 # the bundled extract or a file the caller trusts
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import numpy as np
import numpy.typing as npt
import shapely

from geodata.districts import DISTRICTS, district_of
from geodata.network import BUNDLED_OSM

__all__ = [
    "Address",
    "Crossing",
    "PlaceMatch",
    "Street",
    "StreetDataError",
    "StreetDirectory",
    "StreetWay",
    "address_line",
    "build_directory",
    "load_streets",
    "reverse_geocode",
    "search_places",
]

LonLat = tuple[float, float]
_Metres = Callable[[float, float], tuple[float, float]]  # the local projection

# Classes a street address or a crossing may name: not expressways, their ramps or
# interchanges, which no outlet stands on and no one gives as a meeting point.
_ADDRESS_CLASSES = frozenset(
    {"trunk", "primary", "secondary", "tertiary", "unclassified", "residential", "living_street", "road"}
)
_METRES_PER_DEG_LAT = 110_574.0
_METRES_PER_DEG_LON_EQUATOR = 111_320.0
# Nodes of one crossing of two dual carriageways lie tens of metres apart; further apart
# they are separate crossings (a street that meets another twice).
_CROSSING_CLUSTER_M = 120.0
# Separators between two street names in a crossing query: 深南大道与彩田路, 深南/彩田.
_CROSSING_SPLIT = re.compile(r"\s*(?:与|&|/|／|、|,|，|\+|×)\s*")
_CJK = re.compile(r"[\u3400-\u9fff]")


class StreetDataError(ValueError):
    """The OSM file cannot be read or holds no named street."""


@dataclass(frozen=True, slots=True)
class StreetWay:
    """One OSM way as this module reads it: tags that matter and its nodes in order."""

    name: str
    name_en: str | None
    highway: str
    nodes: tuple[tuple[int, float, float], ...]  # (OSM node id, lon, lat)


@dataclass(frozen=True, slots=True)
class Street:
    """A named street: every way of that name, and a point on it to show in a search result."""

    name: str
    name_en: str | None
    lines: tuple[tuple[LonLat, ...], ...]
    anchor: LonLat
    addressable: bool


@dataclass(frozen=True, slots=True)
class Crossing:
    """Where two named streets meet (the centre of the OSM nodes they share there)."""

    streets: tuple[str, str]
    lon: float
    lat: float

    def label(self, first: str | None = None) -> str:
        """ "A与B交叉口", naming ``first`` first when it is one of the two."""
        a, b = self.streets
        if first == b:
            a, b = b, a
        return f"{a}与{b}交叉口"


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    """A search result: a street or a crossing, where to put the pin, and its district code."""

    kind: Literal["street", "crossing"]
    label: str
    label_en: str | None
    lon: float
    lat: float
    district: str | None


@dataclass(frozen=True, slots=True)
class Address:
    """The nearest named street to a point and the nearest crossing of it (or None)."""

    street: str | None
    street_en: str | None
    street_m: float
    crossing: Crossing | None
    crossing_m: float

    @property
    def text(self) -> str:
        """The Chinese address line: "深南大道与彩田路交叉口附近", or the street alone; "" if none."""
        if self.street is None:
            return ""
        if self.crossing is None:
            return f"{self.street}附近"
        if self.street in self.crossing.streets:
            return f"{self.crossing.label(self.street)}附近"
        return f"{self.street}（近{self.crossing.label()}）"


@dataclass(frozen=True, eq=False)
class StreetDirectory:
    """Named streets and their crossings, with the spatial indexes reverse geocoding uses."""

    streets: Mapping[str, Street]
    crossings: tuple[Crossing, ...]
    origin: LonLat
    _line_names: tuple[str, ...] = field(repr=False)
    _tree: shapely.STRtree = field(repr=False)
    _crossing_xy: npt.NDArray[np.float64] = field(repr=False)

    def to_metres(self, lon: float, lat: float) -> tuple[float, float]:
        """Local east/north metres from ``origin`` (equirectangular: the extract is 15 km wide)."""
        lon0, lat0 = self.origin
        scale = _METRES_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
        return (lon - lon0) * scale, (lat - lat0) * _METRES_PER_DEG_LAT


def build_directory(ways: Iterable[StreetWay]) -> StreetDirectory:
    """Group ways by name, find the crossings of addressable streets and index both.

    Raises
    ------
    StreetDataError
        If no way has a name.
    """
    named = [w for w in ways if w.name and len(w.nodes) >= 2]
    if not named:
        raise StreetDataError("no named street")
    lats = [lat for w in named for _n, _lon, lat in w.nodes]
    lons = [lon for w in named for _n, lon, _lat in w.nodes]
    origin = (sum(lons) / len(lons), sum(lats) / len(lats))
    scale = _METRES_PER_DEG_LON_EQUATOR * math.cos(math.radians(origin[1]))

    def metres(lon: float, lat: float) -> tuple[float, float]:
        return (lon - origin[0]) * scale, (lat - origin[1]) * _METRES_PER_DEG_LAT

    streets = _streets(named, metres)
    addressable = [w for w in named if w.highway in _ADDRESS_CLASSES]
    names = [_main_name(w.name, streets) for w in addressable]
    lines = [shapely.LineString([metres(lon, lat) for _n, lon, lat in w.nodes]) for w in addressable]
    met = _crossings(names, lines)
    crossings = tuple(
        Crossing(pair, origin[0] + x / scale, origin[1] + y / _METRES_PER_DEG_LAT) for pair, x, y in met
    )
    xy = np.array([(x, y) for _pair, x, y in met], dtype=np.float64).reshape(-1, 2)
    return StreetDirectory(
        streets=streets,
        crossings=crossings,
        origin=origin,
        _line_names=tuple(names),
        _tree=shapely.STRtree(lines),
        _crossing_xy=xy,
    )


def _main_name(name: str, streets: Mapping[str, Street]) -> str:
    """A side road's crossings are its main road's: 深南大道辅路 meets 彩田路 where 深南大道 does."""
    main = name.removesuffix("辅路")
    return main if main != name and main in streets else name


def _streets(ways: list[StreetWay], metres: _Metres) -> dict[str, Street]:
    by_name: dict[str, list[StreetWay]] = {}
    for way in ways:
        by_name.setdefault(way.name, []).append(way)
    streets = {}
    for name, group in by_name.items():
        lines = tuple(tuple((lon, lat) for _n, lon, lat in w.nodes) for w in group)
        longest = max(lines, key=lambda line: _length_m(line, metres))
        mid = shapely.LineString(longest).interpolate(0.5, normalized=True)
        name_en = next((w.name_en for w in group if w.name_en), None)
        addressable = any(w.highway in _ADDRESS_CLASSES for w in group)
        streets[name] = Street(name, name_en, lines, (float(mid.x), float(mid.y)), addressable)
    return streets


def _length_m(line: tuple[LonLat, ...], metres: _Metres) -> float:
    points = [metres(lon, lat) for lon, lat in line]
    return sum(math.dist(a, b) for a, b in zip(points, points[1:], strict=False))


def _crossings(
    names: list[str], lines: list[shapely.LineString]
) -> list[tuple[tuple[str, str], float, float]]:
    """Points (in metres) where lines of two different names meet, clustered per pair of names.

    Geometric, not shared OSM nodes: 彩田路 passes under 深南大道 without a common node,
    yet everyone calls the place 深南大道与彩田路交叉口. A street and its own side road
    (深南大道 / 深南大道辅路) are not a crossing.
    """
    tree = shapely.STRtree(lines)
    left, right = tree.query(lines, predicate="intersects")
    by_pair: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        a, b = names[i], names[j]
        if i >= j or a.startswith(b) or b.startswith(a):
            continue
        meeting = shapely.intersection(lines[i], lines[j])
        pair = (a, b) if a < b else (b, a)
        for part in shapely.get_parts(meeting).tolist():
            if isinstance(part, shapely.Point):  # overlapping stretches are not crossings
                by_pair.setdefault(pair, []).append((float(part.x), float(part.y)))
    return [(pair, x, y) for pair, points in sorted(by_pair.items()) for x, y in _cluster(points)]


def _cluster(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Greedy clusters of points within ``_CROSSING_CLUSTER_M`` of a cluster's first point."""
    clusters: list[tuple[tuple[float, float], list[tuple[float, float]]]] = []
    for point in points:
        for seed, members in clusters:
            if math.dist(seed, point) <= _CROSSING_CLUSTER_M:
                members.append(point)
                break
        else:
            clusters.append((point, [point]))
    return [(sum(p[0] for p in m) / len(m), sum(p[1] for p in m) / len(m)) for _seed, m in clusters]


def read_ways(source: IO[bytes]) -> list[StreetWay]:
    """The named ``highway`` ways of an OSM XML stream, with their node coordinates.

    Raises
    ------
    StreetDataError
        If the XML is malformed or a way names a node the file does not hold.
    """
    nodes: dict[int, LonLat] = {}
    ways: list[StreetWay] = []
    try:
        for _event, element in ET.iterparse(source):  # nosec B314 # see the import
            if element.tag == "node":
                nodes[int(element.get("id", "0"))] = (
                    float(element.get("lon", "")),
                    float(element.get("lat", "")),
                )
                element.clear()
            elif element.tag == "way":
                tags = {t.get("k"): t.get("v") for t in element.iter("tag")}
                name, highway = (tags.get("name") or "").strip(), tags.get("highway")
                if name and highway:
                    refs = [int(n.get("ref", "0")) for n in element.iter("nd")]
                    points = tuple((ref, *nodes[ref]) for ref in refs)
                    ways.append(StreetWay(name, tags.get("name:en") or None, highway, points))
                element.clear()
    except (ET.ParseError, ValueError, KeyError) as exc:
        raise StreetDataError(f"cannot read the OSM file: {exc}") from exc
    return ways


_MEMO: dict[tuple[str, int, int], StreetDirectory] = {}
_LOCK = threading.Lock()


def load_streets(path: Path | str | None = None) -> StreetDirectory:
    """The street directory of an OSM XML file (``.osm`` or ``.osm.bz2``), memoised per file.

    Defaults to the bundled extract. Reading it takes about a second, once per process.
    """
    source = Path(path or BUNDLED_OSM).resolve()
    stat = source.stat()
    key = (str(source), stat.st_mtime_ns, stat.st_size)
    with _LOCK:
        memo = _MEMO.get(key)
        if memo is None:
            opener = bz2.open if source.suffix == ".bz2" else open
            with opener(source, "rb") as fh:
                memo = build_directory(read_ways(fh))
            _MEMO[key] = memo
        return memo


def _normalise(text: str) -> str:
    """Full-width to half-width, case folded, spaces collapsed: what a search compares."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _score(query: str, street: Street) -> int | None:
    """0 exact, 1 prefix, 2 word prefix (English), 3 anywhere; None for no match."""
    best: int | None = None
    for candidate in (street.name, street.name_en or ""):
        text = _normalise(candidate)
        if not text:
            continue
        if text == query:
            score = 0
        elif text.startswith(query):
            score = 1
        elif any(word.startswith(query) for word in text.split()):
            score = 2
        elif query in text:
            score = 3
        else:
            continue
        best = score if best is None else min(best, score)
    return best


def _matching_streets(directory: StreetDirectory, query: str) -> list[Street]:
    scored = [
        (s, street) for street in directory.streets.values() if (s := _score(query, street)) is not None
    ]
    scored.sort(key=lambda item: (item[0], not item[1].addressable, len(item[1].name), item[1].name))
    return [street for _s, street in scored]


def search_places(directory: StreetDirectory, query: str, *, limit: int = 10) -> list[PlaceMatch]:
    """Streets and crossings whose names contain ``query`` (Chinese or English, any part).

    "深南" finds 深南大道; "深南与彩田" (or "深南/彩田", "深南 彩田") finds the crossing(s) of
    深南大道 and 彩田路, listed before the streets. Best matches first: exact, then prefix,
    then anywhere; shorter names first among equals. An empty query finds nothing.
    """
    text = _normalise(query)
    if not text or limit <= 0:
        return []
    results = _crossing_matches(directory, text)
    for street in _matching_streets(directory, text):
        lon, lat = street.anchor
        results.append(PlaceMatch("street", street.name, street.name_en, lon, lat, district_of(lon, lat)))
    return results[:limit]


def _crossing_matches(directory: StreetDirectory, text: str) -> list[PlaceMatch]:
    parts = [p for p in _CROSSING_SPLIT.split(text) if p]
    if len(parts) != 2 and _CJK.search(text) and " " in text:
        parts = text.split(" ")  # "深南 彩田": Chinese names hold no spaces
    if len(parts) != 2:
        return []
    first = {s.name for s in _matching_streets(directory, parts[0])}
    second = {s.name for s in _matching_streets(directory, parts[1])}
    found = []
    for crossing in directory.crossings:
        a, b = crossing.streets
        if (a in first and b in second) or (b in first and a in second):
            lead = a if a in first else b
            label = crossing.label(lead)
            found.append(
                PlaceMatch(
                    "crossing",
                    label,
                    None,
                    crossing.lon,
                    crossing.lat,
                    district_of(crossing.lon, crossing.lat),
                )
            )
    return found


def reverse_geocode(
    directory: StreetDirectory,
    lon: float,
    lat: float,
    *,
    street_within_m: float = 500.0,
    crossing_within_m: float = 300.0,
) -> Address:
    """The nearest addressable street to a point and the nearest crossing near it.

    The crossing is the nearest one of that street within ``crossing_within_m``; failing
    that, the nearest crossing of any two streets within that distance; else None. No
    street within ``street_within_m`` gives an empty address (``street`` None).
    """
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError(f"not a coordinate: ({lon}, {lat})")
    x, y = directory.to_metres(lon, lat)
    point = shapely.Point(x, y)
    hits, distances = directory._tree.query_nearest(point, max_distance=street_within_m, return_distance=True)
    if len(hits) == 0:
        return Address(None, None, math.inf, None, math.inf)
    nearest = int(hits[int(np.argmin(distances))])
    name = directory._line_names[nearest]
    street = directory.streets[name]
    crossing, crossing_m = _nearest_crossing(directory, x, y, name, crossing_within_m)
    return Address(name, street.name_en, float(np.min(distances)), crossing, crossing_m)


def _nearest_crossing(
    directory: StreetDirectory, x: float, y: float, street: str, within_m: float
) -> tuple[Crossing | None, float]:
    if len(directory.crossings) == 0:
        return None, math.inf
    distances = np.hypot(directory._crossing_xy[:, 0] - x, directory._crossing_xy[:, 1] - y)
    on_street = np.array([street in c.streets for c in directory.crossings], dtype=bool)
    for mask in (on_street & (distances <= within_m), distances <= within_m):
        if mask.any():
            index = int(np.flatnonzero(mask)[np.argmin(distances[mask])])
            return directory.crossings[index], float(distances[index])
    return None, math.inf


def address_line(directory: StreetDirectory, lon: float, lat: float) -> str:
    """A full Chinese address for a point: "深圳市福田区深南大道与彩田路交叉口附近".

    The district comes from :func:`geodata.districts.district_of`; "" when no addressable
    street is within reach (the caller keeps its own text, or none).
    """
    text = reverse_geocode(directory, lon, lat).text
    if not text:
        return ""
    code = district_of(lon, lat)
    district = next((d.name_zh for d in DISTRICTS if d.code == code), "")
    return f"深圳市{district}{text}"
