"""The planned-vs-driven page counts driven kilometres along the streets (issue 16): fixes on
a known street path give that path's length, fixes off the network are counted straight and
the page says so."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import networkx as nx
import numpy as np

import geodata
from geodata._edges import lonlat_to_metres
from tests.webapp.conftest import PASSWORD
from tests.webapp.driver.conftest import device_token

START = datetime.now(UTC) - timedelta(hours=3)


def _known_path(cache_dir) -> tuple[list[tuple[float, float]], float]:
    """Every third crossing of a street path of a few km, and the path's length by networkx."""
    drive = geodata.load_network(mode="drive", cache_dir=cache_dir)
    plain = nx.Graph()
    for u, v, length in drive.edges(data="length"):
        if not plain.has_edge(u, v) or plain[u][v]["length"] > length:
            plain.add_edge(u, v, length=length)
    nodes = list(drive.nodes)
    path = nx.shortest_path(plain, nodes[10], nodes[3000], weight="length")
    crossings = path[::3] + ([path[-1]] if (len(path) - 1) % 3 else [])
    fixes = [(drive.nodes[n]["lon"], drive.nodes[n]["lat"]) for n in crossings]
    return fixes, nx.path_weight(plain, path, weight="length")


def _straight_km(fixes: list[tuple[float, float]]) -> float:
    x, y = lonlat_to_metres(np.array([f[0] for f in fixes]), np.array([f[1] for f in fixes]))
    return float(np.hypot(np.diff(x), np.diff(y)).sum()) / 1000


def _post(client, token: str, route_id: int, fixes: list[tuple[float, float]], step_s: int = 60) -> None:
    points = [
        {
            "id": uuid.uuid4().hex,
            "route_id": route_id,
            "recorded_at": (START + timedelta(seconds=step_s * i)).isoformat(),
            "lon": lon,
            "lat": lat,
            "accuracy_m": 8.0,
        }
        for i, (lon, lat) in enumerate(fixes)
    ]
    response = client.post(
        "/api/v1/driver/positions", json={"points": points}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.get_data(as_text=True)[:300]


def _driven_page(app, route_id: int) -> str:
    staff = app.test_client()
    staff.post("/login", data={"username": "dispatcher", "password": PASSWORD})
    page = staff.get(f"/dispatch/routes/{route_id}/driven", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _km_shown(html: str) -> float:
    return float(html.split('id="driven-km">', 1)[1].split(" km", 1)[0])


def test_fixes_along_known_streets_show_the_road_distance_not_the_straight_sum(
    app, client, day, cache_dir
) -> None:
    """Fixes at every third crossing of a street path: the page shows its km, above the straight sum."""
    fixes, road_m = _known_path(cache_dir)
    _post(client, device_token(client, "driver1"), day.routes["driver1"].id, fixes)
    html = _driven_page(app, day.routes["driver1"].id)
    assert _km_shown(html) == round(road_m / 1000, 1)
    assert _km_shown(html) > round(_straight_km(fixes), 1)
    assert 'id="straight-legs"' not in html


def test_a_fix_off_the_network_is_counted_straight_and_the_page_says_so(app, client, day, cache_dir) -> None:
    """A fix kilometres from any street: its two legs are straight lines, and the page names them."""
    fixes, _ = _known_path(cache_dir)
    start, end = fixes[0], fixes[1]
    off = (start[0] - 0.2, start[1] + 0.2)  # some 30 km north-west, beyond the extract's streets
    # An hour apart, so the far fix is a plausible drive and not flagged as a GPS jump.
    _post(client, device_token(client, "driver1"), day.routes["driver1"].id, [start, off, end], step_s=3600)
    html = _driven_page(app, day.routes["driver1"].id)
    note = html.split('id="straight-legs">', 1)[1].split("</span>", 1)[0]
    assert "2" in note and "50" in note
    assert _km_shown(html) == round(_straight_km([start, off, end]), 1)
