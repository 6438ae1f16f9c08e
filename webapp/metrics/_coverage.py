"""Walking coverage of the households by the active outlets, cached by the outlet set.

The same measure as the siting scenarios (:func:`geodata.coverage_report` on the
walking network, the street-frontage household proxy of :func:`geodata.street_frontage_demand`),
but computed once per set of outlets: the result depends only on the outlets'
coordinates, the radius and the bundled street data, so the cache key is a SHA-256
of exactly those. Two layers: a dict in the process (repeat calls cost nothing) and
a small JSON file per key under ``<cache_dir>/metrics/`` (CLI runs, web workers and
restarts share it). Opening or closing an outlet changes the key, so a stale answer
is never served; old files are a few hundred bytes each and can be deleted at will.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geodata

_FORMAT = 1
_memory: dict[str, Coverage] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Coverage:
    """Households per district code (and ``"all"``) and how many are within the radius."""

    radius_m: float
    households: dict[str, int]
    within: dict[str, int]
    demand_source: str

    def to_json(self) -> dict[str, object]:
        return {
            "radius_m": self.radius_m,
            "households": self.households,
            "within": self.within,
            "demand_source": self.demand_source,
        }


@lru_cache(maxsize=1)
def _network_fingerprint() -> str:
    # The bundled extract's hash and geodata's processing version: new street data or
    # new processing means new answers.
    return f"{geodata.file_sha256(geodata.BUNDLED_OSM)}-v{geodata.CACHE_VERSION}"


def cache_key(points: Sequence[tuple[float, float]], radius_m: float) -> str:
    """The key of the coverage of ``points`` (order and duplicates do not matter)."""
    canonical = sorted({(round(lon, 6), round(lat, 6)) for lon, lat in points})
    text = json.dumps([_FORMAT, _network_fingerprint(), radius_m, canonical])
    return hashlib.sha256(text.encode()).hexdigest()


def coverage(
    points: Sequence[tuple[float, float]], *, radius_m: float = 500.0, cache_dir: Path | None = None
) -> Coverage:
    """Coverage of the street-frontage households by outlets at ``points`` (lon, lat)."""
    key = cache_key(points, radius_m)
    found = _memory.get(key)
    if found is not None:
        return found
    with _lock:
        found = _memory.get(key) or _read(cache_dir, key)
        if found is None:
            found = _compute(points, radius_m, cache_dir)
            _write(cache_dir, key, found)
        _memory[key] = found
    return found


def _compute(points: Sequence[tuple[float, float]], radius_m: float, cache_dir: Path | None) -> Coverage:
    graph = geodata.load_network(mode="walk", cache_dir=cache_dir)
    demand = geodata.street_frontage_demand(graph)
    if points:
        report = geodata.coverage_report(graph, demand, list(points), radii_m=(radius_m,), top=0)
        shares = {s.scope: (s.households, dict(s.within)[radius_m]) for s in report.shares}
    else:  # nobody is covered; households still count
        shares = {}
        for p in demand.points:
            scope = p.district or "none"
            households, _ = shares.get(scope, (0, 0))
            shares[scope] = (households + p.households, 0)
        shares["all"] = (sum(h for h, _ in shares.values()), 0)
    return Coverage(
        radius_m,
        {k: int(v[0]) for k, v in shares.items()},
        {k: int(v[1]) for k, v in shares.items()},
        demand.source,
    )


def _path(cache_dir: Path | None, key: str) -> Path | None:
    if cache_dir is None:
        return None
    return Path(cache_dir) / "metrics" / f"coverage-{key}.json"


def _read(cache_dir: Path | None, key: str) -> Coverage | None:
    path = _path(cache_dir, key)
    if path is None or not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Coverage(
            float(data["radius_m"]),
            dict(data["households"]),
            dict(data["within"]),
            str(data["demand_source"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged cache file is recomputed, not trusted


def _write(cache_dir: Path | None, key: str, value: Coverage) -> None:
    path = _path(cache_dir, key)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value.to_json(), handle)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the new
    except OSError:
        pass  # an unwritable cache only costs a recomputation next time
