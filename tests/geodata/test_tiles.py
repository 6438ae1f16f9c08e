"""Vector tiles cut from the bundled extract: valid MVT, names kept, empty outside, cached."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest

from geodata.tiles import MAX_TILE_ZOOM, TileRangeError, TileSet, tile_bounds


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    rad = math.radians(lat)
    return int((lon + 180) / 360 * n), int(
        (1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2 * n
    )


@pytest.fixture(scope="module")
def tiles(tmp_path_factory) -> TileSet:
    return TileSet(cache_dir=tmp_path_factory.mktemp("tiles"))


def test_a_city_tile_holds_named_streets_with_english_names(tiles) -> None:
    """A zoom-15 tile over Futian decodes with roads named in Chinese and English."""
    decoded = mapbox_vector_tile.decode(tiles.tile(15, *tile_of(114.055, 22.540, 15)))
    names = {f["properties"].get("name") for f in decoded["roads"]["features"]}
    assert "深南大道" in names
    english = {f["properties"].get("name_en") for f in decoded["roads"]["features"]}
    assert "Shennan Boulevard" in english or any(e and "Shennan" in e for e in english)


def test_low_zooms_keep_only_the_big_roads(tiles) -> None:
    """At zoom 11 no residential or service street is in the tile."""
    decoded = mapbox_vector_tile.decode(tiles.tile(11, *tile_of(114.02, 22.54, 11)))
    classes = {f["properties"]["class"] for f in decoded["roads"]["features"]}
    assert classes and classes <= {"motorway", "trunk", "primary"}


def test_districts_are_outlined_and_labelled(tiles) -> None:
    """The district layer carries the outline polygons and a label point with both names."""
    decoded = mapbox_vector_tile.decode(tiles.tile(12, *tile_of(114.02, 22.54, 12)))
    kinds = {(f["properties"]["name"], f["properties"]["kind"]) for f in decoded["districts"]["features"]}
    assert ("福田区", "area") in kinds and ("南山区", "area") in kinds


def test_a_tile_outside_the_extract_is_empty(tiles) -> None:
    """Far from Shenzhen the tile is empty bytes (a valid MVT with no layer)."""
    body = tiles.tile(14, *tile_of(116.4, 39.9, 14))
    assert body == b"" and mapbox_vector_tile.decode(body) == {}


def test_tiles_are_cached_on_disk_by_data_hash(tiles) -> None:
    """A cut tile is written under the data key and served from there the next time."""
    z, (x, y) = 16, tile_of(114.03, 22.53, 16)
    first = tiles.tile(z, x, y)
    path = tiles.cache_root / str(z) / str(x) / f"{y}.mvt"
    assert path.read_bytes() == first
    path.write_bytes(b"cached")
    assert tiles.tile(z, x, y) == b"cached"


@pytest.mark.parametrize(("z", "x", "y"), [(-1, 0, 0), (MAX_TILE_ZOOM + 1, 0, 0), (3, 8, 0), (3, 0, -1)])
def test_tiles_outside_the_grid_are_refused(z, x, y) -> None:
    """Zoom beyond the cut range or x/y off the grid raise TileRangeError."""
    with pytest.raises(TileRangeError):
        tile_bounds(z, x, y)
