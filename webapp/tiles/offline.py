"""What a phone keeps to draw today's route map with no signal: the vector tiles over the
route's area at the zooms the route map uses, and the label glyph ranges the names in those
tiles need (read from the tiles themselves, with the upright forms MapLibre swaps into CJK
names laid along steep roads). Bounded: past :data:`MAX_TILES` the highest zooms are dropped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import mapbox_vector_tile

from geodata.tiles import MAX_TILE_ZOOM, TileSet
from webapp.tiles.glyphs import check_range

# The route map opens fitted to the stops at about zoom 14–16 (Leaflet), MapLibre drawing one
# zoom lower with its 512 px tiles; a driver zooms in on a stop, rarely out.
ZOOMS = range(11, MAX_TILE_ZOOM + 1)
MAX_TILES = 600  # at a few kB each: a few MB on the phone at most
# Always kept: digits, Latin and CJK punctuation for house numbers, refs and English names.
BASE_RANGES = (0, 0x3000)

# MapLibre lays a CJK label along a near-vertical road in vertical writing mode and swaps
# its punctuation for the upright forms below (verticalizePunctuation's table in
# maplibre-gl 5.24, style-spec util/verticalize_punctuation): "（" in a name is drawn
# as "︵", from the U+FE00 range, so that range must be on the phone too.
VERTICAL_PUNCTUATION = dict(
    zip(
        "!#$%&()*+,-./:;<=>?@[\\]^_`{|}~¢£¥¦¬¯–—‘’“”…⋯‧₩、。〈〉《》「」『』【】〔〕〖〗！（），－．：；＜＞？［］＿｛｜｝｟｠｡｢｣",
        "︕＃＄％＆︵︶＊＋︐︲・／︓︔︿＝﹀︖＠﹇＼﹈＾︳｀︷―︸～￠￡￥￤￢￣︲︱﹃﹄﹁﹂︙︙・￦︑︒︿﹀︽︾﹁﹂﹃﹄︻︼︹︺︗︘︕︵︶︐︲・︓︔︿﹀︖﹇﹈︳︷―︸︵︶︒﹁﹂",
        strict=True,
    )
)


def tiles_covering(
    west: float, south: float, east: float, north: float, *, zooms: Iterable[int] = ZOOMS
) -> list[tuple[int, int, int]]:
    """``(z, x, y)`` of every tile over the box at each zoom, lowest zoom first, at most MAX_TILES."""
    found: list[tuple[int, int, int]] = []
    for z in zooms:
        x0, y0 = _tile_xy(west, north, z)
        x1, y1 = _tile_xy(east, south, z)
        level = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
        if len(found) + len(level) > MAX_TILES:
            break
        found += level
    return found


def glyph_ranges(tiles: TileSet, kept: Iterable[tuple[int, int, int]]) -> list[int]:
    """Starts of the 256-code-point ranges that the names in the ``kept`` tiles need."""
    chars: set[str] = set()
    for z, x, y in kept:
        chars |= _tile_chars(tiles, z, x, y)
    starts = {ord(ch) // 256 * 256 for ch in chars} | set(BASE_RANGES)
    for start in starts:
        check_range(start, start + 255)
    return sorted(starts)


_CHARS: dict[tuple[str, int, int, int], frozenset[str]] = {}


def _tile_chars(tiles: TileSet, z: int, x: int, y: int) -> frozenset[str]:
    """The characters of every name, English name and ref in one tile (remembered per process)."""
    key = (tiles.key, z, x, y)
    if key not in _CHARS:
        body = tiles.tile(z, x, y)
        layers = mapbox_vector_tile.decode(body) if body else {}
        found: set[str] = set()
        for layer in layers.values():
            for feature in layer["features"]:
                found |= label_chars(
                    str(feature["properties"].get(name, "")) for name in ("name", "name_en", "ref")
                )
        _CHARS[key] = frozenset(found)
    return _CHARS[key]


def label_chars(texts: Iterable[str]) -> set[str]:
    """The characters MapLibre may draw for one feature's label made of ``texts``: their own and,
    when any is CJK (so the label may be set vertically), the upright forms of their punctuation."""
    chars = set("".join(texts))
    if any(_is_cjk(ch) for ch in chars):
        chars |= {VERTICAL_PUNCTUATION[ch] for ch in chars if ch in VERTICAL_PUNCTUATION}
    return chars


def _is_cjk(ch: str) -> bool:
    """Han, kana, Hangul and CJK symbols: scripts MapLibre may set upright in vertical mode."""
    code = ord(ch)
    return (
        0x1100 <= code <= 0x11FF
        or 0x2E80 <= code <= 0xA4CF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
        or 0xFE30 <= code <= 0xFE4F
        or 0xFF00 <= code <= 0xFFEF
        or code >= 0x20000
    )


def _tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)
