"""Vector tiles (Mapbox Vector Tile 2.1) cut from the bundled OSM extract, for the base map.

The extract holds only ``highway=*`` ways (with ``name``, ``name:zh``, ``name:en``) and the
districts file holds two approximate outlines: those are the map's layers. There is no
coastline, water, land use or building in the bundle, so none is drawn; the districts'
southern edge follows the Shenzhen River / Shenzhen Bay border only approximately.

Tiles are cut in Web Mercator (EPSG:3857), clipped to the tile plus a small buffer so lines
and labels join across tile edges, simplified to the tile's resolution, and cached on disk
per ``z/x/y`` under a key made of the data's content hashes and :data:`TILE_VERSION`.
"""

from __future__ import annotations

import bz2
import math
import os
import tempfile
import threading
import xml.etree.ElementTree as ET  # nosec B405 # parses only the bundled, trusted extract
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geodata.districts import DISTRICTS_GEOJSON, districts_geojson
from geodata.network import BUNDLED_OSM, file_sha256

__all__ = [
    "MAX_TILE_ZOOM",
    "TILE_VERSION",
    "Streets",
    "TileRangeError",
    "TileSet",
    "load_streets",
    "tile_bounds",
]

# Bump when the layers or their properties change, so cached tiles are cut again.
TILE_VERSION = 1
# Tiles are cut up to this zoom; a renderer over-zooms them beyond (street detail is complete).
MAX_TILE_ZOOM = 16
EXTENT = 4096
# Around each tile, this share of its width is kept, so strokes and labels join at edges.
_BUFFER = 64 / EXTENT
_HALF_WORLD = math.pi * 6378137.0

# Road classes shown from each zoom on (earlier zooms show only the big roads).
_CLASS_MINZOOM = {
    "motorway": 0,
    "trunk": 0,
    "primary": 0,
    "secondary": 12,
    "tertiary": 13,
    "minor": 14,
    "service": 15,
}
_MINOR = {"unclassified", "residential", "living_street", "road"}


class TileRangeError(ValueError):
    """``z/x/y`` names no tile (zoom outside 0..MAX_TILE_ZOOM, or x/y outside the grid)."""


@dataclass(frozen=True, eq=False)
class Streets:
    """Highway ways of an OSM extract as Web Mercator lines with their road class and names."""

    lines: np.ndarray[Any, np.dtype[np.object_]]
    road_class: tuple[str, ...]
    link: tuple[bool, ...]
    name: tuple[str, ...]
    name_en: tuple[str, ...]
    ref: tuple[str, ...]
    tree: shapely.STRtree = field(repr=False)


def load_streets(path: Path | str = BUNDLED_OSM) -> Streets:
    """Read the highway ways of an ``.osm`` / ``.osm.bz2`` file (WGS-84 to Web Mercator)."""
    opener = bz2.open if str(path).endswith(".bz2") else open
    nodes: dict[str, tuple[float, float]] = {}
    coords: list[tuple[float, float]] = []
    owner: list[int] = []
    props: list[tuple[str, bool, str, str, str]] = []
    with opener(path, "rb") as fh:
        for _event, el in ET.iterparse(fh):  # nosec B314 # the bundled extract only
            if el.tag == "node":
                nodes[el.attrib["id"]] = (float(el.attrib["lon"]), float(el.attrib["lat"]))
            elif el.tag == "way":
                tags = {t.attrib["k"]: t.attrib["v"] for t in el.iter("tag")}
                way = [nodes[n.attrib["ref"]] for n in el.iter("nd") if n.attrib["ref"] in nodes]
                highway = tags.get("highway", "")
                if highway and len(way) >= 2:
                    coords += way
                    owner += [len(props)] * len(way)
                    base = highway.removesuffix("_link")
                    cls = base if base in _CLASS_MINZOOM else ("minor" if base in _MINOR else "service")
                    name = tags.get("name:zh") or tags.get("name", "")
                    props.append(
                        (cls, highway.endswith("_link"), name, tags.get("name:en", ""), tags.get("ref", ""))
                    )
                el.clear()
    lonlat = np.radians(np.array(coords, dtype=np.float64).reshape(-1, 2))
    xy = np.column_stack([lonlat[:, 0], np.log(np.tan(np.pi / 4 + lonlat[:, 1] / 2))]) * 6378137.0
    geoms = np.asarray(shapely.linestrings(xy, indices=np.array(owner, dtype=np.int64)), dtype=object)
    return Streets(
        lines=geoms,
        road_class=tuple(p[0] for p in props),
        link=tuple(p[1] for p in props),
        name=tuple(p[2] for p in props),
        name_en=tuple(p[3] for p in props),
        ref=tuple(p[4] for p in props),
        tree=shapely.STRtree(geoms),
    )


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 degrees to Web Mercator metres."""
    x = math.radians(lon) * 6378137.0
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137.0
    return x, y


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """``(minx, miny, maxx, maxy)`` of tile ``z/x/y`` in Web Mercator metres (XYZ scheme)."""
    if not 0 <= z <= MAX_TILE_ZOOM:
        raise TileRangeError(f"zoom {z} is outside 0..{MAX_TILE_ZOOM}")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise TileRangeError(f"tile {x}/{y} is outside the {2**z}x{2**z} grid of zoom {z}")
    size = 2 * _HALF_WORLD / 2**z
    minx = -_HALF_WORLD + x * size
    maxy = _HALF_WORLD - y * size
    return minx, maxy - size, minx + size, maxy


class TileSet:
    """The base map's tiles for one street extract and one districts file.

    Parameters
    ----------
    osm_path, districts_path
        The data; their SHA-256 (with :data:`TILE_VERSION`) keys the disk cache.
    cache_dir
        Tiles are written under ``cache_dir/tiles/<key>/z/x/y.mvt``; ``None`` keeps none.
    """

    def __init__(
        self,
        osm_path: Path | str = BUNDLED_OSM,
        districts_path: Path | str = DISTRICTS_GEOJSON,
        *,
        cache_dir: Path | None = None,
    ) -> None:
        self.osm_path = Path(osm_path)
        self.districts_path = Path(districts_path)
        self.key = f"{file_sha256(self.osm_path)[:16]}-{file_sha256(self.districts_path)[:8]}-v{TILE_VERSION}"
        self.cache_root = cache_dir / "tiles" / self.key if cache_dir else None
        self._streets: Streets | None = None
        self._lock = threading.Lock()

    @property
    def streets(self) -> Streets:
        """The extract's streets, read on first use."""
        with self._lock:
            if self._streets is None:
                self._streets = load_streets(self.osm_path)
            return self._streets

    def tile(self, z: int, x: int, y: int) -> bytes:
        """The MVT bytes of ``z/x/y`` (empty bytes when nothing lies there), from the cache if cut."""
        bounds = tile_bounds(z, x, y)
        path = self.cache_root / str(z) / str(x) / f"{y}.mvt" if self.cache_root else None
        if path is not None and path.is_file():
            return path.read_bytes()
        body = self.cut(z, bounds)
        if path is not None:
            _write_atomic(path, body)
        return body

    def cut(self, z: int, bounds: tuple[float, float, float, float]) -> bytes:
        """Encode the layers that intersect ``bounds`` at zoom ``z`` (no cache)."""
        candidates: list[tuple[str, list[dict[str, Any]]]] = [
            ("districts", _district_features(bounds, z, self.districts_path)),
            ("roads", _road_features(self.streets, bounds, z)),
        ]
        layers = [{"name": name, "features": features} for name, features in candidates if features]
        if not layers:
            return b""
        minx, miny, maxx, maxy = bounds
        scale = np.array([EXTENT / (maxx - minx), EXTENT / (maxy - miny)])
        origin = np.array([minx, miny])
        for _name, features in candidates:
            # Quantised here in one vectorised call: the encoder's own quantize_bounds runs
            # a Python function per vertex, which made big tiles ten times slower.
            geoms = shapely.transform(
                np.array([f["geometry"] for f in features], dtype=object),
                lambda c: np.rint((c - origin) * scale),
            )
            for feature, geom in zip(features, geoms, strict=True):
                feature["geometry"] = geom
        encoded: bytes = mapbox_vector_tile.encode(layers, default_options={"extents": EXTENT})
        return encoded


