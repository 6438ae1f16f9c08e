"""Links that start turn-by-turn navigation to a stop in the phone's map app.

Each app gets a route intent (from where the phone is to the stop, by car), not a
marker, and the stop in the datum that app draws its streets in: Amap and Apple Maps
in mainland China use GCJ-02, Baidu BD-09 (told so by ``coord_type=bd09ll``). Google's
street map of mainland China is drawn in GCJ-02 too: a WGS-84 destination would route to
a point some 500 m off in Shenzhen, so it gets GCJ-02 as well. Outside mainland China
every datum is WGS-84 and nothing is shifted.

These are links the phone follows, not resources a page loads: a page works without
them offline, and the map app brings its own data.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from geodata.coords import wgs84_to_bd09, wgs84_to_gcj02

__all__ = ["AMAP_SRC", "BAIDU_SRC", "NavLink", "nav_links"]

# Baidu asks callers to name themselves as platform.company.app.
BAIDU_SRC = "webapp.reloop.driver"
AMAP_SRC = "reloop"


@dataclass(frozen=True)
class NavLink:
    """One map app: its key, the link to open, a web page if the app is missing, and the
    app's own Android / iOS intents where it has them."""

    app: str
    href: str
    web: str | None = None
    android: str | None = None
    ios: str | None = None


def nav_links(lon: float, lat: float, name: str) -> list[NavLink]:
    """Navigation to (``lon``, ``lat``) in WGS-84 (OpenStreetMap), named ``name``.

    Amap and Baidu first (what Shenzhen drivers use), then Apple and Google.
    """
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    b_lon, b_lat = wgs84_to_bd09(lon, lat)
    name = _label(name)
    return [
        _amap(g_lon, g_lat, name),
        _baidu(b_lon, b_lat, name),
        NavLink(
            "apple",
            "https://maps.apple.com/?" + urlencode({"daddr": f"{g_lat:.6f},{g_lon:.6f}", "dirflg": "d"}),
        ),
        NavLink(
            "google",
            "https://www.google.com/maps/dir/?"
            + urlencode({"api": 1, "destination": f"{g_lat:.6f},{g_lon:.6f}", "travelmode": "driving"}),
        ),
    ]


def _label(name: str) -> str:
    # "|" separates Baidu's name from its coordinates and "," Amap's: a name carrying
    # them would move the destination, so they become their full-width look-alikes.
    return name.replace("|", "｜").replace(",", "，").strip() or "-"


def _amap(lon: float, lat: float, name: str) -> NavLink:
    # uri.amap.com opens the app when it is installed (callnative) and Amap's web page
    # otherwise; with no ``from`` the route starts where the phone is. dev=0 tells the
    # apps the point is GCJ-02 already; t=0 / style=2 ask for driving.
    universal = "https://uri.amap.com/navigation?" + urlencode(
        {
            "to": f"{lon:.6f},{lat:.6f},{name}",
            "mode": "car",
            "src": AMAP_SRC,
            "coordinate": "gaode",
            "callnative": 1,
        }
    )
    android = "androidamap://navi?" + urlencode(
        {
            "sourceApplication": AMAP_SRC,
            "poiname": name,
            "lat": f"{lat:.6f}",
            "lon": f"{lon:.6f}",
            "dev": 0,
            "style": 2,
        }
    )
    ios = "iosamap://path?" + urlencode(
        {
            "sourceApplication": AMAP_SRC,
            "dlat": f"{lat:.6f}",
            "dlon": f"{lon:.6f}",
            "dname": name,
            "dev": 0,
            "t": 0,
        }
    )
    return NavLink("amap", universal, universal, android, ios)


def _baidu(lon: float, lat: float, name: str) -> NavLink:
    # With no ``origin`` the app starts from the phone's position. Baidu's web page cannot
    # locate the phone, so the browser fallback shows the stop on Baidu's map instead.
    location = f"{lat:.6f},{lon:.6f}"
    app = "baidumap://map/direction?" + urlencode(
        {
            "destination": f"name:{name}|latlng:{location}",
            "coord_type": "bd09ll",
            "mode": "driving",
            "src": BAIDU_SRC,
        }
    )
    web = "https://api.map.baidu.com/marker?" + urlencode(
        {
            "location": location,
            "title": name,
            "content": name,
            "coord_type": "bd09ll",
            "output": "html",
            "src": BAIDU_SRC,
        }
    )
    return NavLink("baidu", app, web, app, app)
