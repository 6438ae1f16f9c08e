"""Dispatchers reading the outlet registry, its map and the dispatch board (``locust --headless``).

A few people at once, clicking as people do: the registry's first pages, a search,
the due filter, the htmx table swap, the map's GeoJSON for the whole extract and for
typical zoomed views, and the dispatch board of the day. They share the login
cookie in ``RELOOP_STAFF_COOKIE`` (the test logs in once, so no login rate limit is
involved) and the outlets' extent in ``RELOOP_BBOX`` (west,south,east,north).
Every answer must be a 200; the test reads the latencies from ``RELOOP_LOAD_OUT``.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, events, task

WEST, SOUTH, EAST, NORTH = (float(v) for v in os.environ["RELOOP_BBOX"].split(","))
COOKIE = os.environ["RELOOP_STAFF_COOKIE"]
DEPOT = os.environ["RELOOP_DEPOT_ID"]
DAY = os.environ["RELOOP_DAY"]
# A zoomed view of the map on a laptop: about 2.5 km x 1.5 km (zoom 15), padded as the page pads it.
VIEW_W, VIEW_H = 0.024 * 1.6, 0.014 * 1.6
_rng = random.Random(8)
requests: list[tuple[str, int, float, int]] = []  # name, status, milliseconds, bytes


@events.request.add_listener
def _count(
    request_type: str,
    name: str,
    response_time: float,
    response_length: int,
    response: Any = None,
    exception: Any = None,
    **_kw: Any,
) -> None:
    requests.append((name, getattr(response, "status_code", 0) or 0, response_time, response_length or 0))


@events.quitting.add_listener
def _write(environment: Any, **_kw: Any) -> None:
    Path(os.environ["RELOOP_LOAD_OUT"]).write_text(json.dumps({"requests": requests}))


def bbox(west: float, south: float, east: float, north: float) -> str:
    return ",".join(f"{v:.5f}" for v in (west, south, east, north))


class Dispatcher(FastHttpUser):
    """A dispatcher with the registry and the board open."""

    wait_time = between(0.2, 0.8)
    network_timeout = 30.0

    def get(self, path: str, name: str, **headers: str) -> None:
        with self.client.get(
            path,
            name=name,
            headers={"Cookie": COOKIE, **headers},
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    @task(3)
    def registry(self) -> None:
        self.get("/outlets/", "/outlets/ (page 1)")

    @task(1)
    def registry_page(self) -> None:
        self.get(f"/outlets/?page={_rng.randint(2, 190)}", "/outlets/?page=N")

    @task(1)
    def registry_search(self) -> None:
        term = _rng.choice(["路", "回收", "FT-01", "NS-00", "深南", "科技"])
        self.get(f"/outlets/?q={term}", "/outlets/?q=…", **{"HX-Request": "true"})

    @task(1)
    def registry_due(self) -> None:
        self.get("/outlets/?due=1&status=active", "/outlets/?due=1", **{"HX-Request": "true"})

    @task(2)
    def map_whole_extract(self) -> None:
        self.get(
            f"/outlets/geojson?bbox={bbox(WEST - 0.01, SOUTH - 0.01, EAST + 0.01, NORTH + 0.01)}",
            "/outlets/geojson (whole extract)",
        )

    @task(5)
    def map_zoomed(self) -> None:
        west = _rng.uniform(WEST, EAST - VIEW_W)
        south = _rng.uniform(SOUTH, NORTH - VIEW_H)
        self.get(
            f"/outlets/geojson?bbox={bbox(west, south, west + VIEW_W, south + VIEW_H)}",
            "/outlets/geojson (zoomed view)",
        )

    @task(1)
    def map_zoomed_due(self) -> None:
        width, height = 3 * VIEW_W, 3 * VIEW_H
        west = _rng.uniform(WEST, EAST - width)
        south = _rng.uniform(SOUTH, NORTH - height)
        self.get(
            f"/outlets/geojson?due=1&bbox={bbox(west, south, west + width, south + height)}",
            "/outlets/geojson (district, due)",
        )

    @task(2)
    def dispatch_board(self) -> None:
        self.get(f"/dispatch/?day={DAY}&depot={DEPOT}", "/dispatch/ (board of the day)")
