"""The base-map endpoints: tiles, style and glyphs, as the browser asks for them."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest

from webapp.models import Role
from webapp.tiles.views import tile_set


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    rad = math.radians(lat)
    y = (1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


@pytest.fixture
def staff(client, auth):
    auth.login(Role.DISPATCHER)
    return client


def test_a_tile_is_a_valid_vector_tile_with_named_roads(staff) -> None:
    """GET /tiles/15/x/y.pbf over Futian decodes as MVT with named roads and districts."""
    x, y = tile_of(114.055, 22.540, 15)
    response = staff.get(f"/tiles/15/{x}/{y}.pbf")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(response.data)
    assert "深南大道" in {f["properties"].get("name") for f in decoded["roads"]["features"]}
    assert decoded["districts"]["features"]


def test_a_tile_outside_the_extract_is_empty_not_an_error(staff) -> None:
    """A tile over Beijing answers 200 with an empty body (an MVT without layers)."""
    x, y = tile_of(116.4, 39.9, 13)
    response = staff.get(f"/tiles/13/{x}/{y}.pbf")
    assert response.status_code == 200 and response.data == b""


@pytest.mark.parametrize(
    "path",
    ["/tiles/17/0/0.pbf", "/tiles/-1/0/0.pbf", "/tiles/3/8/1.pbf", "/tiles/3/1/-2.pbf", "/tiles/a/b/c.pbf"],
)
def test_a_tile_off_the_grid_is_404(staff, path) -> None:
    """Zoom beyond the cut range, x/y off the grid or not numbers: 404, never 500."""
    assert staff.get(path).status_code == 404


def test_tiles_are_cached_on_disk_and_revalidated_by_etag(staff, app) -> None:
    """The first request writes the tile under the data key; a repeat with its ETag gets 304."""
    x, y = tile_of(114.03, 22.53, 14)
    first = staff.get(f"/tiles/14/{x}/{y}.pbf")
    with app.app_context():
        cached = tile_set().cache_root / "14" / str(x) / f"{y}.mvt"
    assert cached.read_bytes() == first.data
    again = staff.get(f"/tiles/14/{x}/{y}.pbf", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_tiles_need_a_login(client) -> None:
    """Without a session the tiles are not served."""
    assert client.get("/tiles/14/13381/7138.pbf").status_code in (302, 401, 403)


def test_the_style_points_at_the_apps_tiles_and_glyphs(staff) -> None:
    """The style JSON names this server's tile and glyph URLs and labels roads in Chinese first."""
    style = staff.get("/tiles/style.json").get_json()
    assert style["version"] == 8
    assert style["sources"]["reloop"]["tiles"][0].endswith("/tiles/{z}/{x}/{y}.pbf")
    assert style["glyphs"].endswith("/tiles/fonts/{fontstack}/{range}.pbf")
    label = next(layer for layer in style["layers"] if layer["id"] == "road-label")
    assert "OpenStreetMap" in style["sources"]["reloop"]["attribution"]
    assert label["layout"]["text-field"][2] == ["coalesce", ["get", "name"], ["get", "name_en"]]


def test_a_glyph_range_holds_the_chinese_characters_of_street_names(staff) -> None:
    """The range of 深 (U+6DF1) is a glyphs PBF that carries the font name and that character."""
    response = staff.get("/tiles/fonts/WenQuanYi Micro Hei/27904-28159.pbf")
    assert response.status_code == 200 and response.mimetype == "application/x-protobuf"
    assert b"WenQuanYi Micro Hei" in response.data and b"27904-28159" in response.data
    # glyph id 0x6DF1 as field 1 varint inside a glyph message: 0x08 then varint(28145)
    assert bytes([0x08, 0xF1, 0xDB, 0x01]) in response.data


@pytest.mark.parametrize(
    "path",
    [
        "/tiles/fonts/WenQuanYi Micro Hei/0-254.pbf",
        "/tiles/fonts/WenQuanYi Micro Hei/100-355.pbf",
        "/tiles/fonts/Arial/0-255.pbf",
        "/tiles/fonts/WenQuanYi Micro Hei/65536-65791.pbf",
    ],
)
def test_bad_glyph_ranges_and_unknown_fonts_are_404(staff, path) -> None:
    """A misaligned range, one past the BMP or another font: 404, never 500."""
    assert staff.get(path).status_code == 404
