"""The streets as an offline GeoJSON base map."""

from __future__ import annotations

import json
from typing import Any

import networkx as nx
import pytest

from geodata import ATTRIBUTION, streets_geojson
from tests.geodata.conftest import EXTRACT_BBOX


@pytest.fixture(scope="module")
def collection(walk: nx.MultiDiGraph) -> dict[str, Any]:
    """The walk graph's streets as GeoJSON."""
    return streets_geojson(walk)


def test_is_a_feature_collection_of_linestrings(collection: dict[str, Any]) -> None:
    """Every feature is a LineString of at least two points with name and highway."""
    assert collection["type"] == "FeatureCollection"
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "LineString"
        assert len(feature["geometry"]["coordinates"]) >= 2
        assert set(feature["properties"]) == {"name", "highway"}


def test_coordinates_are_wgs84_inside_the_extract(collection: dict[str, Any]) -> None:
    """Coordinates are lon/lat within the extract's bounding box, rounded to 6 places."""
    lon_min, lat_min, lon_max, lat_max = EXTRACT_BBOX
    for feature in collection["features"]:
        for lon, lat in feature["geometry"]["coordinates"]:
            assert lon_min - 0.005 < lon < lon_max + 0.005
            assert lat_min - 0.005 < lat < lat_max + 0.005
            assert round(lon, 6) == lon and round(lat, 6) == lat


def test_two_way_streets_appear_once(walk: nx.MultiDiGraph, collection: dict[str, Any]) -> None:
    """The bidirectional walk graph yields one feature per pair of opposite edges."""
    assert len(collection["features"]) == pytest.approx(walk.number_of_edges() / 2, rel=0.01)
    ends = [
        frozenset(map(tuple, (f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][-1])))
        for f in collection["features"]
    ]
    assert len(set(ends)) > 0.97 * len(ends)


def test_names_are_strings(collection: dict[str, Any]) -> None:
    """Street names are plain strings (merged names joined) or None."""
    names = [f["properties"]["name"] for f in collection["features"]]
    assert all(name is None or isinstance(name, str) for name in names)
    assert "深南大道" in names


def test_carries_the_osm_attribution(collection: dict[str, Any]) -> None:
    """The collection names its ODbL source."""
    assert collection["attribution"] == ATTRIBUTION


def test_serialises_compactly(collection: dict[str, Any]) -> None:
    """The base map serialises to JSON and stays under 2 MB."""
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    assert len(text.encode("utf-8")) < 2_000_000
