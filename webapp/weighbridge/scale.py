"""Read a truck scale's continuous serial output: frames -> weights -> stable weights.

Pure: bytes in, readings out; no serial port, no database (:mod:`webapp.weighbridge.listen`
does the I/O). The formats are documented in ``docs/weighbridge-serial.md``:

``stx``
    耀华 XK3190-A9 style continuous frame, 12 bytes: STX (0x02), sign ``+``/``-``,
    6 weight digits (most significant first), the decimal position ``0``-``4``, two
    ASCII hex digits of the XOR of the 8 bytes from the sign to the decimal position
    (high nibble first), ETX (0x03). ``02 + 012345 2 xx 03`` is +123.45.
``reversed``
    The "tf" style: ``=`` then the displayed characters lowest digit first, e.g.
    ``=0012.345`` is 543.2100, ``=05.4321-`` is -1234.50 (the sign comes last).
``ascii``
    A line per reading, ``ST,GS,+0012345kg`` (A&D / many indicators): status ``ST``
    (stable), ``US`` (moving) or ``OL`` (overload), then the weight and its unit, ended
    by CR LF. Only ``ST`` lines count.

A weight is *stable* when ``stable_frames`` consecutive good frames carry the same
value; bad frames are counted by name (:data:`ERROR_NAMES`) and never raise.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

FORMATS = ("stx", "reversed", "ascii")
STX, ETX = 0x02, 0x03
#: What the error counts are called: a frame that is not the format's shape, a frame whose
#: check digits do not match, a weight beyond what a road truck scale shows, a reading the
#: scale itself marks as moving or overloaded, and a good frame that broke a run of equal ones.
ERROR_NAMES = ("garbage", "bad_checksum", "out_of_range", "not_stable", "unstable")
MAX_GRAMS = 200_000_000  # 200 t: past any road weighbridge's capacity
_ASCII = re.compile(rb"^(ST|US|OL),(GS|NT|TR)?,?([+-]?)\s*(\d+(?:\.\d+)?)\s*(kg|t|g)?$")
_UNIT_G = {"g": 1, "kg": 1000, "t": 1_000_000}


class ScaleFormatError(ValueError):
    """An unknown format name or unit."""


@dataclass(frozen=True)
class Frame:
    """One decoded frame: the weight in grams, or the error's name."""

    grams: int | None
    error: str | None = None


def xor_check(body: bytes) -> bytes:
    """The two ASCII hex digits (upper case) of the XOR of ``body``."""
    value = 0
    for byte in body:
        value ^= byte
    return f"{value:02X}".encode()


def stx_frame(grams: int, *, decimals: int = 0, unit: str = "kg") -> bytes:
    """Encode a weight as an ``stx`` frame (the tests' scale and the docs' example)."""
    shown = abs(grams) * 10**decimals // _UNIT_G[unit]
    body = (b"-" if grams < 0 else b"+") + f"{shown:06d}".encode() + str(decimals).encode()
    return bytes([STX]) + body + xor_check(body) + bytes([ETX])


def reversed_frame(display: str) -> bytes:
    """Encode a displayed number (e.g. ``"1234.50"``) as a ``reversed`` frame."""
    sign = "-" if display.startswith("-") else ""
    return ("=" + display.lstrip("-")[::-1] + sign).encode()


