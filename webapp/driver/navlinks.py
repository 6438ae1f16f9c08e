"""Links that open the phone's map app at a stop, each in the datum that app expects.

These are links the phone follows, not resources the page loads: the app works
without them offline, and the map app brings its own data.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from webapp.geo_cn import wgs84_to_bd09, wgs84_to_gcj02

# Baidu asks callers to name themselves as platform.company.app.
BAIDU_SRC = "webapp.reloop.driver"
AMAP_SRC = "reloop"


@dataclass(frozen=True)
class NavLink:
    """One map app: its key, the link to open, and a web page if the app is missing."""

    app: str
    href: str
    web: str | None = None


def nav_links(lon: float, lat: float, name: str) -> list[NavLink]:
    """Amap and Baidu first (what Shenzhen drivers use), then Apple and Google.

    ``lon``/``lat`` are WGS-84 (OpenStreetMap). Amap and Apple Maps in mainland China
    place pins in GCJ-02, Baidu in BD-09 (told so by ``coord_type=bd09ll``). Google's
    street map of mainland China is drawn in GCJ-02 too, so its pin gets GCJ-02.
    """
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    b_lon, b_lat = wgs84_to_bd09(lon, lat)
    gcj = f"{g_lat:.6f},{g_lon:.6f}"
    bd = f"{b_lat:.6f},{b_lon:.6f}"
    amap = "https://uri.amap.com/marker?" + urlencode(
        {
            "position": f"{g_lon:.6f},{g_lat:.6f}",
            "name": name,
            "src": AMAP_SRC,
            "coordinate": "gaode",
            "callnative": 1,
        }
    )
    baidu_app = "baidumap://map/marker?" + urlencode(
        {"location": bd, "title": name, "content": name, "coord_type": "bd09ll", "src": BAIDU_SRC}
    )
    baidu_web = "https://api.map.baidu.com/marker?" + urlencode(
        {
            "location": bd,
            "title": name,
            "content": name,
            "coord_type": "bd09ll",
            "output": "html",
            "src": BAIDU_SRC,
        }
    )
    apple = "https://maps.apple.com/?" + urlencode({"ll": gcj, "q": name})
    google = "https://www.google.com/maps/search/?" + urlencode({"api": 1, "query": gcj})
    return [
        NavLink("amap", amap),
        NavLink("baidu", baidu_app, baidu_web),
        NavLink("apple", apple),
        NavLink("google", google),
    ]
