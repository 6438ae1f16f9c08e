"""The base map's MapLibre style: quiet colours so the data drawn on top stands out.

Road colours follow the old Leaflet base map (orange trunk roads, yellow primaries, grey
streets); names run along the streets in Chinese with the English name (OSM ``name:en``)
beneath from zoom 15, or English first for English readers.
"""

from __future__ import annotations

from typing import Any

# (class, colour, casing colour, width at z12, width at z18)
_ROADS = (
    ("service", "#ffffff", "#cbd5e1", 0.3, 6.0),
    ("minor", "#ffffff", "#cbd5e1", 0.5, 10.0),
    ("tertiary", "#ffffff", "#94a3b8", 0.8, 13.0),
    ("secondary", "#fef3c7", "#d6b656", 1.0, 15.0),
    ("primary", "#fde68a", "#d4a017", 1.4, 18.0),
    ("trunk", "#fbbf24", "#c2870b", 1.8, 20.0),
    ("motorway", "#f59e0b", "#b45309", 2.0, 20.0),
)


def _width(low: float, high: float, extra: float = 0.0) -> list[Any]:
    return [
        "interpolate",
        ["exponential", 1.6],
        ["zoom"],
        11,
        low * 0.6 + extra,
        12,
        low + extra,
        18,
        high + extra,
    ]


def _label(first: str, second: str) -> list[Any]:
    """``first`` name, with ``second`` in smaller type beneath where both exist (from z15)."""
    both: list[Any] = [
        "format",
        ["get", first],
        {},
        "\n",
        {},
        ["get", second],
        {"font-scale": 0.8},
    ]
    one: list[Any] = ["coalesce", ["get", first], ["get", second]]
    has_both = ["all", ["has", first], ["has", second]]
    return ["step", ["zoom"], one, 15, ["case", has_both, both, one]]


def base_style(
    *,
    tiles_url: str,
    glyphs_url: str,
    font: str,
    english_first: bool,
    max_zoom: int,
    attribution: str,
) -> dict[str, Any]:
    """The style JSON for MapLibre GL (version 8), pointing at the app's tiles and glyphs."""
    first, second = ("name_en", "name") if english_first else ("name", "name_en")
    roads = [["==", ["get", "class"], cls] for cls, *_ in _ROADS]
    layers: list[dict[str, Any]] = [
        {"id": "background", "type": "background", "paint": {"background-color": "#eef2f6"}},
        {
            "id": "district-fill",
            "type": "fill",
            "source": "reloop",
            "source-layer": "districts",
            "filter": ["==", ["get", "kind"], "area"],
            "paint": {"fill-color": "#f8fafc", "fill-opacity": 0.9},
        },
        {
            "id": "district-line",
            "type": "line",
            "source": "reloop",
            "source-layer": "districts",
            "filter": ["==", ["get", "kind"], "area"],
            "paint": {
                "line-color": "#7c3aed",
                "line-width": 1.5,
                "line-dasharray": [4, 2],
                "line-opacity": 0.6,
            },
        },
    ]
    for (cls, _colour, casing, low, high), match in zip(_ROADS, roads, strict=True):
        layers.append(
            {
                "id": f"road-{cls}-casing",
                "type": "line",
                "source": "reloop",
                "source-layer": "roads",
                "filter": match,
                "layout": {"line-cap": "round", "line-join": "round"},
                "paint": {"line-color": casing, "line-width": _width(low, high, 1.0)},
            }
        )
    for (cls, colour, _casing, low, high), match in zip(_ROADS, roads, strict=True):
        layers.append(
            {
                "id": f"road-{cls}",
                "type": "line",
                "source": "reloop",
                "source-layer": "roads",
                "filter": match,
                "layout": {"line-cap": "round", "line-join": "round"},
                "paint": {"line-color": colour, "line-width": _width(low, high)},
            }
        )
    layers += [
        {
            "id": "road-label",
            "type": "symbol",
            "source": "reloop",
            "source-layer": "roads",
            "filter": ["any", ["has", "name"], ["has", "name_en"]],
            "layout": {
                "symbol-placement": "line",
                "symbol-spacing": 300,
                "text-field": _label(first, second),
                "text-font": [font],
                "text-size": ["interpolate", ["linear"], ["zoom"], 12, 10, 16, 13, 19, 15],
                "text-max-angle": 35,
                "text-padding": 2,
            },
            "paint": {"text-color": "#1e293b", "text-halo-color": "#ffffff", "text-halo-width": 1.5},
        },
        {
            "id": "district-label",
            "type": "symbol",
            "source": "reloop",
            "source-layer": "districts",
            "filter": ["==", ["get", "kind"], "label"],
            "maxzoom": 15,
            "layout": {
                "text-field": ["format", ["get", first], {}, "\n", {}, ["get", second], {"font-scale": 0.7}],
                "text-font": [font],
                "text-size": 18,
            },
            "paint": {"text-color": "#6d28d9", "text-halo-color": "#ffffff", "text-halo-width": 2},
        },
    ]
    return {
        "version": 8,
        "name": "ReLoop offline base map",
        "sources": {
            "reloop": {
                "type": "vector",
                "tiles": [tiles_url],
                "minzoom": 0,
                "maxzoom": max_zoom,
                "attribution": attribution,
            }
        },
        "glyphs": glyphs_url,
        "layers": layers,
    }
