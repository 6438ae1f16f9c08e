"""Demand: the street-frontage proxy and uploaded residential compounds."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from geodata import (
    DEFAULT_POPULATION,
    FAR_FROM_STREET,
    OUTSIDE_DISTRICTS,
    RESIDENTIAL_HIGHWAYS,
    Demand,
    DemandFileError,
    DistrictPopulation,
    load_demand,
    parse_demand_csv,
    parse_demand_geojson,
    street_frontage_demand,
)
from tests.geodata.conftest import SHENNAN_CBD, SHENZHEN_BAY

GOOD_CSV = """id,lon,lat,households,name
A,114.0550,22.5420,1200,景田小区
B,114.0300,22.5350,800,
"""


@pytest.fixture(scope="module")
def proxy(walk: nx.MultiDiGraph) -> Demand:
    """The default proxy on the walk graph."""
    return street_frontage_demand(walk)


def test_proxy_matches_district_totals(proxy: Demand) -> None:
    """Each district's households add up exactly to its configured total."""
    by_district = proxy.households_by_district()
    for population in DEFAULT_POPULATION:
        assert by_district[population.district] == population.households


def test_proxy_is_labelled_as_a_proxy(proxy: Demand) -> None:
    """The layer says it is a proxy and carries no flagged points."""
    assert proxy.source == "street_frontage_proxy"
    assert proxy.note.startswith("PROXY")
    assert not proxy.flagged


def test_proxy_spacing_sets_the_number_of_points(walk: nx.MultiDiGraph, proxy: Demand) -> None:
    """Halving the spacing roughly doubles the points; totals stay the same."""
    dense = street_frontage_demand(walk, spacing_m=25)
    assert 1.7 < len(dense) / len(proxy) < 2.3
    assert dense.total_households == proxy.total_households


def test_proxy_totals_are_configurable(walk: nx.MultiDiGraph) -> None:
    """Custom district populations replace the defaults; unlisted districts get no points."""
    only = (DistrictPopulation("futian", 100_000, 2.5, 1.0, "test"),)
    demand = street_frontage_demand(walk, population=only, highways=RESIDENTIAL_HIGHWAYS)
    assert demand.households_by_district() == {"futian": 40_000}


def test_csv_rows_are_read() -> None:
    """Good CSV rows become demand points with households, name and district."""
    demand = parse_demand_csv(GOOD_CSV)
    assert [p.id for p in demand.points] == ["A", "B"]
    assert demand.points[0].households == 1200 and demand.points[0].name == "景田小区"
    assert demand.points[1].name is None
    assert demand.points[0].district == "futian"
    assert demand.source == "uploaded"


def test_csv_errors_are_named_by_line_and_field() -> None:
    """Every bad row is reported with its line and field, all in one error."""
    text = (
        "id,lon,lat,households\n"
        "A,114.05,22.54,100\n"
        ",114.05,22.54,100\n"
        "C,east,22.54,100\n"
        "D,114.05,22.54,12.5\n"
        "E,114.05,95,0\n"
        "A,114.05,22.54,10\n"
        "F,114.05\n"
    )
    with pytest.raises(DemandFileError) as caught:
        parse_demand_csv(text)
    found = {(p.row, p.field) for p in caught.value.problems}
    assert found == {
        (3, "id"),
        (4, "lon"),
        (5, "households"),
        (6, "lat"),
        (6, "households"),
        (7, "id"),
        (8, "row"),
    }
    assert "line 4, lon" in str(caught.value)


def test_csv_without_households_column_is_rejected() -> None:
    """A header missing a required column is reported on line 1."""
    with pytest.raises(DemandFileError) as caught:
        parse_demand_csv("id,lon,lat\nA,114.05,22.54\n")
    (problem,) = caught.value.problems
    assert (problem.row, problem.field) == (1, "header") and "households" in problem.message


def test_points_outside_the_extract_are_flagged_not_dropped(walk: nx.MultiDiGraph) -> None:
    """A compound in Shenzhen Bay is kept, flagged far from any street, and excluded."""
    text = (
        "id,lon,lat,households\n"
        f"cbd,{SHENNAN_CBD[0]},{SHENNAN_CBD[1]},500\n"
        f"bay,{SHENZHEN_BAY[0]},{SHENZHEN_BAY[1]},300\n"
        "hk,114.0700,22.4950,200\n"
    )
    demand = parse_demand_csv(text, graph=walk)
    flags = {p.id: p.flag for p in demand.points}
    assert flags["cbd"] is None and flags["bay"] == FAR_FROM_STREET
    assert flags["hk"] in (FAR_FROM_STREET, OUTSIDE_DISTRICTS)
    assert [p.id for p in demand.usable] == ["cbd"]
    assert demand.total_households == 1000


def test_geojson_is_read_and_errors_name_the_feature() -> None:
    """GeoJSON points are read; bad features are reported by index and field."""
    good = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [114.05, 22.54]},
        "properties": {"id": "g1", "households": 40, "name": "x"},
    }
    line = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": []},
        "properties": {"households": 5},
    }
    no_hh = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [114.0, 22.5]},
        "properties": {},
    }
    demand = parse_demand_geojson({"type": "FeatureCollection", "features": [good]})
    assert demand.points[0].id == "g1" and demand.points[0].households == 40
    with pytest.raises(DemandFileError) as caught:
        parse_demand_geojson(json.dumps({"type": "FeatureCollection", "features": [good, line, no_hh]}))
    assert {(p.kind, p.row, p.field) for p in caught.value.problems} == {
        ("feature", 1, "geometry"),
        ("feature", 2, "households"),
    }


def test_load_demand_picks_the_format_by_suffix(tmp_path: Path) -> None:
    """load_demand reads .csv as CSV and .geojson as GeoJSON."""
    (tmp_path / "d.csv").write_text(GOOD_CSV, encoding="utf-8")
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": 7,
                "geometry": {"type": "Point", "coordinates": [114.05, 22.54]},
                "properties": {"households": 3},
            }
        ],
    }
    (tmp_path / "d.geojson").write_text(json.dumps(collection), encoding="utf-8")
    assert len(load_demand(tmp_path / "d.csv")) == 2
    assert load_demand(tmp_path / "d.geojson").points[0].id == "7"
