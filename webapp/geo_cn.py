"""China's map datums: WGS-84 (GPS, OpenStreetMap) -> GCJ-02 (Amap, Apple and Tencent in
mainland China) -> BD-09 (Baidu).

GCJ-02 is a published obfuscation, not a projection; the formulas below are the
widely used reconstruction that matches Amap's own conversion service to a few
centimetres. Outside mainland China the map apps use WGS-84, so nothing is shifted.
Pure functions: (lon, lat) in degrees in, (lon, lat) out.
"""

from __future__ import annotations

import math

__all__ = ["gcj02_to_bd09", "in_china", "wgs84_to_bd09", "wgs84_to_gcj02"]

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as GCJ-02 uses
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0


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


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
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


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """Amap coordinates as Baidu places them."""
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """GPS / OpenStreetMap coordinates as Baidu places them."""
    if not in_china(lon, lat):
        return lon, lat
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
