"""WGS-84 <-> GCJ-02 <-> BD-09 against published conversions, and the inverses both ways."""

from __future__ import annotations

import math

import pytest

from geodata import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# Amap's own coordinate-convert service (coordsys=gps), as quoted in its documentation
# and in many clients: 116.481499,39.990475 -> 116.487585177952,39.991754014757.
AMAP_PAIRS = [
    ((116.481499, 39.990475), (116.487585177952, 39.991754014757)),
    ((116.481499, 39.990375), (116.487585177952, 39.991653917101)),
    # Shenzhen (Futian/Longhua), same service.
    ((114.07, 22.62), (114.07513075, 22.61731092)),
]
# Shenzhen's land area with a margin: Bao'an in the west to Dapeng in the east.
SHENZHEN_GRID = [(113.75 + 0.85 * i / 24, 22.40 + 0.48 * j / 24) for i in range(25) for j in range(25)]


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Ground distance between two nearby (lon, lat) points, equirectangular."""
    k = 6_371_000 * math.pi / 180
    return math.hypot((a[0] - b[0]) * k * math.cos(math.radians(a[1])), (a[1] - b[1]) * k)


@pytest.mark.parametrize("wgs,gcj", AMAP_PAIRS)
def test_wgs84_to_gcj02_matches_amaps_service(wgs, gcj) -> None:
    """Within 2e-6 degrees (about 20 cm) of what Amap's converter answers."""
    lon, lat = wgs84_to_gcj02(*wgs)
    assert abs(lon - gcj[0]) < 2e-6 and abs(lat - gcj[1]) < 2e-6


@pytest.mark.parametrize("wgs,gcj", AMAP_PAIRS)
def test_gcj02_to_wgs84_undoes_amaps_service_within_half_a_metre(wgs, gcj) -> None:
    """Amap's converted point brought back lands within 0.5 m of the GPS point it came from."""
    assert metres(gcj02_to_wgs84(*gcj), wgs) < 0.5


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
    """GCJ-02 applies only in mainland China; elsewhere the map apps use WGS-84, both ways."""
    assert wgs84_to_gcj02(2.3522, 48.8566) == (2.3522, 48.8566)
    assert wgs84_to_bd09(-0.1276, 51.5072) == (-0.1276, 51.5072)
    assert gcj02_to_wgs84(2.3522, 48.8566) == (2.3522, 48.8566)
    assert bd09_to_wgs84(-0.1276, 51.5072) == (-0.1276, 51.5072)


def test_gcj02_round_trips_over_shenzhen_within_half_a_metre() -> None:
    """WGS-84 -> GCJ-02 -> WGS-84 and GCJ-02 -> WGS-84 -> GCJ-02 miss by < 0.5 m anywhere on the grid."""
    worst = max(
        max(metres(gcj02_to_wgs84(*wgs84_to_gcj02(*p)), p), metres(wgs84_to_gcj02(*gcj02_to_wgs84(*p)), p))
        for p in SHENZHEN_GRID
    )
    assert worst < 0.5


def test_bd09_round_trips_over_shenzhen_within_half_a_metre() -> None:
    """WGS-84 -> BD-09 -> WGS-84 and BD-09 -> WGS-84 -> BD-09 miss by < 0.5 m anywhere on the grid."""
    worst = max(
        max(metres(bd09_to_wgs84(*wgs84_to_bd09(*p)), p), metres(wgs84_to_bd09(*bd09_to_wgs84(*p)), p))
        for p in SHENZHEN_GRID
    )
    assert worst < 0.5


def test_bd09_to_gcj02_undoes_the_baidu_step() -> None:
    """BD-09 -> GCJ-02 inverts GCJ-02 -> BD-09 to well under a centimetre in Futian."""
    gcj = (114.0603, 22.5382)
    assert metres(bd09_to_gcj02(*gcj02_to_bd09(*gcj)), gcj) < 0.01


def test_inverse_moves_points_the_opposite_way() -> None:
    """Baidu's pin for a GPS point lies north-east of it, so converting back moves south-west."""
    lon, lat = bd09_to_wgs84(114.0552, 22.5410)
    assert lon < 114.0552 - 0.01 and lat < 22.5410 - 0.002
