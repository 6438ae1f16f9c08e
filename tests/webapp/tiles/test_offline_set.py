"""The route area a phone keeps for use without signal: tiles over a box and the glyphs of their names."""

from __future__ import annotations

import mapbox_vector_tile
import pytest

from webapp.models import Role
from webapp.tiles import offline
from webapp.tiles.views import tile_set

FUTIAN = "114.045,22.535,114.065,22.545"


def test_the_set_covers_the_box_at_each_zoom_and_names_every_glyph_range(app, client, auth) -> None:
    """Every zoom from 11 to 16 is covered whole, and each name in those tiles has its glyph range listed."""
    auth.login(Role.DRIVER)
    found = client.get(f"/tiles/offline.json?bbox={FUTIAN}").get_json()
    tiles = [tuple(int(p) for p in url.removesuffix(".pbf").split("/")[-3:]) for url in found["tiles"]]
    assert {z for z, _x, _y in tiles} == set(offline.ZOOMS)
    assert tiles == offline.tiles_covering(114.045, 22.535, 114.065, 22.545)
    starts = {int(url.rsplit("/", 1)[1].split("-")[0]) for url in found["glyphs"]}
    with app.app_context():
        bodies = [tile_set().tile(z, x, y) for z, x, y in tiles]
    for body in bodies:
        for layer in (mapbox_vector_tile.decode(body) if body else {}).values():
            for feature in layer["features"]:
                name = feature["properties"].get("name", "")
                assert {ord(ch) // 256 * 256 for ch in name} <= starts, name
    assert ord("深") // 256 * 256 in starts


def test_a_big_box_is_cut_to_the_tile_bound_dropping_the_deepest_zooms() -> None:
    """A whole-city box keeps at most MAX_TILES, the lowest zooms complete."""
    tiles = offline.tiles_covering(113.8, 22.4, 114.4, 22.8)
    zooms = sorted({z for z, _x, _y in tiles})
    assert len(tiles) <= offline.MAX_TILES and zooms[0] == 11 and zooms[-1] < 16


@pytest.mark.parametrize("bbox", ["", "1,2,3", "a,b,c,d", "114.1,22.5,114.0,22.6", "nan,1,2,3", "0,-90,1,90"])
def test_a_bad_box_is_a_400_naming_bbox(client, auth, bbox) -> None:
    """Not four numbers, west not before east, or beyond the Mercator grid: 400 naming bbox."""
    auth.login(Role.DRIVER)
    response = client.get(f"/tiles/offline.json?bbox={bbox}")
    assert response.status_code == 400 and "bbox" in response.get_data(as_text=True)


def test_a_chinese_name_also_needs_the_upright_forms_of_its_punctuation() -> None:
    """MapLibre sets a CJK name along a steep road vertically and draws "（" as "︵" (U+FE35),
    "－" as "︲": those glyphs are kept too. A Latin-only name is never set vertically."""
    chars = offline.label_chars(["青山公路－米埔段", "Castle Peak Road (Mai Po)"])
    assert {"︲", "︵", "︶"} <= chars and {"－", "(", ")"} <= chars
    assert offline.label_chars(["Castle Peak Road (Mai Po)"]) == set("Castle Peak Road (Mai Po)")


def test_the_route_area_of_a_border_road_keeps_the_vertical_forms_range(app) -> None:
    """Over the border's 青山公路－米埔段 (the extract's edge) the set keeps U+FE00–FEFF, where
    the driver's phone once missed a range offline (65024-65279.pbf)."""
    with app.app_context():
        tiles = tile_set()
        kept = offline.tiles_covering(114.01850, 22.50808, 114.05876, 22.52942)
        starts = offline.glyph_ranges(tiles, kept)
    assert 0xFE00 in starts and ord("︲") // 256 * 256 == 0xFE00
