"""GPX export: well-formed GPX 1.1, one route and one track per truck, text kept as text."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # nosec B405 # parses the GPX this test just wrote

from routing import GpxRoute, GpxStop, to_gpx

NS = {"g": "http://www.topografix.com/GPX/1/1"}


def day() -> list[GpxRoute]:
    """Two trucks; the first with two stops and a three-point street line."""
    return [
        GpxRoute(
            "1 粤B12345",
            (
                GpxStop(114.05, 22.54, "FT-0001", "香蜜湖 <亭> & 站 08:30"),
                GpxStop(114.06, 22.55, "FT-0002", "08:50"),
            ),
            ((114.04, 22.53), (114.05, 22.54), (114.06, 22.55)),
            track_name="1",
        ),
        GpxRoute("2 粤B67890", (GpxStop(113.95, 22.52, "NS-0001"),)),
    ]


def test_each_truck_is_a_route_of_its_stops_and_a_track_of_its_streets() -> None:
    """Route points in visiting order with lat/lon to six decimals; the track follows the line."""
    root = ET.fromstring(to_gpx("plan 7 2026-11-24", day()))  # nosec B314 # our own output
    routes = root.findall("g:rte", NS)
    assert [r.find("g:name", NS).text for r in routes] == ["1 粤B12345", "2 粤B67890"]
    points = routes[0].findall("g:rtept", NS)
    assert [(p.get("lat"), p.get("lon")) for p in points] == [
        ("22.540000", "114.050000"),
        ("22.550000", "114.060000"),
    ]
    assert [p.find("g:name", NS).text for p in points] == ["FT-0001", "FT-0002"]
    track = root.findall("g:trk", NS)[0]
    assert track.find("g:name", NS).text == "1"
    assert len(track.findall("g:trkseg/g:trkpt", NS)) == 3


def test_markup_in_names_stays_text() -> None:
    """ "<", ">" and "&" in a description come back as the same characters, not as elements."""
    root = ET.fromstring(to_gpx("plan", day()))  # nosec B314 # our own output
    desc = root.find("g:rte/g:rtept/g:desc", NS)
    assert desc.text == "香蜜湖 <亭> & 站 08:30" and len(desc) == 0


def test_control_characters_do_not_break_the_file() -> None:
    """A name with a control character (not writable in XML 1.0) still gives a readable file."""
    routes = [GpxRoute("1\x01", (GpxStop(114.0, 22.5, "A\x0bB"),))]
    root = ET.fromstring(to_gpx("plan\x00", routes))  # nosec B314 # our own output
    assert root.find("g:rte/g:rtept/g:name", NS).text == "AB"
    assert root.find("g:metadata/g:name", NS).text == "plan"
