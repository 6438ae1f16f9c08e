"""Base-map endpoints: the MapLibre style, MVT tiles per z/x/y and glyph ranges.

Tiles and glyphs are cut on first request and cached on disk (under the cache dir, keyed
by the data's hash), so the app needs no tile server and no network.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

import geodata
from geodata.tiles import MAX_TILE_ZOOM, TileRangeError, TileSet
from webapp.access import ALL_ROLES, role_required
from webapp.tiles import glyphs, offline
from webapp.tiles.live import live_map
from webapp.tiles.style import base_style

bp = Blueprint("tiles", __name__, url_prefix="/tiles")
# The plan page's progress partial hands the live map its stop states and truck positions.
bp.add_app_template_global(live_map, "live_map")

MVT_MIMETYPE = "application/vnd.mapbox-vector-tile"


def tile_set() -> TileSet:
    """The app's tiles over the bundled extract (one per app; reads the streets on first use)."""
    tiles: TileSet | None = current_app.extensions.get("reloop.tiles")
    if tiles is None:
        tiles = TileSet(cache_dir=current_app.config["RELOOP_SETTINGS"].cache_dir)
        current_app.extensions["reloop.tiles"] = tiles
    return tiles


def _cached(body: bytes, mimetype: str, etag: str) -> ResponseReturnValue:
    if request.if_none_match.contains(etag):
        return Response(status=304)
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.cache_control.private = True
    response.cache_control.max_age = 86400
    return response


@bp.get("/style.json")
@role_required(*ALL_ROLES)
def style() -> ResponseReturnValue:
    """The base map's MapLibre style: streets named in the reader's language, districts."""
    locale = str(get_locale() or "zh")
    tiles_url = url_for("tiles.tile", z=0, x=0, y=0, _external=True).replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf")
    glyphs_url = url_for("tiles.glyph_range", fontstack="FONT", start=0, end=255, _external=True)
    glyphs_url = glyphs_url.replace("FONT", "{fontstack}").replace("0-255", "{range}")
    body = base_style(
        tiles_url=tiles_url,
        glyphs_url=glyphs_url,
        font=glyphs.FONT_NAME,
        english_first=locale.startswith("en"),
        max_zoom=MAX_TILE_ZOOM,
        attribution=geodata.ATTRIBUTION,
    )
    return body


@bp.get("/<int(signed=True):z>/<int(signed=True):x>/<int(signed=True):y>.pbf")
@role_required(*ALL_ROLES)
def tile(z: int, x: int, y: int) -> ResponseReturnValue:
    """One vector tile; empty (200, no bytes) where the extract has nothing; 404 off the grid."""
    tiles = tile_set()
    try:
        body = tiles.tile(z, x, y)
    except TileRangeError as exc:
        abort(404, description=str(exc))
    return _cached(body, MVT_MIMETYPE, f"{tiles.key}-{z}-{x}-{y}")


@bp.get("/offline.json")
@role_required(*ALL_ROLES)
def offline_set() -> ResponseReturnValue:
    """The tile and glyph URLs that draw the map over ``bbox`` (west,south,east,north) offline."""
    try:
        west, south, east, north = (float(v) for v in request.args.get("bbox", "").split(","))
    except ValueError:
        abort(400, description="bbox: four numbers west,south,east,north")
    if not (-180 <= west < east <= 180 and -85 <= south < north <= 85):
        abort(400, description="bbox: west < east within ±180, south < north within ±85")
    tile_url = url_for("tiles.tile", z=0, x=0, y=0).removesuffix("/0/0/0.pbf")
    font = url_for("tiles.glyph_range", fontstack=glyphs.FONT_NAME, start=0, end=255).removesuffix(
        "/0-255.pbf"
    )
    kept = offline.tiles_covering(west, south, east, north)
    return {
        "tiles": [f"{tile_url}/{z}/{x}/{y}.pbf" for z, x, y in kept],
        "glyphs": [f"{font}/{start}-{start + 255}.pbf" for start in offline.glyph_ranges(tile_set(), kept)],
        "max_tiles": offline.MAX_TILES,
    }


@bp.get("/fonts/<fontstack>/<int:start>-<int:end>.pbf")
@role_required(*ALL_ROLES)
def glyph_range(fontstack: str, start: int, end: int) -> ResponseReturnValue:
    """Label glyphs of one 256-code-point range, for the one font the style names."""
    if glyphs.FONT_NAME not in fontstack.split(","):
        abort(404, description=f"unknown font {fontstack!r}")
    try:
        body = glyphs.glyph_range(start, end, current_app.config["RELOOP_SETTINGS"].cache_dir)
    except glyphs.GlyphRangeError as exc:
        abort(404, description=str(exc))
    return _cached(body, "application/x-protobuf", f"glyphs-v{glyphs.GLYPH_VERSION}-{start}")
