"""``reloop weighbridge listen``: read a scale's serial port, record its stable weights.

The port is read with pyserial; :mod:`webapp.weighbridge.scale` decodes the frames and
finds the stable weights, each recorded as a :class:`ScaleReading` of the facility, which
the ticket form offers as the live weight. Bad frames are counted by name, never raised.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from sqlmodel import Session, col, select

from webapp.models._types import utcnow
from webapp.models.weighbridge import ScaleReading
from webapp.weighbridge.scale import Decoder, Stabiliser

#: A reading older than this is not offered as the live weight any more.
LIVE_FOR = timedelta(minutes=2)


def listen(
    port: str,
    *,
    baud: int,
    fmt: str,
    unit: str,
    stable_frames: int,
    on_stable: Callable[[int, int], None],
    max_seconds: float | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Stabiliser:
    """Read ``port`` until ``max_seconds`` pass or ``should_stop()``; call
    ``on_stable(grams, frames)`` for each stable weight; return the counts."""
    import serial  # pyserial: imported here so the web app does not need it loaded

    decoder = Decoder(fmt, unit=unit)
    stabiliser = Stabiliser(stable_frames)
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    with serial.Serial(port, baudrate=baud, timeout=0.2) as link:
        try:
            while not should_stop() and (deadline is None or time.monotonic() < deadline):
                data = link.read(link.in_waiting or 1)
                for frame in decoder.feed(data):
                    grams = stabiliser.push(frame)
                    if grams is not None:
                        on_stable(grams, stable_frames)
        except KeyboardInterrupt:  # Ctrl+C ends a listen; the counts are still reported
            pass
    return stabiliser


def record(session: Session, *, facility_id: int, grams: int, frames: int, port: str) -> ScaleReading:
    """Store a stable weight as the facility's latest reading and commit."""
    row = ScaleReading(facility_id=facility_id, grams=grams, frames=frames, port=port[:64])
    session.add(row)
    session.commit()
    return row


def live_weight(session: Session, facility_id: int) -> ScaleReading | None:
    """The facility's latest stable reading, if it is recent enough to be the truck on the scale."""
    return session.exec(
        select(ScaleReading)
        .where(ScaleReading.facility_id == facility_id, col(ScaleReading.read_at) >= utcnow() - LIVE_FOR)
        .order_by(col(ScaleReading.read_at).desc(), col(ScaleReading.id).desc())
    ).first()
