"""WGS-84 -> GCJ-02 -> BD-09 against published conversions, and the map-app links built on them."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from webapp.driver.navlinks import nav_links
from webapp.geo_cn import gcj02_to_bd09, wgs84_to_bd09, wgs84_to_gcj02

# Amap's own coordinate-convert service (coordsys=gps), as quoted in its documentation
# and in many clients: 116.481499,39.990475 -> 116.487585177952,39.991754014757.
AMAP_PAIRS = [
    ((116.481499, 39.990475), (116.487585177952, 39.991754014757)),
    ((116.481499, 39.990375), (116.487585177952, 39.991653917101)),
    # Shenzhen (Futian/Longhua), same service.
    ((114.07, 22.62), (114.07513075, 22.61731092)),
]


@pytest.mark.parametrize("wgs,gcj", AMAP_PAIRS)
def test_wgs84_to_gcj02_matches_amaps_service(wgs, gcj) -> None:
    """Within 2e-6 degrees (about 20 cm) of what Amap's converter answers."""
    lon, lat = wgs84_to_gcj02(*wgs)
    assert abs(lon - gcj[0]) < 2e-6 and abs(lat - gcj[1]) < 2e-6


def test_wgs84_to_gcj02_matches_the_coordtransform_reference() -> None:
    """The widely used reference implementation's published example, to 1e-9."""
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert lon == pytest.approx(116.41024449916938, abs=1e-9)
    assert lat == pytest.approx(39.91640428150164, abs=1e-9)


def test_gcj02_to_bd09_matches_the_coordtransform_reference() -> None:
    """GCJ-02 -> BD-09 published example, to 1e-9."""
    lon, lat = gcj02_to_bd09(116.404, 39.915)
    assert lon == pytest.approx(116.41036949371029, abs=1e-9)
    assert lat == pytest.approx(39.92133699351021, abs=1e-9)


def test_shenzhen_shifts_are_hundreds_of_metres_as_expected() -> None:
    """In Futian the GCJ-02 shift is about 0.005° east and 0.0027° south; BD-09 adds about 0.0065/0.006."""
    g_lon, g_lat = wgs84_to_gcj02(114.0552, 22.5410)
    b_lon, b_lat = wgs84_to_bd09(114.0552, 22.5410)
    assert 0.004 < g_lon - 114.0552 < 0.006 and -0.0035 < g_lat - 22.5410 < -0.002
    assert 0.006 < b_lon - g_lon < 0.0075 and 0.005 < b_lat - g_lat < 0.0075


def test_outside_china_nothing_is_shifted() -> None:
    """GCJ-02 applies only in mainland China; elsewhere the map apps use WGS-84."""
    assert wgs84_to_gcj02(2.3522, 48.8566) == (2.3522, 48.8566)
    assert wgs84_to_bd09(-0.1276, 51.5072) == (-0.1276, 51.5072)


def test_navigation_links_carry_each_apps_datum() -> None:
    """Amap and Apple get GCJ-02, Baidu BD-09 with coord_type=bd09ll, in each app's lon/lat order."""
    lon, lat = 114.0552, 22.5410
    links = {link.app: link for link in nav_links(lon, lat, "福田回收亭 #1")}
    assert list(links) == ["amap", "baidu", "apple", "google"]
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    b_lon, b_lat = wgs84_to_bd09(lon, lat)
    amap = parse_qs(urlsplit(links["amap"].href).query)
    assert links["amap"].href.startswith("https://uri.amap.com/marker?")
    assert amap["position"] == [f"{g_lon:.6f},{g_lat:.6f}"] and amap["coordinate"] == ["gaode"]
    assert amap["name"] == ["福田回收亭 #1"]
    baidu = parse_qs(urlsplit(links["baidu"].href).query)
    assert links["baidu"].href.startswith("baidumap://map/marker?")
    assert baidu["location"] == [f"{b_lat:.6f},{b_lon:.6f}"] and baidu["coord_type"] == ["bd09ll"]
    web = parse_qs(urlsplit(links["baidu"].web).query)
    assert web["output"] == ["html"] and web["location"] == baidu["location"]
    assert parse_qs(urlsplit(links["apple"].href).query)["ll"] == [f"{g_lat:.6f},{g_lon:.6f}"]
    assert links["google"].href.startswith("https://www.google.com/maps/search/?api=1&query=")
