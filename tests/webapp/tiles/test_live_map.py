"""The dispatcher's live map data: stop states and the truck's last known position."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from tests.webapp.driver.conftest import make_day
from webapp.driver.completions import parse_completion
from webapp.driver.operations import record_completion
from webapp.models import Role
from webapp.tiles.live import CHINA_TZ


def test_the_plan_page_carries_done_stops_and_the_trucks_last_position(
    app, db, cache_dir, client, auth
) -> None:
    """After driver1 records stop 1 it is collected, and the truck stands where and when it was recorded."""
    day = make_day(db, cache_dir)
    stop = day.stops["driver1"][0]
    at = (datetime.now(CHINA_TZ) - timedelta(minutes=5)).replace(microsecond=0)
    data, problems = parse_completion(
        {
            "id": "live-map-1",
            "stop_id": stop.id,
            "outcome": "collected",
            "recorded_at": at.isoformat(),
            "weights_kg": {"paper": 12.5},
            "position": {"lon": 114.0501, "lat": 22.5402, "accuracy_m": 8},
        }
    )
    assert problems == []
    record_completion(db, day.drivers["driver1"], data, user_id=None)
    auth.login(Role.DISPATCHER)
    page = client.get(f"/dispatch/plans/{day.plan_id}").get_data(as_text=True)
    block = re.search(r'<script type="application/json" class="live-map-data">(.*?)</script>', page, re.S)
    live = json.loads(block.group(1))
    route = day.routes["driver1"].number
    states = {(s["route"], s["position"]): s["status"] for s in live["stops"]}
    assert states[(route, stop.position)] == "collected"
    assert sum(v == "pending" for v in states.values()) == len(states) - 1
    (truck,) = live["trucks"]
    assert (truck["route"], truck["lon"], truck["lat"]) == (route, 114.0501, 22.5402)
    assert at.strftime("%H:%M") in truck["label"]
