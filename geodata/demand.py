"""Where the households are: a street-frontage proxy, or uploaded residential compounds.

The bundled OSM extract has no buildings or population. By default demand is a PROXY:
points every ~50 m along residential-type streets, the households of each district shared
out over its points in proportion to the street frontage each stands for, so that district
totals match :data:`DEFAULT_POPULATION` (configurable). When the user uploads residential
compounds (CSV or GeoJSON with households), those replace the proxy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely

from geodata._edges import metres_to_lonlat, undirected_edges
from geodata._snap import snap_points
from geodata._upload import (
    RowProblem,
    UploadError,
    check_unique,
    csv_rows,
    geojson_features,
    parse_point,
)
from geodata.districts import district_of

__all__ = [
    "DEFAULT_POPULATION",
    "FAR_FROM_STREET",
    "OUTSIDE_DISTRICTS",
    "RESIDENTIAL_HIGHWAYS",
    "Demand",
    "DemandFileError",
    "DemandPoint",
    "DistrictPopulation",
    "load_demand",
    "parse_demand_csv",
    "parse_demand_geojson",
    "street_frontage_demand",
]

RESIDENTIAL_HIGHWAYS: frozenset[str] = frozenset({"residential", "living_street", "unclassified"})

# Flags on demand points that are kept (reported) but left out of siting.
OUTSIDE_DISTRICTS = "outside_districts"
FAR_FROM_STREET = "far_from_street"


class DemandFileError(UploadError):
    """An uploaded compounds file has bad rows (all listed in ``problems``)."""


@dataclass(frozen=True, slots=True)
class DistrictPopulation:
    """Residents of a district that live inside the extract, and how they form households.

    ``households`` = residents x share_in_extract / persons_per_household, rounded.
    """

    district: str
    residents: int
    persons_per_household: float
    share_in_extract: float
    source: str

    @property
    def households(self) -> int:
        """Households inside the extract."""
        return round(self.residents * self.share_in_extract / self.persons_per_household)


# DEFAULTS FOR THE PROXY ONLY; replace them with the customer's own figures. Residents are
# the 2020 (7th) census resident populations of the districts; 2.6 persons per household is
# an assumed round figure; the extract covers nearly all of Futian but only eastern Nanshan
# (Shekou, Houhai, Shenzhen Bay, OCT), whose share of Nanshan's residents is an estimate.
DEFAULT_POPULATION: tuple[DistrictPopulation, ...] = (
    DistrictPopulation(
        "futian",
        1_553_225,
        2.6,
        1.0,
        "2020 census residents; 2.6 persons/household assumed; whole district in extract",
    ),
    DistrictPopulation(
        "nanshan",
        1_795_826,
        2.6,
        0.45,
        "2020 census residents; 2.6 persons/household assumed; ~45 % inside extract (estimate)",
    ),
)


@dataclass(frozen=True, slots=True)
class DemandPoint:
    """Households at one location. ``flag`` says why it is left out of siting, if it is."""

    id: str
    lon: float
    lat: float
    households: int
    district: str | None
    name: str | None = None
    flag: str | None = None


@dataclass(frozen=True)
class Demand:
    """A demand layer: its points and where they came from."""

    points: tuple[DemandPoint, ...]
    source: Literal["street_frontage_proxy", "uploaded"]
    note: str

    def __len__(self) -> int:
        return len(self.points)

    @property
    def usable(self) -> tuple[DemandPoint, ...]:
        """Points without a flag."""
        return tuple(p for p in self.points if p.flag is None)

    @property
    def flagged(self) -> tuple[DemandPoint, ...]:
        """Points left out of siting, each with its reason."""
        return tuple(p for p in self.points if p.flag is not None)

    @property
    def total_households(self) -> int:
        """Households of all points, flagged ones included."""
        return sum(p.households for p in self.points)

    def lonlat(self) -> npt.NDArray[np.float64]:
        """``(n, 2)`` lon/lat of all points."""
        return np.array([(p.lon, p.lat) for p in self.points], dtype=np.float64).reshape(-1, 2)

    def households_by_district(self) -> dict[str, int]:
        """Households per district code (``"none"`` for points in neither)."""
        out: dict[str, int] = {}
        for p in self.points:
            key = p.district or "none"
            out[key] = out.get(key, 0) + p.households
        return out


def street_frontage_demand(
    graph: nx.MultiDiGraph,
    *,
    spacing_m: float = 50.0,
    highways: Set[str] = RESIDENTIAL_HIGHWAYS,
    population: tuple[DistrictPopulation, ...] = DEFAULT_POPULATION,
) -> Demand:
    """Build the default demand proxy: points along residential-type streets.

    Each street segment whose most important class is in ``highways`` gets
    ``max(1, round(length / spacing_m))`` evenly spaced points. A district's households
    are shared over its points in proportion to the frontage each point stands for, in
    whole households (largest remainders), so each district's total is exact. Points
    outside every district (across the Hong Kong border) are not made.

    Parameters
    ----------
    graph
        A graph from :func:`geodata.network.load_network` (either mode).
    spacing_m
        Target distance between points along a street.
    highways
        OSM highway classes treated as residential frontage.
    population
        Household totals per district; districts not listed get no points.

    Returns
    -------
    Demand
        ``source="street_frontage_proxy"``; ids ``"street-<n>"``.
    """
    if not spacing_m > 0:
        raise ValueError(f"spacing_m must be positive, not {spacing_m!r}")
    edges = [e for e in undirected_edges(graph) if e.highway in highways]
    lines = np.asarray([e.line for e in edges], dtype=object)
    lengths = np.asarray(shapely.length(lines), dtype=np.float64)
    counts = np.maximum(1, np.rint(lengths / spacing_m)).astype(np.int64)
    which = np.repeat(np.arange(len(edges)), counts)
    # Points sit at the middles of equal pieces: (k + 0.5) / count along each street.
    rank = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    at = shapely.line_interpolate_point(lines[which], (rank + 0.5) / counts[which], normalized=True)
    lonlat = metres_to_lonlat(shapely.get_coordinates(at)) if len(at) else np.zeros((0, 2))
    frontage = (lengths / counts)[which]
    codes = [district_of(float(lon), float(lat)) for lon, lat in lonlat]
    totals = {p.district: p.households for p in population}
    households = np.zeros(len(codes), dtype=np.int64)
    for code, total in totals.items():
        mine = np.array([c == code for c in codes], dtype=bool)
        households[mine] = _apportion(total, frontage[mine])
    points = tuple(
        DemandPoint(f"street-{i}", float(lon), float(lat), int(h), code)
        for i, ((lon, lat), h, code) in enumerate(zip(lonlat, households, codes, strict=True))
        if code in totals
    )
    note = (
        f"PROXY: {len(points)} points every ~{spacing_m:g} m on {sorted(highways)} streets; "
        "households scaled to district totals "
        + ", ".join(f"{p.district} {p.households:,}" for p in population)
    )
    return Demand(points=points, source="street_frontage_proxy", note=note)


def _apportion(total: int, shares: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Split ``total`` into whole numbers proportional to ``shares`` (largest remainders)."""
    if not len(shares) or shares.sum() <= 0:
        return np.zeros(len(shares), dtype=np.int64)
    exact = total * shares / shares.sum()
    whole: npt.NDArray[np.int64] = np.floor(exact).astype(np.int64)
    short = total - int(whole.sum())
    whole[np.argsort(-(exact - whole), kind="stable")[:short]] += 1
    return whole


