"""Which district a point lies in, from the shipped approximate polygons."""

from __future__ import annotations

import networkx as nx
import pytest

from geodata import DISTRICTS, district, district_of, districts_geojson
from tests.geodata.conftest import SHENNAN_CBD


def test_futian_cbd_is_in_futian() -> None:
    """Futian CBD on 深南大道 is in Futian."""
    assert district_of(*SHENNAN_CBD) == "futian"


def test_window_of_the_world_is_in_nanshan() -> None:
    """Window of the World (世界之窗, OCT) is in Nanshan."""
    assert district_of(113.9735, 22.5360) == "nanshan"


def test_qiaocheng_east_road_divides_the_districts() -> None:
    """Just east of 侨城东路 is Futian, just west of it is Nanshan."""
    assert district_of(113.9960, 22.5360) == "futian"
    assert district_of(113.9890, 22.5360) == "nanshan"


def test_hong_kong_is_in_neither() -> None:
    """San Tin, across the Shenzhen River in Hong Kong, has no district."""
    assert district_of(114.0700, 22.4950) is None


def test_far_away_and_invalid_points_are_in_neither() -> None:
    """Points far outside the extract, or NaN, have no district."""
    assert district_of(113.0, 23.0) is None
    assert district_of(float("nan"), 22.5) is None


def test_every_drive_graph_node_has_a_district(drive: nx.MultiDiGraph) -> None:
    """The polygons cover every street node of the drive graph."""
    assert all(district_of(d["lon"], d["lat"]) for _, d in drive.nodes(data=True))


def test_geojson_matches_the_district_list() -> None:
    """The shipped GeoJSON has one approximate feature per district, same names."""
    features = districts_geojson()["features"]
    assert [f["properties"]["code"] for f in features] == [d.code for d in DISTRICTS]
    for feature, item in zip(features, DISTRICTS, strict=True):
        assert feature["properties"]["name_zh"] == item.name_zh
        assert feature["properties"]["approximate"] is True


def test_district_lookup_by_code() -> None:
    """district() finds a district by code and raises KeyError for an unknown one."""
    assert district("nanshan").name_zh == "南山区"
    with pytest.raises(KeyError):
        district("luohu")
