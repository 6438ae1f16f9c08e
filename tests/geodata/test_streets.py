"""Street names of the extract: address search and reverse geocoding."""

from __future__ import annotations

import io
import math

import pytest

from geodata.streets import (
    StreetDataError,
    StreetWay,
    address_line,
    build_directory,
    load_streets,
    read_ways,
    reverse_geocode,
    search_places,
)

# Where 彩田路 passes under 深南大道 (no OSM node in common): Futian CBD, east side.
SHENNAN_CAITIAN = (114.0628, 22.5428)
SHENZHEN_BAY = (113.975, 22.500)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians(22.54))
    return math.hypot(dx, (a[1] - b[1]) * 110_574)


def way(name: str, *points: tuple[int, float, float], highway: str = "primary") -> StreetWay:
    return StreetWay(name, None, highway, tuple(points))


def test_partial_chinese_finds_the_street() -> None:
    """ "深南" (two characters, no pinyin) finds 深南大道."""
    labels = [m.label for m in search_places(load_streets(), "深南")]
    assert "深南大道" in labels and all("深南" in label for label in labels)


def test_english_name_is_searched_case_blind() -> None:
    """ "shennan" finds 深南大道 by its name:en, Shennan Boulevard."""
    matches = search_places(load_streets(), "shennan")
    assert any(m.label == "深南大道" and m.label_en == "Shennan Boulevard" for m in matches)


def test_two_partial_names_find_their_crossing_first() -> None:
    """ "深南与彩田" finds the crossing of 深南大道 and 彩田路, at the place it is."""
    first = search_places(load_streets(), "深南与彩田")[0]
    assert (first.kind, first.label, first.district) == ("crossing", "深南大道与彩田路交叉口", "futian")
    assert metres((first.lon, first.lat), SHENNAN_CAITIAN) < 60


def test_a_space_between_chinese_names_asks_for_a_crossing() -> None:
    """ "深南 彩田" is read like "深南与彩田"."""
    assert search_places(load_streets(), "深南 彩田")[0].label == "深南大道与彩田路交叉口"


def test_nothing_matches_an_empty_or_unknown_query() -> None:
    """Blank input and a name not in the extract give no result, not every street."""
    directory = load_streets()
    assert search_places(directory, "  ") == [] and search_places(directory, "不存在的路名") == []


def test_limit_caps_the_results() -> None:
    """At most ``limit`` results come back."""
    assert len(search_places(load_streets(), "路", limit=5)) == 5


def test_reverse_geocode_names_the_crossing_nearest_street_first() -> None:
    """A point on 彩田路 by 深南大道 reads "彩田路与深南大道交叉口附近"."""
    address = reverse_geocode(load_streets(), 114.0629, 22.5426)
    assert address.street == "彩田路" and address.text == "彩田路与深南大道交叉口附近"
    assert address.street_m < 20 and address.crossing_m < 60


def test_reverse_geocode_far_from_any_street_is_empty() -> None:
    """Open water gets no address rather than a street 2 km away."""
    address = reverse_geocode(load_streets(), *SHENZHEN_BAY)
    assert address.street is None and address.text == ""


def test_reverse_geocode_refuses_a_non_finite_point() -> None:
    """NaN is a caller's bug, said so."""
    with pytest.raises(ValueError, match="coordinate"):
        reverse_geocode(load_streets(), math.nan, 22.5)


def test_streets_crossing_without_a_shared_node_still_cross() -> None:
    """An underpass meets the road above it: the crossing is where the lines meet."""
    directory = build_directory(
        [
            way("甲路", (1, 114.000, 22.540), (2, 114.002, 22.540)),
            way("乙路", (3, 114.001, 22.539), (4, 114.001, 22.541)),
        ]
    )
    (crossing,) = directory.crossings
    assert crossing.streets == ("乙路", "甲路")
    assert metres((crossing.lon, crossing.lat), (114.001, 22.540)) < 1


def test_a_side_road_does_not_cross_its_main_road() -> None:
    """甲路辅路 beside 甲路 is the same street for crossings; 乙路 crossing it crosses 甲路."""
    directory = build_directory(
        [
            way("甲路", (1, 114.000, 22.540), (2, 114.002, 22.540)),
            way("甲路辅路", (5, 114.000, 22.5402), (6, 114.002, 22.5398)),
            way("乙路", (3, 114.001, 22.539), (4, 114.001, 22.541)),
        ]
    )
    assert [c.streets for c in directory.crossings] == [("乙路", "甲路")]


def test_expressways_are_found_but_not_used_as_addresses() -> None:
    """A motorway is searchable, yet a point on it is addressed by the street beside it."""
    directory = build_directory(
        [
            way("快速路", (1, 114.000, 22.5400), (2, 114.002, 22.5400), highway="motorway"),
            way("丙路", (3, 114.000, 22.5403), (4, 114.002, 22.5403), highway="residential"),
        ]
    )
    assert search_places(directory, "快速")[0].label == "快速路"
    assert reverse_geocode(directory, 114.001, 22.5400).street == "丙路"


def test_malformed_osm_is_a_street_data_error() -> None:
    """A truncated file says it cannot be read."""
    with pytest.raises(StreetDataError, match="cannot read"):
        read_ways(io.BytesIO(b"<osm><node id='1' lat='22.5' lon='114.0'/><way id='2'>"))


def test_no_named_street_is_a_street_data_error() -> None:
    """A file without street names cannot make a directory."""
    with pytest.raises(StreetDataError, match="no named street"):
        build_directory([])


def test_address_line_names_city_district_and_crossing() -> None:
    """The address an outlet gets: city, district, then the crossing."""
    assert address_line(load_streets(), 114.0629, 22.5426) == "深圳市福田区彩田路与深南大道交叉口附近"
