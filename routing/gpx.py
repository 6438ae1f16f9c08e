"""Routes as GPX 1.1 for navigation devices: one ``<rte>`` of stops and one ``<trk>`` of
the street geometry per truck. Coordinates are WGS-84, as GPX requires."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr  # nosec B406 # escapes the XML we write; parses nothing

from geodata.coords import LonLat

__all__ = ["GpxRoute", "GpxStop", "to_gpx"]

# XML 1.0 has no way to write these, escaped or not; a name carrying one would make the
# whole file unreadable to the device.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class GpxStop:
    """A route point: where, its code as the name and a free-text description."""

    lon: float
    lat: float
    name: str
    description: str = ""


@dataclass(frozen=True)
class GpxRoute:
    """One truck's day: a title, its stops in order and the street line it drives."""

    name: str
    stops: tuple[GpxStop, ...]
    track: tuple[LonLat, ...] = ()
    track_name: str = ""


def to_gpx(title: str, routes: Sequence[GpxRoute], *, creator: str = "ReLoop") -> str:
    """The GPX document: metadata named ``title``, then each route and its track."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<gpx version="1.1" creator={quoteattr(_NOT_XML.sub("", creator))} xmlns="http://www.topografix.com/GPX/1/1">',
        f"<metadata><name>{_text(title)}</name></metadata>",
    ]
    for route in routes:
        out.append(f"<rte><name>{_text(route.name)}</name>")
        out += [
            f'<rtept lat="{s.lat:.6f}" lon="{s.lon:.6f}"><name>{_text(s.name)}</name>'
            f"<desc>{_text(s.description)}</desc></rtept>"
            for s in route.stops
        ]
        out.append("</rte>")
        out.append(f"<trk><name>{_text(route.track_name or route.name)}</name><trkseg>")
        out += [f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}"/>' for lon, lat in route.track]
        out.append("</trkseg></trk>")
    out.append("</gpx>")
    return "\n".join(out)


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value))