def parse_demand_csv(text: str, *, graph: nx.MultiDiGraph | None = None, max_snap_m: float = 250.0) -> Demand:
    """Read residential compounds from CSV text with columns ``id,lon,lat,households[,name]``.

    Parameters
    ----------
    text
        The file's content (UTF-8, a BOM is ignored). Extra columns are ignored.
    graph
        If given, points farther than ``max_snap_m`` from its streets are flagged
        :data:`FAR_FROM_STREET`. Points in neither district are flagged
        :data:`OUTSIDE_DISTRICTS`. Flagged points are kept and reported, not dropped.

    Raises
    ------
    DemandFileError
        Listing every bad row by line number and field.
    """
    problems: list[RowProblem] = []
    raw = []
    for line, fields in csv_rows(text, required=("id", "lon", "lat", "households"), problems=problems):
        point = parse_point("line", line, fields, want_households=True, problems=problems)
        if point is not None:
            raw.append(point)
    check_unique(raw, "line", problems)
    if problems:
        raise DemandFileError("demand", problems)
    return _uploaded(raw, graph=graph, max_snap_m=max_snap_m)


def parse_demand_geojson(
    data: str | Mapping[str, Any],
    *,
    graph: nx.MultiDiGraph | None = None,
    max_snap_m: float = 250.0,
) -> Demand:
    """Read compounds from a GeoJSON FeatureCollection of Points with ``households``.

    Feature ids come from ``properties.id``, else the feature's ``id``, else its index;
    ``properties.name`` is optional. Problems name the 0-based feature index. Flags as in
    :func:`parse_demand_csv`.

    Raises
    ------
    DemandFileError
        Listing every bad feature by index and field.
    """
    problems: list[RowProblem] = []
    try:
        parsed = json.loads(data) if isinstance(data, str) else data
    except json.JSONDecodeError as exc:
        raise DemandFileError("demand", [RowProblem("file", 0, "json", str(exc))]) from exc
    raw = []
    if isinstance(parsed, Mapping):
        for index, fields in geojson_features(parsed, problems=problems):
            point = parse_point("feature", index, fields, want_households=True, problems=problems)
            if point is not None:
                raw.append(point)
    else:
        problems.append(RowProblem("file", 0, "type", "expected a GeoJSON object"))
    check_unique(raw, "feature", problems)
    if problems:
        raise DemandFileError("demand", problems)
    return _uploaded(raw, graph=graph, max_snap_m=max_snap_m)


def load_demand(
    path: Path | str, *, graph: nx.MultiDiGraph | None = None, max_snap_m: float = 250.0
) -> Demand:
    """Read a compounds file: ``.csv``, or ``.geojson``/``.json``."""
    source = Path(path)
    text = source.read_text(encoding="utf-8-sig")
    if source.suffix.lower() in (".geojson", ".json"):
        return parse_demand_geojson(text, graph=graph, max_snap_m=max_snap_m)
    return parse_demand_csv(text, graph=graph, max_snap_m=max_snap_m)


def _uploaded(raw: list[Any], *, graph: nx.MultiDiGraph | None, max_snap_m: float) -> Demand:
    lonlat = np.array([(p.lon, p.lat) for p in raw], dtype=np.float64).reshape(-1, 2)
    far = np.zeros(len(raw), dtype=bool)
    if graph is not None and len(raw):
        far = ~snap_points(graph, lonlat, max_snap_m=max_snap_m).snapped
    points = []
    for point, is_far in zip(raw, far, strict=True):
        code = district_of(point.lon, point.lat)
        flag = FAR_FROM_STREET if is_far else (OUTSIDE_DISTRICTS if code is None else None)
        points.append(
            DemandPoint(point.id, point.lon, point.lat, int(point.households), code, point.name, flag)
        )
    flagged = sum(p.flag is not None for p in points)
    note = f"uploaded: {len(points)} compounds, {flagged} flagged outside the extract"
    return Demand(points=tuple(points), source="uploaded", note=note)
