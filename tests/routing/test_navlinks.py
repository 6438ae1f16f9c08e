"""Navigation links: a route intent per map app, with the stop in that app's datum."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from geodata import wgs84_to_bd09, wgs84_to_gcj02
from routing import nav_links

FUTIAN = (114.0552, 22.5410)
NAME = "福田回收亭 #1"


def links() -> dict[str, object]:
    """The links for a Futian kiosk, by app."""
    return {link.app: link for link in nav_links(*FUTIAN, NAME)}


def query(url: str) -> dict[str, list[str]]:
    """The link's query parameters."""
    return parse_qs(urlsplit(url).query)


def test_amap_and_baidu_come_first_then_apple_and_google() -> None:
    """The order Shenzhen drivers reach for."""
    assert [link.app for link in nav_links(*FUTIAN, NAME)] == ["amap", "baidu", "apple", "google"]


def test_amap_starts_driving_navigation_to_the_gcj02_point() -> None:
    """uri.amap.com/navigation by car, destination lon,lat,name in GCJ-02, opening the app."""
    link = links()["amap"]
    g_lon, g_lat = wgs84_to_gcj02(*FUTIAN)
    assert link.href.startswith("https://uri.amap.com/navigation?")
    params = query(link.href)
    assert params["to"] == [f"{g_lon:.6f},{g_lat:.6f},{NAME}"]
    assert params["mode"] == ["car"] and params["coordinate"] == ["gaode"] and params["callnative"] == ["1"]
    assert "from" not in params


def test_amap_native_intents_navigate_in_gcj02() -> None:
    """androidamap://navi and iosamap://path carry the GCJ-02 point with dev=0 (no further shift)."""
    link = links()["amap"]
    g_lon, g_lat = wgs84_to_gcj02(*FUTIAN)
    android, ios = query(link.android), query(link.ios)
    assert link.android.startswith("androidamap://navi?") and link.ios.startswith("iosamap://path?")
    assert (
        android["lat"] == [f"{g_lat:.6f}"] and android["lon"] == [f"{g_lon:.6f}"] and android["dev"] == ["0"]
    )
    assert ios["dlat"] == [f"{g_lat:.6f}"] and ios["dlon"] == [f"{g_lon:.6f}"] and ios["t"] == ["0"]


def test_baidu_starts_driving_directions_to_the_bd09_point() -> None:
    """baidumap://map/direction with destination name|latlng in BD-09 and coord_type=bd09ll."""
    link = links()["baidu"]
    b_lon, b_lat = wgs84_to_bd09(*FUTIAN)
    assert link.href.startswith("baidumap://map/direction?")
    params = query(link.href)
    assert params["destination"] == [f"name:{NAME}|latlng:{b_lat:.6f},{b_lon:.6f}"]
    assert params["coord_type"] == ["bd09ll"] and params["mode"] == ["driving"] and "origin" not in params


def test_baidu_in_the_browser_shows_the_same_bd09_point() -> None:
    """The web fallback marks the stop on Baidu's web map at the same BD-09 location."""
    link = links()["baidu"]
    b_lon, b_lat = wgs84_to_bd09(*FUTIAN)
    web = query(link.web)
    assert web["location"] == [f"{b_lat:.6f},{b_lon:.6f}"] and web["output"] == ["html"]
    assert web["coord_type"] == ["bd09ll"]


def test_apple_gets_driving_directions_to_the_gcj02_point() -> None:
    """maps.apple.com ?daddr=lat,lon&dirflg=d: Apple Maps in China draws GCJ-02."""
    link = links()["apple"]
    g_lon, g_lat = wgs84_to_gcj02(*FUTIAN)
    params = query(link.href)
    assert link.href.startswith("https://maps.apple.com/?")
    assert params["daddr"] == [f"{g_lat:.6f},{g_lon:.6f}"] and params["dirflg"] == ["d"]


def test_google_gets_a_driving_route_to_the_street_map_point() -> None:
    """google.com/maps/dir/?api=1 with destination and travelmode=driving, in the GCJ-02 of its China map."""
    link = links()["google"]
    g_lon, g_lat = wgs84_to_gcj02(*FUTIAN)
    params = query(link.href)
    assert link.href.startswith("https://www.google.com/maps/dir/?")
    assert params["api"] == ["1"] and params["travelmode"] == ["driving"]
    assert params["destination"] == [f"{g_lat:.6f},{g_lon:.6f}"]


def test_outside_china_every_app_gets_the_gps_point() -> None:
    """Outside mainland China (Paris) nothing is shifted for any app."""
    paris = {link.app: link for link in nav_links(2.3522, 48.8566, "Paris")}
    assert query(paris["google"].href)["destination"] == ["48.856600,2.352200"]
    assert query(paris["amap"].href)["to"] == ["2.352200,48.856600,Paris"]
    assert query(paris["baidu"].href)["destination"] == ["name:Paris|latlng:48.856600,2.352200"]


def test_separators_in_a_name_cannot_move_the_destination() -> None:
    """A name with "|" or "," keeps Baidu's and Amap's coordinates where they belong."""
    named = {link.app: link for link in nav_links(*FUTIAN, "A|latlng:0,0")}
    b_lon, b_lat = wgs84_to_bd09(*FUTIAN)
    destination = query(named["baidu"].href)["destination"][0]
    assert destination.split("|")[-1] == f"latlng:{b_lat:.6f},{b_lon:.6f}" and destination.count("|") == 1
    assert len(query(named["amap"].href)["to"][0].split(",")) == 3