def _clip_box(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = bounds
    pad = (maxx - minx) * _BUFFER
    return minx - pad, miny - pad, maxx + pad, maxy + pad


def _road_features(streets: Streets, bounds: Sequence[float], z: int) -> list[dict[str, Any]]:
    box = _clip_box(bounds)
    hits = streets.tree.query(shapely.box(*box))
    hits = np.array([i for i in sorted(hits) if _CLASS_MINZOOM[streets.road_class[i]] <= z], dtype=np.int64)
    if not len(hits):
        return []
    unit = (bounds[2] - bounds[0]) / EXTENT
    clipped = shapely.simplify(shapely.clip_by_rect(streets.lines[hits], *box), unit)
    features = []
    for i, geom in zip(hits.tolist(), clipped, strict=True):
        if geom.is_empty or geom.length < unit:
            continue
        properties: dict[str, Any] = {"class": streets.road_class[i]}
        if streets.link[i]:
            properties["link"] = 1
        for key, value in (
            ("name", streets.name[i]),
            ("name_en", streets.name_en[i]),
            ("ref", streets.ref[i]),
        ):
            if value:
                properties[key] = value
        features.append({"geometry": geom, "properties": properties})
    return features


_DISTRICT_MEMO: dict[str, list[tuple[BaseGeometry, dict[str, Any]]]] = {}


def _districts(path: Path) -> list[tuple[BaseGeometry, dict[str, Any]]]:
    key = str(path)
    if key not in _DISTRICT_MEMO:
        data = districts_geojson() if path == DISTRICTS_GEOJSON else _read_json(path)
        result = []
        for feature in data["features"]:
            geom = shape(feature["geometry"])
            merc = shapely.transform(geom, lambda c: np.array([mercator(lon, lat) for lon, lat in c]))
            p = feature["properties"]
            result.append((merc, {"code": p["code"], "name": p["name_zh"], "name_en": p["name_en"]}))
        _DISTRICT_MEMO[key] = result
    return _DISTRICT_MEMO[key]


def _read_json(path: Path) -> dict[str, Any]:
    import json

    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _district_features(bounds: Sequence[float], z: int, path: Path) -> list[dict[str, Any]]:
    box = shapely.box(*_clip_box(bounds))
    features: list[dict[str, Any]] = []
    for geom, properties in _districts(path):
        part = shapely.intersection(geom, box)
        if part.is_empty:
            continue
        features.append({"geometry": part, "properties": {**properties, "kind": "area"}})
        label = geom.representative_point()
        if z <= 15 and shapely.box(*bounds).contains(label):
            features.append({"geometry": label, "properties": {**properties, "kind": "label"}})
    return features


def _write_atomic(path: Path, body: bytes) -> None:
    """Write ``body`` to ``path`` so a concurrent reader sees the old file or the whole new one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tile-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        os.replace(tmp, path)
    except OSError:
        # A read-only cache only costs speed: the tile is cut again next time.
        return
