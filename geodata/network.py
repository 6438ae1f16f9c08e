"""Load the bundled OpenStreetMap street network and derive map layers from it.

The graph is built once from the OSM extract with osmnx, projected to metres and cached on
disk by the file's content hash, so web workers and tests load it in well under a second.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle  # nosec B403 # only for the graph cache this module writes itself
import tempfile
import threading
import warnings
import weakref
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geodata._edges import (
    UTM_CRS,
    geoms_to_lonlat,
    lonlat_to_metres,
    metres_to_lonlat,
    undirected_edges,
)

Mode = Literal["walk", "drive"]

BUNDLED_OSM: Path = (
    Path(__file__).resolve().parent / "data" / "shenzhen_nanshan_futian_drive_2024-10-06.osm.bz2"
)
ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"

# Bump when the processing below changes, so stale cache files are ignored.
CACHE_VERSION = 1

_MODES: tuple[Mode, ...] = ("walk", "drive")


class UnknownModeError(ValueError):
    """The travel mode is neither ``"walk"`` nor ``"drive"``."""


class EmptyNetworkError(ValueError):
    """The OSM file holds no street the chosen mode can use."""


class CoordinateError(ValueError):
    """A longitude/latitude pair is not a finite WGS-84 coordinate."""


def file_sha256(path: Path | str) -> str:
    """Return the hex SHA-256 of a file's content.

    Parameters
    ----------
    path
        File to hash; read in 1 MiB chunks.

    Returns
    -------
    str
        64 lowercase hex digits.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def default_cache_dir() -> Path:
    """Return ``$RELOOP_CACHE_DIR`` if set, else ``~/.cache/reloop``."""
    env = os.environ.get("RELOOP_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "reloop"


# In-process memos: (path, mtime_ns, size) -> sha256, and (sha256, mode) -> frozen graph.
_SHA_MEMO: dict[tuple[str, int, int], str] = {}
_GRAPH_MEMO: dict[tuple[str, Mode], nx.MultiDiGraph] = {}
_LOAD_LOCK = threading.Lock()


def clear_network_memo() -> None:
    """Forget graphs loaded in this process (the disk cache stays)."""
    _SHA_MEMO.clear()
    _GRAPH_MEMO.clear()


def _content_hash(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _SHA_MEMO:
        _SHA_MEMO[key] = file_sha256(path)
    return _SHA_MEMO[key]


def cache_file_name(sha256: str, mode: Mode) -> str:
    """Name of the cache file for an OSM file's hash and a mode."""
    # osmnx's version is part of the key: another release may simplify differently.
    return f"network-{sha256[:20]}-{mode}-v{CACHE_VERSION}-osmnx{version('osmnx')}.pickle"


def load_network(
    path: Path | str | None = None,
    *,
    mode: Mode = "drive",
    cache_dir: Path | None = None,
) -> nx.MultiDiGraph:
    """Load a street network from an OSM XML file, projected to metres.

    Parameters
    ----------
    path
        ``.osm`` or ``.osm.bz2`` file; defaults to :data:`BUNDLED_OSM`.
    mode
        ``"drive"`` keeps one-way rules and the largest strongly connected component, so
        every node can reach every other. ``"walk"`` makes every street two-way (the
        extract has no footpaths) and keeps the largest connected component.
    cache_dir
        Where the processed graph is pickled; defaults to :func:`default_cache_dir`.
        Only point it at a directory you trust: cache files are unpickled. If it cannot
        be written the graph is still returned, with a warning.

    Returns
    -------
    networkx.MultiDiGraph
        Frozen (structure read-only; call ``.copy()`` to edit) and shared between callers in
        the process. CRS ``EPSG:32650`` (UTM 50N): node ``x``/``y`` and edge ``geometry`` in
        metres, edge ``length`` in metres, node ``lon``/``lat`` in WGS-84.

    Raises
    ------
    UnknownModeError
        If ``mode`` is not ``"walk"`` or ``"drive"``.
    FileNotFoundError
        If ``path`` does not exist.
    EmptyNetworkError
        If the file holds no usable street.
    """
    if mode not in _MODES:
        raise UnknownModeError(f"mode must be one of {_MODES}, not {mode!r}")
    source = Path(path or BUNDLED_OSM).resolve()
    # One loader at a time: threads of a web worker asking at start-up share one build.
    with _LOAD_LOCK:
        sha = _content_hash(source)
        memo = _GRAPH_MEMO.get((sha, mode))
        if memo is not None:
            return memo
        cache_path = (cache_dir or default_cache_dir()) / cache_file_name(sha, mode)
        graph = _read_cache(cache_path)
        if graph is None:
            graph = _build(source, mode=mode)
            graph.graph["source_sha256"] = sha
            _write_cache(cache_path, graph)
        frozen: nx.MultiDiGraph = nx.freeze(graph)
        _GRAPH_MEMO[(sha, mode)] = frozen
        return frozen


def _build(source: Path, *, mode: Mode) -> nx.MultiDiGraph:
    import osmnx as ox  # deferred: importing osmnx costs over a second, a cache hit needs none

    graph = ox.graph_from_xml(source, bidirectional=(mode == "walk"), simplify=True, retain_all=False)
    if graph.number_of_edges() == 0:
        raise EmptyNetworkError(f"no usable street in {source}")
    graph = ox.truncate.largest_component(graph, strongly=(mode == "drive"))
    for _, data in graph.nodes(data=True):
        data["lon"] = data["x"]
        data["lat"] = data["y"]
    # osmnx measured `length` along the WGS-84 geometry (great circle) before projection.
    graph = ox.projection.project_graph(graph, to_crs=UTM_CRS)
    graph.graph.update(crs=UTM_CRS, mode=mode, attribution=ATTRIBUTION)
    return graph


def _read_cache(cache_path: Path) -> nx.MultiDiGraph | None:
    try:
        with open(cache_path, "rb") as fh:
            # The cache file is written by _write_cache into the user's own cache folder;
            # whoever can replace it can already replace this code.
            graph = pickle.load(fh)  # nosec B301
    except Exception:  # missing, truncated or written by incompatible libraries: rebuild
        return None
    return graph if isinstance(graph, nx.MultiDiGraph) else None


def _write_cache(cache_path: Path, graph: nx.MultiDiGraph) -> None:
    try:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        # Temp file + rename: a concurrent reader sees the old file or the whole new one.
        fd, tmp = tempfile.mkstemp(dir=cache_path.parent, prefix=cache_path.name, suffix=".tmp")
    except OSError as exc:
        warnings.warn(f"street graph not cached: {exc}", RuntimeWarning, stacklevel=3)
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(graph, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if not isinstance(exc, OSError):
            raise
        warnings.warn(f"street graph not cached: {exc}", RuntimeWarning, stacklevel=3)


def streets_geojson(graph: nx.MultiDiGraph, *, precision: int = 6, simplify_m: float = 1.0) -> dict[str, Any]:
    """Return the streets as a compact GeoJSON FeatureCollection in WGS-84.

    Parameters
    ----------
    graph
        A graph from :func:`load_network`.
    precision
        Decimal places kept in coordinates (6 is about 0.1 m).
    simplify_m
        Douglas–Peucker tolerance in metres applied before export; 0 keeps every vertex.

    Returns
    -------
    dict
        ``FeatureCollection`` with one ``LineString`` feature per street segment (a two-way
        street is not repeated per direction) and properties ``name`` (``None`` if
        unnamed; merged names joined with ``" / "``) and ``highway`` (the most important
        class). The collection carries an ``attribution`` member.
    """
    edges = undirected_edges(graph)
    lines = [e.line for e in edges]
    if simplify_m > 0:
        lines = list(shapely.simplify(np.asarray(lines, dtype=object), simplify_m))
    features: list[dict[str, Any]] = []
    for edge, line in zip(edges, geoms_to_lonlat(lines), strict=True):
        coords = np.round(shapely.get_coordinates(line), precision)
        keep = np.ones(len(coords), dtype=bool)
        keep[1:] = np.any(coords[1:] != coords[:-1], axis=1)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords[keep].tolist()},
                "properties": {"name": edge.name, "highway": edge.highway},
            }
        )
    return {"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": features}


