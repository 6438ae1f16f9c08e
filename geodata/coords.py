"""China's map datums: WGS-84 (GPS, OpenStreetMap), GCJ-02 (Amap, Apple and Tencent in
mainland China) and BD-09 (Baidu), both ways.

GCJ-02 is a published obfuscation, not a projection; the forward formulas below are the
widely used reconstruction that matches Amap's own conversion service to a few
centimetres. It has no closed-form inverse, so the way back solves ``forward(w) = g`` by
fixed-point iteration: the shift changes by well under a thousandth of its size across
its own width, so each step gains about three digits and a handful reach 1e-10° (about a
hundredth of a millimetre). Outside mainland China the map apps use WGS-84, so nothing
is shifted. Pure functions: (lon, lat) in degrees in, (lon, lat) out.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = [
    "LonLat",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

LonLat = tuple[float, float]

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as GCJ-02 uses
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0
_TOLERANCE_DEG = 1e-10
_MAX_STEPS = 30


def in_china(lon: float, lat: float) -> bool:
    """True inside the rough mainland box where GCJ-02 applies."""
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: float, lat: float) -> LonLat:
    """GPS / OpenStreetMap coordinates as Amap places them."""
    if not in_china(lon, lat):
        return lon, lat
    d_lat = _shift_lat(lon - 105.0, lat - 35.0)
    d_lon = _shift_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lon + d_lon, lat + d_lat


def gcj02_to_bd09(lon: float, lat: float) -> LonLat:
    """Amap coordinates as Baidu places them."""
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def wgs84_to_bd09(lon: float, lat: float) -> LonLat:
    """GPS / OpenStreetMap coordinates as Baidu places them."""
    if not in_china(lon, lat):
        return lon, lat
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def gcj02_to_wgs84(lon: float, lat: float) -> LonLat:
    """Amap (or Apple-in-China) coordinates back to GPS / OpenStreetMap ones."""
    if not in_china(lon, lat):
        return lon, lat
    return _invert(wgs84_to_gcj02, lon, lat)


def bd09_to_gcj02(lon: float, lat: float) -> LonLat:
    """Baidu coordinates as Amap places them."""
    return _invert(gcj02_to_bd09, lon, lat)


def bd09_to_wgs84(lon: float, lat: float) -> LonLat:
    """Baidu coordinates back to GPS / OpenStreetMap ones."""
    if not in_china(lon, lat):
        return lon, lat
    return _invert(wgs84_to_bd09, lon, lat)


def _invert(forward: Callable[[float, float], LonLat], lon: float, lat: float) -> LonLat:
    """The point that ``forward`` sends to (lon, lat).

    Starts from the target itself and moves by the remaining miss until it is below
    1e-10°; the shifts are smooth and small, so this converges in a few steps.
    """
    x, y = lon, lat
    for _step in range(_MAX_STEPS):
        fx, fy = forward(x, y)
        dx, dy = fx - lon, fy - lat
        if abs(dx) < _TOLERANCE_DEG and abs(dy) < _TOLERANCE_DEG:
            break
        x, y = x - dx, y - dy
    return x, y
