"""Street graphs built once per test session into a private cache directory."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from geodata import clear_network_memo, load_network

# A point on the carriageway of 深南大道 at Futian CBD (a vertex of the OSM way).
SHENNAN_CBD = (114.054982, 22.542015)
# Open water in Shenzhen Bay, south of the Nanshan shore: the extract has no street within 2 km.
SHENZHEN_BAY = (113.975, 22.500)
# Extent of the bundled extract (lon_min, lat_min, lon_max, lat_max).
EXTRACT_BBOX = (113.954, 22.479, 114.094, 22.600)

TINY_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="reloop-tests">
  <node id="1" lat="22.5400" lon="114.0500"/>
  <node id="2" lat="22.5400" lon="114.0520"/>
  <node id="3" lat="22.5420" lon="114.0520"/>
  <node id="4" lat="22.5420" lon="114.0500"/>
  <node id="5" lat="22.5390" lon="114.0530"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="name" v="测试路"/></way>
  <way id="11"><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="highway" v="tertiary"/><tag k="oneway" v="yes"/></way>
  <way id="12"><nd ref="2"/><nd ref="5"/><tag k="highway" v="residential"/></way>
</osm>
"""


@pytest.fixture(scope="session")
def geo_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty cache directory private to this session's geodata tests."""
    # Graphs memoised by earlier tests were cached elsewhere; start from a cold cache.
    clear_network_memo()
    return tmp_path_factory.mktemp("geodata-cache")


@pytest.fixture(scope="session")
def drive(geo_cache: Path) -> nx.MultiDiGraph:
    """The bundled extract as a drive graph."""
    return load_network(mode="drive", cache_dir=geo_cache)


@pytest.fixture(scope="session")
def walk(geo_cache: Path) -> nx.MultiDiGraph:
    """The bundled extract as a walk graph."""
    return load_network(mode="walk", cache_dir=geo_cache)


@pytest.fixture
def tiny_osm(tmp_path: Path) -> Path:
    """A five-node OSM file: two-way residential streets and a one-way tertiary.

    Every test gets the same content, so the in-process memo is cleared first: otherwise a
    load would return the graph memoised by an earlier test and never touch its cache_dir.
    """
    clear_network_memo()
    path = tmp_path / "tiny.osm"
    path.write_text(TINY_OSM, encoding="utf-8")
    return path
