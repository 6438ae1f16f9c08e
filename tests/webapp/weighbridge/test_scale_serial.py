"""A truck scale's serial output: the three frame formats, stable weights from equal
frames, bad frames counted by name, and the listener on a pseudo-terminal recording the
live weight the ticket form offers."""

from __future__ import annotations

import os
import threading
import time
import tty

import pytest
from sqlmodel import select

from webapp.models import Role
from webapp.models.weighbridge import ScaleReading
from webapp.weighbridge import listen
from webapp.weighbridge.scale import Decoder, Frame, ScaleFormatError, Stabiliser, reversed_frame, stx_frame

pytest.importorskip("serial")


def _decode(fmt: str, data: bytes, unit: str = "kg") -> list[Frame]:
    return list(Decoder(fmt, unit=unit).feed(data))


def test_stx_frames_decode_with_sign_decimals_and_check_digits() -> None:
    """+012345 with 2 decimals is 123.45 kg; -000500 is -500 kg; the XOR digits are checked."""
    frames = _decode("stx", stx_frame(123_450, decimals=2) + stx_frame(-500_000))
    assert [f.grams for f in frames] == [123_450, -500_000]
    # XOR of "+0123452": 2B^30^31^32^33^34^35^32 = 0x18, sent as the characters "1", "8".
    assert stx_frame(123_450, decimals=2) == b"\x02+0123452" + b"18\x03"


def test_a_frame_with_wrong_check_digits_is_counted_not_raised() -> None:
    """A flipped digit fails the XOR check: bad_checksum, and the next frame still decodes."""
    bad = bytearray(stx_frame(12_000_000))
    bad[3] = ord("9")
    assert [(f.grams, f.error) for f in _decode("stx", bytes(bad) + stx_frame(12_000_000))] == [
        (None, "bad_checksum"),
        (12_000_000, None),
    ]


def test_reversed_frames_read_lowest_digit_first() -> None:
    """=0012.345 is 543.2100 kg; a trailing minus is the sign; in tonnes the unit scales."""
    frames = _decode("reversed", b"=0012.345" + reversed_frame("-1234.50") + b"=")
    assert [f.grams for f in frames] == [543_210, -1_234_500]
    assert [f.grams for f in _decode("reversed", b"=000.21=", unit="t")] == [12_000_000]


def test_ascii_lines_count_only_stable_readings() -> None:
    """ST lines are weights (kg or t); US is not_stable; a line of noise is garbage."""
    data = b"ST,GS,+0012345kg\r\nUS,GS,+0012300kg\r\n#$%\r\nST,GS,+12.34 t\r\n"
    assert [(f.grams, f.error) for f in _decode("ascii", data)] == [
        (12_345_000, None),
        (None, "not_stable"),
        (None, "garbage"),
        (12_340_000, None),
    ]


def test_a_weight_is_stable_after_n_equal_frames_and_reported_once() -> None:
    """Moving frames reset the run; five equal frames give one stable weight, more give no second."""
    stabiliser = Stabiliser(stable_frames=5)
    weights = [10_000_000, 10_020_000, 10_040_000] + [10_050_000] * 8
    found = [g for g in (stabiliser.push(Frame(w)) for w in weights) if g is not None]
    assert found == [10_050_000]
    assert stabiliser.counts["stable"] == 1 and stabiliser.counts["unstable"] == 3


def test_an_unknown_format_or_unit_is_refused_naming_it() -> None:
    """The error names the option, not a traceback deep in the decoder."""
    with pytest.raises(ScaleFormatError, match="format"):
        Decoder("modbus")
    with pytest.raises(ScaleFormatError, match="unit"):
        Decoder("stx", unit="lb")


def _feed_pty(master: int, chunks: list[bytes]) -> None:
    time.sleep(0.3)  # the listener opens the port first, as a scale streams to an open port
    for chunk in chunks:
        os.write(master, chunk)
        time.sleep(0.01)


def test_the_listener_on_a_pseudo_terminal_records_stable_weights_and_counts_errors(app, db, world) -> None:
    """Garbage, a bad check digit and moving frames are counted; two trucks give two readings."""
    master, slave = os.openpty()
    tty.setraw(slave)  # a serial line carries bytes as they are, no line editing
    port = os.ttyname(slave)
    bad = bytearray(stx_frame(9_000_000))
    bad[2] = ord("7")
    chunks = [b"\xff\xfegarbage", bytes(bad)]
    chunks += [stx_frame(g) for g in (5_000_000, 8_000_000, 9_000_000)]  # driving on
    chunks += [stx_frame(9_460_000)] * 6 + [b"\x02+12\x03"] + [stx_frame(12_080_000)] * 5
    feeder = threading.Thread(target=_feed_pty, args=(master, chunks))
    found: list[int] = []
    with app.app_context():
        feeder.start()
        stabiliser = listen.listen(
            port,
            baud=9600,
            fmt="stx",
            unit="kg",
            stable_frames=5,
            on_stable=lambda grams, frames: found.append(
                listen.record(db, facility_id=world.centre.id, grams=grams, frames=frames, port=port).grams
            ),
            max_seconds=2.0,
        )
        feeder.join()
    os.close(master)
    os.close(slave)
    assert found == [9_460_000, 12_080_000]
    counts = stabiliser.counts
    assert (counts["garbage"], counts["bad_checksum"], counts["stable"]) == (2, 1, 2)
    assert counts["unstable"] >= 3
    assert listen.live_weight(db, world.centre.id).grams == 12_080_000
    assert len(db.exec(select(ScaleReading)).all()) == 2


def test_the_ticket_form_offers_the_live_weight(client, auth, db, world) -> None:
    """The latest stable reading shows on the form with a link that fills the gross."""
    listen.record(db, facility_id=world.centre.id, grams=12_080_000, frames=5, port="/dev/ttyUSB0")
    auth.login(Role.WEIGHBRIDGE)
    page = client.get(f"/weighbridge/tickets/new?facility_id={world.centre.id}").get_data(as_text=True)
    assert 'id="live-weight"' in page and "12,080.0" in page and "gross_kg=12080.0" in page
    filled = client.get(f"/weighbridge/tickets/new?facility_id={world.centre.id}&gross_kg=12080.0")
    assert 'value="12080.0"' in filled.get_data(as_text=True)


def test_the_cli_names_a_port_that_cannot_be_opened(app, world, runner) -> None:
    """A missing device exits with a usage error naming --port."""
    result = runner.invoke(
        args=["weighbridge", "listen", "--port", "/dev/nonexistent-tty", "--facility", "SC1"]
    )
    assert result.exit_code == 2 and "--port /dev/nonexistent-tty" in result.output
