"""Coverage shares within walking radii, and the largest uncovered clusters."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from geodata import coverage_report, parse_demand_csv, street_frontage_demand
from geodata.demand import Demand, DemandPoint
from tests.geodata.toy import lonlat, street_graph

# A 2 km street along x; homes at 100 m, 400 m, 1,500 m and 1,600 m; one outlet at 0.
STREET = street_graph({1: (0.0, 0.0), 2: (2000.0, 0.0)}, [(1, 2)])


def _homes(*flagged: int) -> Demand:
    at = lonlat([(100, 0), (400, 0), (1500, 0), (1600, 0)])
    points = tuple(
        DemandPoint(
            f"h{i}",
            float(lon),
            float(lat),
            hh,
            "futian",
            flag="far_from_street" if i in flagged else None,
        )
        for i, ((lon, lat), hh) in enumerate(zip(at, [10, 20, 30, 40], strict=True))
    )
    return Demand(points=points, source="uploaded", note="test")


def test_shares_within_each_radius() -> None:
    """10 of 100 households are within 300 m and 30 within 500 m of the outlet."""
    report = coverage_report(STREET, _homes(), lonlat([(0, 0)]), radii_m=(300, 500))
    overall = report.overall()
    assert overall.households == 100
    assert overall.share(300) == pytest.approx(0.10) and overall.share(500) == pytest.approx(0.30)
    futian = next(s for s in report.shares if s.scope == "futian")
    assert futian.within == overall.within


def test_flagged_demand_counts_as_not_covered() -> None:
    """A flagged home next to the outlet counts in the total but not as covered."""
    report = coverage_report(STREET, _homes(0), lonlat([(0, 0)]), radii_m=(300, 500))
    assert report.overall().share(500) == pytest.approx(0.20)
    assert report.unplaced_households == 10


def test_uncovered_clusters_are_ranked_by_households() -> None:
    """The two far homes form one cluster of 70 households, centred between them."""
    report = coverage_report(STREET, _homes(), lonlat([(0, 0)]), cluster_gap_m=150)
    (cluster,) = report.clusters
    assert cluster.households == 70 and cluster.points == 2
    expected = lonlat([(1500 + 40 / 70 * 100, 0)])[0]
    assert (cluster.lon, cluster.lat) == pytest.approx(tuple(expected), abs=1e-6)
    assert set(cluster.demand_ids) == {"h2", "h3"}


def test_report_serialises() -> None:
    """to_dict carries shares per scope and the clusters."""
    data = coverage_report(STREET, _homes(), lonlat([(0, 0)])).to_dict()
    assert data["shares"][-1]["scope"] == "all"
    assert data["shares"][-1]["within"] == {"300": 10, "500": 30}
    assert data["clusters"][0]["households"] == 70


def test_real_network_coverage_grows_with_radius(walk: nx.MultiDiGraph) -> None:
    """On the bundled network, more households are within 500 m than 300 m of 40 outlets."""
    demand = street_frontage_demand(walk, spacing_m=100)
    outlets = demand.lonlat()[:: max(1, len(demand) // 40)]
    report = coverage_report(walk, demand, outlets, top=5)
    overall = report.overall()
    assert 0 < overall.share(300) < overall.share(500) < 1
    assert len(report.clusters) == 5
    households = [c.households for c in report.clusters]
    assert households == sorted(households, reverse=True)
    assert {s.scope for s in report.shares} == {"futian", "nanshan", "all"}
    assert np.isclose(sum(s.households for s in report.shares[:2]), overall.households)


def test_uploaded_compounds_can_be_measured(walk: nx.MultiDiGraph) -> None:
    """Compounds from a CSV are measured like the proxy."""
    demand = parse_demand_csv("id,lon,lat,households\nA,114.0550,22.5420,100\n", graph=walk)
    report = coverage_report(walk, demand, [[114.0552, 22.5421]])
    assert report.overall().share(300) == 1.0
