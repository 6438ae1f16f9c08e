"""Recording events into the database log: accepted, refused, corrected, repeated."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from tests.webapp.trace.conftest import (
    CASCADE,
    PACK_A,
    PACK_B,
    PLANT,
    PRODUCT,
    RECYCLED,
    TEST,
    Recorder,
    item,
    to_enterprise,
)
from traceability import MemoryNodeStore, MerkleTree, TraceLog, parse_entry
from webapp.models import Battery, BatteryLink, MerkleNode, TraceEventRow
from webapp.trace.inputs import parse_event
from webapp.trace.operations import RecordError, record_events
from webapp.trace.records import load_states


def test_a_journey_is_appended_with_its_merkle_nodes(db: Session, record: Recorder) -> None:
    """Three events become entries 0-2 and the stored tree equals the in-memory reference."""
    results = record(to_enterprise())
    assert [r.seq for r in results] == [0, 1, 2]
    lines = db.exec(select(TraceEventRow.line).order_by(TraceEventRow.seq)).all()
    reference = TraceLog()
    for line in lines:
        reference.append(parse_entry(line).event)
    assert [e.line() for e in map(reference.entry, range(3))] == list(lines)
    stored = MerkleTree(MemoryNodeStore())
    for row in db.exec(select(MerkleNode).where(MerkleNode.level == 0).order_by(MerkleNode.idx)):
        stored.append_hash(bytes.fromhex(row.digest))
    assert stored.root() == reference.root()
    assert db.exec(select(func.count()).select_from(MerkleNode)).one() == 4  # 3 leaves + 1 node


def test_the_battery_row_follows_the_log(db: Session, record: Recorder) -> None:
    """Status, holder, location and mass of the battery row are derived from its events."""
    record(to_enterprise())
    battery = db.exec(select(Battery).where(Battery.code == PACK_A)).one()
    assert (battery.status, battery.holder, battery.location, battery.mass_g) == (
        "at_enterprise",
        CASCADE,
        PLANT,
        300_000,
    )
    assert (battery.product_type, battery.chemistry, battery.manufacturer_code) == ("P", "E", "S01")


def test_an_impossible_sequence_is_refused_and_nothing_is_written(db: Session, record: Recorder) -> None:
    """A handover before any receipt raises a lifecycle conflict naming the reason."""
    handover = item("handed_over", n=0, payload={"to_actor": CASCADE, "to_location": PLANT})
    with pytest.raises(RecordError) as caught:
        record([handover])
    assert caught.value.status == 409
    assert caught.value.errors[0].code == "not_received"
    assert db.exec(select(func.count()).select_from(TraceEventRow)).one() == 0


def test_one_bad_event_refuses_the_whole_batch(db: Session, record: Recorder) -> None:
    """All or none: a conflict at index 3 keeps indexes 0-2 out of the log too."""
    batch = [*to_enterprise(), item("received_at_outlet", n=5, role="collector")]
    with pytest.raises(RecordError) as caught:
        record(batch)
    assert [(e.index, e.code) for e in caught.value.errors] == [(3, "already_in_custody")]
    assert db.exec(select(func.count()).select_from(TraceEventRow)).one() == 0
    assert db.exec(select(func.count()).select_from(MerkleNode)).one() == 0


def test_the_same_event_twice_returns_the_stored_entry(record: Recorder) -> None:
    """Posting an event id again with the same body is answered with its first entry."""
    first = record(to_enterprise())
    again = record(to_enterprise()[:1])
    assert (again[0].seq, again[0].leaf_hash, again[0].created) == (first[0].seq, first[0].leaf_hash, False)


def test_the_same_event_id_with_other_content_is_refused(record: Recorder) -> None:
    """An event id reused for another body is a 422 on the event_id field."""
    record(to_enterprise())
    changed = to_enterprise()[0] | {"location": "NS-0002"}
    with pytest.raises(RecordError) as caught:
        record([changed])
    error = caught.value.errors[0]
    assert (caught.value.status, error.field, error.code) == (422, "event_id", "event_id_conflict")


def test_a_correction_supersedes_the_event_it_names(db: Session, record: Recorder) -> None:
    """A corrected capacity test replaces the original in the battery's history."""
    record([*to_enterprise(), item("capacity_tested", n=3, payload=TEST)])
    fixed = item(
        "capacity_tested",
        n=3,
        event_id="ev-fix",
        payload=TEST | {"soh_permille": 810},
        corrects=f"ev-{PACK_A[-4:]}-3",
        correction_reason="wrong channel read",
    )
    record([fixed])
    state = load_states(db, [PACK_A])[PACK_A]
    assert [e.event_id for e in state.history][-1] == "ev-fix"
    assert state.superseded == {f"ev-{PACK_A[-4:]}-3"}


def test_a_regrouping_links_the_product_to_its_sources(db: Session, record: Recorder) -> None:
    """A cascade product is tied to both packs and the packs point at it."""
    record(
        [
            *to_enterprise(PACK_A),
            *to_enterprise(PACK_B, start=3),
            item("regrouped", PRODUCT, n=7, payload={"sources": [PACK_A, PACK_B], "rated_energy_wh": 60_000}),
        ]
    )
    links = db.exec(select(BatteryLink.child_code).where(BatteryLink.parent_code == PRODUCT)).all()
    assert sorted(links) == [PACK_A, PACK_B]
    pack = db.exec(select(Battery).where(Battery.code == PACK_A)).one()
    assert (pack.status, pack.parent_code) == ("in_cascade_product", PRODUCT)


def test_a_source_in_a_product_can_no_longer_be_recycled(record: Recorder) -> None:
    """Events on a regrouped pack are refused: the product carries the record now."""
    record(
        [
            *to_enterprise(PACK_A),
            *to_enterprise(PACK_B, start=3),
            item("regrouped", PRODUCT, n=7, payload={"sources": [PACK_A, PACK_B]}),
        ]
    )
    with pytest.raises(RecordError) as caught:
        record([item("recycled", PACK_A, n=8, role="recycler", payload=RECYCLED)])
    assert caught.value.errors[0].code == "in_cascade_product"


def test_concurrent_appends_never_share_a_sequence_number(app, record: Recorder) -> None:
    """Two threads appending at once produce one gap-free chain and one tree."""
    record(to_enterprise(PACK_A))  # warm: the tables exist and have rows
    codes = [f"S01PE0A1234567S5A{n:07d}" for n in range(200, 216)]
    errors: list[BaseException] = []

    def worker(part: list[str]) -> None:
        with Session(app.extensions["reloop.engine"]) as session:
            for code in part:
                try:
                    event, _ = parse_event(to_enterprise(code)[0])
                    record_events(session, [event], actor_id=None)  # type: ignore[list-item]
                except BaseException as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)

    threads = [threading.Thread(target=worker, args=(codes[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(app.extensions["reloop.engine"]) as session:
        lines = session.exec(select(TraceEventRow.line).order_by(TraceEventRow.seq)).all()
        leaves = session.exec(select(func.count()).select_from(MerkleNode).where(MerkleNode.level == 0)).one()
    entries = [parse_entry(line) for line in lines]
    assert [e.seq for e in entries] == list(range(19)) and leaves == 19
    assert all(b.prev_hash == a.leaf_hash for a, b in zip(entries, entries[1:], strict=False))