def _check_lonlat(lon: float, lat: float) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise CoordinateError(f"not a WGS-84 lon/lat: ({lon!r}, {lat!r})")


@dataclass(frozen=True)
class ServiceArea:
    """The area within ``buffer_m`` of a street, with point tests in lon/lat.

    Build it with :meth:`from_graph`. ``contains`` tests against the buffered polygon;
    ``distance_to_street_m`` measures to the exact street lines, so the two agree to within
    about a metre at the edge of the area (the buffer's arcs are polygons).
    """

    buffer_m: float
    area_m: BaseGeometry = field(repr=False)
    tree: shapely.STRtree = field(repr=False)

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph, *, buffer_m: float = 250) -> ServiceArea:
        """Buffer every street of ``graph`` by ``buffer_m`` metres and union the result."""
        if not buffer_m > 0:
            raise ValueError(f"buffer_m must be positive, not {buffer_m!r}")
        lines = np.asarray([e.line for e in undirected_edges(graph)], dtype=object)
        # A cascaded union of per-line buffers takes ~0.5 s; buffering the noded union of
        # the lines instead takes minutes. Simplifying by 1 m moves the outline by <= 1 m.
        area = shapely.union_all(shapely.buffer(shapely.simplify(lines, 1.0), buffer_m))
        shapely.prepare(area)
        return cls(buffer_m=float(buffer_m), area_m=area, tree=shapely.STRtree(lines))

    @cached_property
    def geometry(self) -> BaseGeometry:
        """The area as a (multi)polygon in WGS-84 lon/lat."""
        result: BaseGeometry = geoms_to_lonlat([self.area_m])[0]
        return result

    def contains(self, lon: float, lat: float) -> bool:
        """Whether a WGS-84 point lies in the service area (boundary counts as inside)."""
        _check_lonlat(lon, lat)
        x, y = lonlat_to_metres(lon, lat)
        return bool(shapely.intersects_xy(self.area_m, float(x), float(y)))

    def distance_to_street_m(self, lon: float, lat: float) -> float:
        """Metres from a WGS-84 point to the nearest street line (0 on a street)."""
        _check_lonlat(lon, lat)
        x, y = lonlat_to_metres(lon, lat)
        point = shapely.Point(float(x), float(y))
        _, distance = self.tree.query_nearest(point, return_distance=True)
        return float(distance[0])

    def snap_inside(self, lon: float, lat: float) -> tuple[float, float, float]:
        """The point itself when inside the area, else the nearest point of the nearest
        street (which is inside); returns ``(lon, lat, metres moved)``."""
        if self.contains(lon, lat):
            return lon, lat, 0.0
        x, y = lonlat_to_metres(lon, lat)
        point = shapely.Point(float(x), float(y))
        nearest, distance = self.tree.query_nearest(point, return_distance=True)
        line = self.tree.geometries[int(nearest[0])]
        foot = line.interpolate(line.project(point))
        snapped = metres_to_lonlat(np.asarray([[foot.x, foot.y]], dtype=np.float64))[0]
        return float(snapped[0]), float(snapped[1]), float(distance[0])


_AREA_MEMO: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[float, ServiceArea]] = weakref.WeakKeyDictionary()


def service_area_of(graph: nx.MultiDiGraph, *, buffer_m: float = 250) -> ServiceArea:
    """Return the (memoised per graph and buffer) :class:`ServiceArea` of ``graph``."""
    per_graph = _AREA_MEMO.setdefault(graph, {})
    if buffer_m not in per_graph:
        per_graph[buffer_m] = ServiceArea.from_graph(graph, buffer_m=buffer_m)
    return per_graph[buffer_m]


def service_area(graph: nx.MultiDiGraph, *, buffer_m: float = 250) -> BaseGeometry:
    """Return the union of the streets buffered by ``buffer_m`` metres, in WGS-84.

    Parameters
    ----------
    graph
        A graph from :func:`load_network`.
    buffer_m
        Buffer radius in metres, applied in the projected CRS.

    Returns
    -------
    shapely.geometry.base.BaseGeometry
        A Polygon or MultiPolygon in lon/lat. For point tests use :func:`service_area_of`,
        which tests in metres against a prepared geometry.
    """
    return service_area_of(graph, buffer_m=buffer_m).geometry