class Decoder:
    """Split a byte stream into frames of one format and decode them.

    ``unit`` is what the scale's digits count (``kg`` or ``t``; ``ascii`` lines name their
    own). Feed bytes as they arrive; complete frames come out, partial ones wait.
    """

    def __init__(self, fmt: str, *, unit: str = "kg") -> None:
        if fmt not in FORMATS:
            raise ScaleFormatError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
        if unit not in ("kg", "t"):
            raise ScaleFormatError(f"unit: {unit!r} is not kg or t")
        self.fmt, self.unit = fmt, unit
        self._buffer = b""

    def feed(self, data: bytes) -> Iterator[Frame]:
        """The frames completed by ``data``."""
        self._buffer += data
        split = {"stx": self._stx, "reversed": self._reversed, "ascii": self._lines}[self.fmt]
        yield from split()
        if len(self._buffer) > 4096:  # a stream with no frame boundary at all
            self._buffer = b""
            yield Frame(None, "garbage")

    def _stx(self) -> Iterator[Frame]:
        while True:
            start = self._buffer.find(bytes([STX]))
            if start < 0:
                return  # noise so far: counted once, as one run, when a frame starts
            if start > 0:
                if self._buffer[:start].strip(b"\r\n\x00"):
                    yield Frame(None, "garbage")
                self._buffer = self._buffer[start:]
            end = self._buffer.find(bytes([ETX]), 1)
            if end < 0:
                return
            raw, self._buffer = self._buffer[1:end], self._buffer[end + 1 :]
            yield self._stx_body(raw)

    def _stx_body(self, raw: bytes) -> Frame:
        if len(raw) != 10 or raw[:1] not in (b"+", b"-") or not raw[1:8].isdigit():
            return Frame(None, "garbage")
        if xor_check(raw[:8]) != raw[8:10].upper():
            return Frame(None, "bad_checksum")
        decimals = raw[7] - 0x30
        if decimals > 4:
            return Frame(None, "garbage")
        value = Decimal(int(raw[1:7])).scaleb(-decimals)
        return self._grams(-value if raw[:1] == b"-" else value, self.unit)

    def _reversed(self) -> Iterator[Frame]:
        while True:
            start = self._buffer.find(b"=")
            if start < 0:
                return  # noise so far: counted once, as one run, when a frame starts
            if self._buffer[:start].strip(b"\r\n\x00 "):
                yield Frame(None, "garbage")
            end = self._buffer.find(b"=", start + 1)
            if end < 0:
                self._buffer = self._buffer[start:]
                return
            raw, self._buffer = self._buffer[start + 1 : end], self._buffer[end:]
            yield self._reversed_body(raw.strip(b"\r\n\x00 "))

    def _reversed_body(self, raw: bytes) -> Frame:
        sign = -1 if raw.endswith(b"-") else 1
        digits = raw.rstrip(b"-")[::-1]
        if not 4 <= len(digits) <= 9 or digits.count(b".") > 1 or not digits.replace(b".", b"").isdigit():
            return Frame(None, "garbage")
        return self._grams(Decimal(digits.decode()) * sign, self.unit)

    def _lines(self) -> Iterator[Frame]:
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            line = line.strip(b"\r\x00 ")
            if not line:
                continue
            match = _ASCII.match(line)
            if match is None:
                yield Frame(None, "garbage")
                continue
            status, _kind, sign, number, unit = match.groups()
            if status != b"ST":
                yield Frame(None, "not_stable")
                continue
            value = Decimal(number.decode()) * (-1 if sign == b"-" else 1)
            yield self._grams(value, (unit or self.unit.encode()).decode())

    @staticmethod
    def _grams(value: Decimal, unit: str) -> Frame:
        try:
            grams = int(value * _UNIT_G[unit])
        except (InvalidOperation, KeyError):
            return Frame(None, "garbage")
        if abs(grams) > MAX_GRAMS:
            return Frame(None, "out_of_range")
        return Frame(grams)


@dataclass
class Stabiliser:
    """Turns frames into stable weights: ``stable_frames`` equal good frames in a row.

    A stable weight is reported once per run (a truck standing on the scale gives one
    reading, not one a frame); ``counts`` holds ``frames``, ``stable`` and every error name.
    """

    stable_frames: int = 5
    counts: Counter[str] = field(default_factory=Counter)
    _value: int | None = None
    _run: int = 0

    def __post_init__(self) -> None:
        if self.stable_frames < 2:
            raise ScaleFormatError("stable_frames: at least 2 equal frames make a stable weight")

    def push(self, frame: Frame) -> int | None:
        """The stable weight this frame completes, if any."""
        if frame.error is not None:
            self.counts[frame.error] += 1
            return None
        self.counts["frames"] += 1
        if frame.grams != self._value:
            if self._run:
                self.counts["unstable"] += 1
            self._value, self._run = frame.grams, 1
            return None
        self._run += 1
        if self._run == self.stable_frames:
            self.counts["stable"] += 1
            return frame.grams
        return None
