"""Glyph ranges (MapLibre's signed-distance-field PBFs) drawn from the bundled CJK font.

MapLibre draws labels from SDF glyphs fetched per range of 256 code points. No tool or
download is needed: each range is rendered here with Pillow from
``static/fonts/wqy-microhei-gb2312.ttf`` (Chinese, Latin, digits), turned into a distance
field with scipy, encoded by hand (the message has seven fields), and cached on disk.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageFont
from scipy.ndimage import distance_transform_edt

FONT_NAME = "WenQuanYi Micro Hei"
FONT_PATH = Path(__file__).resolve().parent.parent / "static" / "fonts" / "wqy-microhei-gb2312.ttf"
GLYPH_VERSION = 1
# MapLibre's glyph contract: 24 px em, a 3 px border around each bitmap, SDF radius 8 and
# the edge at 3/4 of the value range (TinySDF's cutoff 0.25).
SIZE = 24
BORDER = 3
RADIUS = 8.0
CUTOFF = 0.25
# Where MapLibre's text baseline sits relative to the glyph tops it is given (as TinySDF).
_TOP_SHIFT = 26


class GlyphRangeError(ValueError):
    """The range is not ``N*256 .. N*256+255`` within the Basic Multilingual Plane."""


def check_range(start: int, end: int) -> None:
    """Refuse anything but an aligned 256-code-point range in the BMP."""
    if start % 256 or end != start + 255 or not 0 <= start <= 0xFF00:
        raise GlyphRangeError(f"glyph range {start}-{end} is not an aligned range of 256")


@cache
def _font() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), SIZE, layout_engine=ImageFont.Layout.BASIC)


@cache
def _missing_mask() -> bytes:
    # What the font draws for a code point it lacks (the .notdef box), to leave those out.
    mask, _ = _font().getmask2("\U000f0000", mode="L")
    return bytes(mask)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, value: int | bytes) -> bytes:
    if isinstance(value, bytes):
        return _varint(number << 3 | 2) + _varint(len(value)) + value
    return _varint(number << 3) + _varint(value)


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 31)


def _sdf(alpha: np.ndarray) -> bytes:
    """The distance field of an alpha mask, with MapLibre's border, as bytes."""
    padded = np.pad(alpha.astype(np.float64) / 255.0, BORDER)
    inside = padded >= 0.5
    outer = distance_transform_edt(~inside)
    inner = distance_transform_edt(inside)
    # Antialiased edge pixels move the edge by their coverage, as TinySDF does.
    signed = outer - inner + np.where((padded > 0) & (padded < 1), 0.5 - padded, 0.0)
    value = 255.0 - 255.0 * (signed / RADIUS + CUTOFF)
    return bytes(np.clip(np.rint(value), 0, 255).astype(np.uint8).tobytes())


def _glyph(code: int) -> bytes | None:
    if code < 32 or 0xD800 <= code <= 0xDFFF:
        return None
    font = _font()
    char = chr(code)
    mask, (left, top) = font.getmask2(char, mode="L")
    width, height = mask.size
    if width and bytes(mask) == _missing_mask():
        return None
    ascent = font.getmetrics()[0]
    advance = round(font.getlength(char))
    parts = [_field(1, code)]
    if width and height:
        alpha = np.asarray(Image.frombytes("L", (width, height), bytes(mask)))
        parts.append(_field(2, _sdf(alpha)))
    parts += [
        _field(3, width if height else 0),
        _field(4, height if width else 0),
        _field(5, _zigzag(left)),
        _field(6, _zigzag(ascent - top - _TOP_SHIFT)),
        _field(7, advance),
    ]
    return b"".join(parts)


def render_range(start: int, end: int) -> bytes:
    """The glyphs PBF of ``start..end`` for :data:`FONT_NAME` (glyphs the font lacks are left out)."""
    check_range(start, end)
    glyphs = [g for g in (_glyph(code) for code in range(start, end + 1)) if g is not None]
    stack = _field(1, FONT_NAME.encode()) + _field(2, f"{start}-{end}".encode())
    stack += b"".join(_field(3, g) for g in glyphs)
    return _field(1, stack)


_LOCK = threading.Lock()


@cache
def _font_key() -> str:
    return hashlib.sha256(FONT_PATH.read_bytes()).hexdigest()[:16]


def glyph_range(start: int, end: int, cache_dir: Path | None) -> bytes:
    """:func:`render_range`, cached under ``cache_dir/glyphs/<font hash>-v<version>/``."""
    check_range(start, end)
    path = cache_dir / "glyphs" / f"{_font_key()}-v{GLYPH_VERSION}" / f"{start}.pbf" if cache_dir else None
    if path is not None and path.is_file():
        return path.read_bytes()
    with _LOCK:  # Pillow's FreeType face is not safe to share between threads
        body = render_range(start, end)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".glyphs-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
            os.replace(tmp, path)
        except OSError:
            pass  # an unwritable cache only costs speed
    return body
