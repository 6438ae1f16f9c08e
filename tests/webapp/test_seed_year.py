"""The demo year: days planned by the real router and accepted, pickups recorded on them,
readings that follow the pickups, batteries through the verified log, all reproducible."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from sqlmodel import Session, col, select

from tests.webapp.conftest import make_app, wipe
from traceability import CHINA_TZ, verify_export
from webapp.audit.anomalies import find_all
from webapp.audit.deadlines import obligations, split
from webapp.dispatch.problem import PlanningError, build_day
from webapp.kiosk import ledger
from webapp.models import (
    Collection,
    CollectionOutcome,
    CollectionPlan,
    CollectionWeight,
    Driver,
    FillReading,
    Material,
    Outlet,
    OutletKind,
    OutletMaterial,
    OutletStatus,
    PlannedRoute,
    PlannedStop,
    PlanStatus,
    SkipReason,
    TraceEventRow,
    User,
    Vehicle,
)
from webapp.models.points import PointsEntry
from webapp.models.residents import Booking, BookingEvent, BookingItem, BookingStatus, ResidentAccount, Slot
from webapp.seed import seed_demo
from webapp.seed_year import seed_year
from webapp.seed_year._bins import make_bins
from webapp.seed_year._calendar import demand_factor
from webapp.seed_year._day import run_day
from webapp.seed_year._planning import Planner, Visit
from webapp.trace import keys
from webapp.trace.treeheads import export_lines, latest_tree_head
from webapp.trace.verification import check_heads

# Noon in Shenzhen, three weeks after the 2026 Spring Festival: the span has its ramp back.
NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)
DAYS, OUTLETS, SEED = 21, 40, 7


def _seed(app: Flask, cache_dir: Path) -> str:
    with app.app_context():
        session = Session(app.extensions["reloop.engine"])
        seed_demo(session, outlets=OUTLETS, days=DAYS, seed=SEED, cache_dir=cache_dir, now=NOW)
        digest = _fingerprint(session)
        session.close()
    return digest


@pytest.fixture(scope="module")
def year(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[tuple]:
    """Three weeks of operations on 40 outlets, seeded once for the module."""
    app = make_app(database_url, tmp_path_factory.mktemp("year"), cache_dir)
    digest = _seed(app, cache_dir)
    yield app, digest
    wipe(app)
    app.extensions["reloop.engine"].dispose()


@pytest.fixture
def db(year) -> Iterator[Session]:
    app, _digest = year
    with app.app_context():
        session = Session(app.extensions["reloop.engine"])
        yield session
        session.close()


def _fingerprint(session: Session) -> str:
    """A digest of what the seed made, by codes and values, never by row ids."""
    h = hashlib.sha256()
    outlets = {o.id: o.code for o in session.exec(select(Outlet))}
    materials = {m.id: m.code for m in session.exec(select(Material))}
    plates = {v.id: v.plate for v in session.exec(select(Vehicle))}
    for plan in session.exec(select(CollectionPlan).order_by(CollectionPlan.day, CollectionPlan.depot_id)):
        h.update(f"{plan.day}|{plan.distance_m}|{plan.collected_g}|{plan.status}".encode())
    for stop, vehicle in session.exec(
        select(PlannedStop, PlannedRoute.vehicle_id)
        .join(PlannedRoute, col(PlannedRoute.id) == PlannedStop.route_id)
        .order_by(PlannedStop.id)
    ):
        h.update(f"{outlets.get(stop.outlet_id)}|{stop.arrival_s}|{plates[vehicle]}".encode())
    weights: dict[int, list[str]] = {}
    for w in session.exec(select(CollectionWeight)):
        weights.setdefault(w.collection_id, []).append(f"{materials[w.material_id]}={w.grams}")
    for c in session.exec(select(Collection).order_by(Collection.recorded_at, Collection.client_id)):
        h.update(
            f"{c.client_id}|{outlets.get(c.outlet_id, 'door')}|{c.outcome}|{c.recorded_at}|{c.total_g}|"
            f"{sorted(weights.get(c.id, []))}".encode()
        )  # type: ignore[arg-type]
    for b in session.exec(select(Booking).order_by(Booking.created_at, Booking.code)):
        h.update(f"{b.code}|{b.status}|{b.reason}|{b.created_at}|{b.code_used_at}".encode())
    for e in session.exec(
        select(PointsEntry).order_by(PointsEntry.at, PointsEntry.points, PointsEntry.grams)
    ):
        source = e.source_ref.split(":")[0]  # "collection:<row id>": ids differ after a wipe on PostgreSQL
        h.update(f"{source}|{materials.get(e.material_id)}|{e.points}|{e.grams}|{e.at}".encode())
    for r in session.exec(select(FillReading).order_by(FillReading.reading_id)):
        h.update(f"{r.reading_id}|{r.fill_pct}".encode())
    for line in export_lines(session):
        h.update(line.encode())
    return h.hexdigest()


def _span() -> list[date]:
    return [TODAY - timedelta(days=n) for n in range(DAYS, 0, -1)]


def test_every_day_of_the_span_has_accepted_plans_with_drivers(db) -> None:
    """Each day up to yesterday has accepted plans whose routes all have a driver; today has none."""
    plans = db.exec(select(CollectionPlan)).all()
    assert {p.day for p in plans} == set(_span())
    assert {p.status for p in plans} == {PlanStatus.ACCEPTED}
    assert all(p.accepted_at is not None and p.accepted_at.date() <= p.day for p in plans)
    routes = db.exec(select(PlannedRoute)).all()
    assert routes and all(r.driver_id is not None for r in routes)


def test_every_collection_is_on_a_stop_of_an_accepted_route(db) -> None:
    """Each record names a stop of its route, the stop's outlet (none at a resident's door),
    the route's driver and the plan's day."""
    rows = db.exec(
        select(Collection, PlannedStop, PlannedRoute, CollectionPlan)
        .join(PlannedStop, col(PlannedStop.id) == Collection.stop_id)
        .join(PlannedRoute, col(PlannedRoute.id) == PlannedStop.route_id)
        .join(CollectionPlan, col(CollectionPlan.id) == PlannedRoute.plan_id)
    ).all()
    assert len(rows) == len(db.exec(select(Collection)).all()) > 50
    for record, stop, route, plan in rows:
        assert (record.route_id, record.outlet_id, record.driver_id) == (
            route.id,
            stop.outlet_id,
            route.driver_id,
        )
        assert stop.kind in ("outlet", "booking") and plan.status == PlanStatus.ACCEPTED
        assert (stop.kind == "booking") == (stop.booking_id is not None) == (record.outlet_id is None)
        assert record.recorded_at.astimezone(CHINA_TZ).date() == plan.day


def _in_force(db: Session) -> dict[int, Collection]:
    replaced = {c.supersedes_id for c in db.exec(select(Collection)) if c.supersedes_id}
    return {c.stop_id: c for c in db.exec(select(Collection)) if c.id not in replaced}


def test_no_truck_carries_more_than_its_capacity_between_unloadings(db) -> None:
    """Collected weights on board, counted from each unloading, never pass the truck's capacity."""
    records = _in_force(db)
    capacity = {v.id: v.capacity_g for v in db.exec(select(Vehicle))}
    heaviest = 0.0
    for route in db.exec(select(PlannedRoute)):
        on_board = 0
        for stop in db.exec(
            select(PlannedStop).where(PlannedStop.route_id == route.id).order_by(PlannedStop.position)
        ):
            on_board = (
                0
                if stop.kind == "unload"
                else on_board + (records[stop.id].total_g if stop.id in records else 0)
            )  # type: ignore[index]
            assert on_board <= capacity[route.vehicle_id]
            heaviest = max(heaviest, on_board / capacity[route.vehicle_id])
    assert heaviest > 0.05  # the check saw real loads


def test_weights_add_up_and_are_of_materials_the_outlet_takes(db) -> None:
    """A record's total is the sum of its weights, in whole 100 g, of materials its outlet
    accepts (at a door: of what the resident booked)."""
    booked = {
        (s.id, i.material_id)
        for s, i in db.exec(
            select(PlannedStop, BookingItem).join(
                BookingItem, col(BookingItem.booking_id) == PlannedStop.booking_id
            )
        )
    }
    accepted = {(m.outlet_id, m.material_id) for m in db.exec(select(OutletMaterial))}
    weights: dict[int, list[CollectionWeight]] = {}
    for w in db.exec(select(CollectionWeight)):
        weights.setdefault(w.collection_id, []).append(w)  # type: ignore[arg-type]
    for record in db.exec(select(Collection)):
        mine = weights.get(record.id, [])  # type: ignore[arg-type]
        assert record.total_g == sum(w.grams for w in mine)
        assert all(w.grams > 0 and w.grams % 100 == 0 for w in mine)
        if record.outlet_id is None:
            assert all((record.stop_id, w.material_id) in booked for w in mine)
        else:
            assert all((record.outlet_id, w.material_id) in accepted for w in mine)
        assert (record.outcome == CollectionOutcome.COLLECTED) == bool(mine)


def test_a_few_stops_are_skipped_with_the_evidence_their_reason_needs(db) -> None:
    """Skips are a few per cent, each with a reason, and a photo or note where the reason asks."""
    reasons = {r.id: r for r in db.exec(select(SkipReason))}
    records = db.exec(select(Collection)).all()
    skipped = [c for c in records if c.outcome == CollectionOutcome.SKIPPED]
    assert 0 < len(skipped) < 0.1 * len(records)
    for record in skipped:
        reason = reasons[record.skip_reason_id]  # type: ignore[index]
        assert not reason.requires_photo or record.photo_id is not None
        assert not reason.requires_note or record.note


def test_corrections_supersede_a_record_of_the_same_stop(db) -> None:
    """A correction is a new row naming the first record of the same stop, with a reason."""
    records = {c.id: c for c in db.exec(select(Collection))}
    corrections = [c for c in records.values() if c.supersedes_id]
    for c in corrections:
        first = records[c.supersedes_id]  # type: ignore[index]
        assert first.stop_id == c.stop_id and c.correction_reason and c.recorded_at > first.recorded_at
    assert len(corrections) < 0.02 * len(records)


def test_fill_readings_drop_after_each_pickup(db) -> None:
    """The first reading after a pickup is below the last one before it."""
    readings: dict[int, list[FillReading]] = {}
    for r in db.exec(select(FillReading).order_by(FillReading.measured_at)):
        readings.setdefault(r.outlet_id, []).append(r)
    checked = 0
    for record in _in_force(db).values():
        if record.outcome != CollectionOutcome.COLLECTED or record.outlet_id is None:  # not: at a door
            continue
        series = readings[record.outlet_id]
        before = [r.fill_pct for r in series if r.measured_at < record.arrived_at]
        after = [r.fill_pct for r in series if r.measured_at > record.recorded_at]
        if before and after:
            assert after[0] < before[-1], record.client_id
            checked += 1
    assert checked > 30


def test_outlets_end_with_their_seeded_status_and_todays_reading(db) -> None:
    """After the simulation every active outlet's latest reading is from today; statuses are as seeded."""
    outlets = db.exec(select(Outlet)).all()
    assert {o.status for o in outlets} <= {OutletStatus.ACTIVE, OutletStatus.PLANNED, OutletStatus.CLOSED}
    for outlet in outlets:
        if outlet.status == OutletStatus.ACTIVE:
            assert (
                outlet.last_fill_at is not None and outlet.last_fill_at.astimezone(CHINA_TZ).date() == TODAY
            )
        if outlet.status == OutletStatus.PLANNED:
            assert outlet.last_fill_pct is None


def test_the_year_planner_builds_the_dispatch_boards_problem(year, db, cache_dir) -> None:
    """On one precomputed matrix the seed builds exactly the problem `build_day` builds."""
    planner = Planner(db, cache_dir=cache_dir)
    for depot_id in planner.depot_ids:
        try:
            board = build_day(db, TODAY, depot_id, cache_dir=cache_dir)  # type: ignore[arg-type]
        except PlanningError:
            with pytest.raises(PlanningError):
                planner.build(db, TODAY, depot_id)  # type: ignore[arg-type]
            continue
        ours = planner.build(db, TODAY, depot_id)  # type: ignore[arg-type]
        assert ours.problem.stops == board.problem.stops and ours.stops == board.stops
        assert ours.problem.vehicle_types == board.problem.vehicle_types
        assert ours.problem.facilities == board.problem.facilities
        assert ours.problem.locations == board.problem.locations
        assert np.array_equal(ours.problem.distance_m, board.problem.distance_m)
        assert np.array_equal(ours.problem.duration_s, board.problem.duration_s)
        assert ours.legs.leg_lonlat(0, len(ours.problem.locations) - 1) == board.legs.leg_lonlat(
            0, len(board.problem.locations) - 1
        )


def test_the_battery_log_verifies_against_its_signed_heads(year, db) -> None:
    """The exported log matches the latest signed head, and every monthly head is consistent."""
    app, _digest = year
    head = latest_tree_head(db)
    assert head is not None and head.tree_size == len(db.exec(select(TraceEventRow.seq)).all())
    result = verify_export(
        (line.encode() for line in export_lines(db)), head, public_key=keys.public_key(app)
    )
    assert result.ok, result.summary()
    checks = check_heads(db, keys.public_key(app))
    assert len(checks) >= 2
    assert all(c.signature_ok and c.consistent_with_previous is not False for c in checks)


def test_the_battery_log_has_late_reports_and_anomalies(db) -> None:
    """Some reports are late or missing, and the regulator's anomaly lists are not empty."""
    lists = split(obligations(db, today=TODAY))
    assert lists["late"] and lists["overdue"]
    found = find_all(db, now=NOW)
    assert sum(bool(v) for v in found.values()) >= 4, {k: len(v) for k, v in found.items()}


def test_seeding_again_adds_nothing(year, db, cache_dir) -> None:
    """A second demo seed, or a second year over the same span, leaves the data as it was."""
    app, digest = year
    assert not seed_demo(db, outlets=OUTLETS, days=DAYS, seed=SEED, cache_dir=cache_dir, now=NOW).created
    org_id = db.exec(select(Outlet.org_id)).first()
    assert seed_year(db, days=DAYS, seed=SEED, now=NOW, org_id=org_id, cache_dir=cache_dir).plans == 0
    assert _fingerprint(db) == digest


def test_the_demand_dips_at_the_spring_festival_and_rises_at_weekends() -> None:
    """Lunar New Year's Day takes in under half a weekday; a Saturday more than a Monday."""
    assert demand_factor(date(2026, 2, 17), "paper") < 0.5
    assert demand_factor(date(2026, 3, 14), "glass") > demand_factor(date(2026, 3, 9), "glass")
    assert demand_factor(date(2026, 11, 12), "paper") > demand_factor(date(2026, 11, 12), "glass")


def test_an_outlet_opened_mid_span_has_no_reading_before_its_opening_day() -> None:
    """A bin exists from its outlet's opening day on: no reading before, two a day after."""
    start = date(2026, 5, 1)
    outlet = Outlet(
        id=1,
        code="NS-0001",
        name="x",
        kind=OutletKind.KIOSK,
        status=OutletStatus.ACTIVE,
        lon=113.95,
        lat=22.53,
        capacity_l=1000,
        opened_on=date(2026, 5, 4),
    )
    bins = make_bins(
        [outlet], {1: ["paper", "glass"]}, {1: (date(2026, 5, 4), None)}, start=start, rng=random.Random(1)
    )
    days = [
        run_day(start + timedelta(days=n), bins, [], capacity_g={}, densities={}, rng=random.Random(n))
        for n in range(6)
    ]
    assert [len(d.readings) for d in days] == [0, 0, 0, 2, 2, 2]
    fills = [r.fill_pct for d in days for r in d.readings]
    assert fills[0] < 20 and fills[-1] > fills[0]


def test_pickups_skip_a_few_per_cent_and_never_overload_a_truck() -> None:
    """Of many stops a few per cent are skipped with a reason; a small truck skips what would overload it."""
    day, opened = date(2026, 5, 12), date(2026, 1, 1)
    outlets = [
        Outlet(
            id=i,
            code=f"NS-{i:04d}",
            name="x",
            kind=OutletKind.KIOSK,
            status=OutletStatus.ACTIVE,
            lon=113.95,
            lat=22.53,
            capacity_l=1000,
            opened_on=opened,
        )
        for i in range(1, 801)
    ]
    bins = make_bins(
        outlets,
        dict.fromkeys(range(1, 801), ["paper", "glass", "metal"]),
        dict.fromkeys(range(1, 801), (opened, None)),
        start=day - timedelta(days=3),
        rng=random.Random(2),
    )
    start = datetime.combine(day, time(8, 30), CHINA_TZ)
    # Every fifth stop on one route of the small truck; each other stop alone on a big truck's route.
    visits = [
        Visit(
            i,
            0 if i % 5 == 0 else i,
            i,
            "outlet",
            i,
            start + timedelta(seconds=30 * i),
            start + timedelta(seconds=30 * i + 400),
            2 if i % 5 == 0 else 1,
            1,
        )
        for i in range(1, 801)
    ]
    result = run_day(
        day,
        bins,
        visits,
        capacity_g={1: 5_000_000, 2: 300_000},
        densities={"paper": 120, "glass": 300, "metal": 350},
        rng=random.Random(3),
    )
    big = [p for p in result.pickups if p.visit.vehicle_id == 1]
    assert 0.005 < sum(p.outcome == CollectionOutcome.SKIPPED for p in big) / len(big) < 0.06
    assert all(
        p.skip_reason in {"closed", "no_access", "empty", "contaminated", "out_of_time", "other"}
        for p in big
        if p.outcome == CollectionOutcome.SKIPPED
    )
    small = [p for p in result.pickups if p.visit.vehicle_id == 2]
    assert sum(sum(p.weights_g.values()) for p in small) <= 300_000
    assert any(p.skip_reason == "truck_full" for p in small)


def test_the_same_seed_gives_the_same_year(year, cache_dir) -> None:
    """Seeding again from scratch with the same seed and clock makes the same plans, records and log."""
    app, digest = year
    wipe(app)
    assert _seed(app, cache_dir) == digest


def _doorstep(db: Session) -> list[tuple[Booking, Collection, PlannedStop]]:
    """The seeded bookings collected at the door, with their record and stop."""
    return list(
        db.exec(
            select(Booking, Collection, PlannedStop)
            .join(PlannedStop, col(PlannedStop.booking_id) == Booking.id)
            .join(Collection, col(Collection.stop_id) == PlannedStop.id)
            .where(Booking.status == BookingStatus.COLLECTED)
        ).all()
    )


def test_residents_bookings_are_served_by_the_days_routes_and_credited(db) -> None:
    """Working days have doorstep bookings; each collected one is a booking stop of an
    accepted route in its slot, recorded with integer grams and no outlet, its code used,
    and every material credited through the ledger at the price of the day."""
    served = _doorstep(db)
    assert len(served) >= DAYS // 2
    for booking, record, stop in served:
        slot = db.get(Slot, booking.slot_id)
        plan = db.exec(
            select(CollectionPlan)
            .join(PlannedRoute, col(PlannedRoute.plan_id) == CollectionPlan.id)
            .where(PlannedRoute.id == stop.route_id)
        ).one()
        assert plan.status == PlanStatus.ACCEPTED and plan.day == slot.day and slot.day.weekday() < 5
        assert stop.kind == "booking" and record.outlet_id is None
        assert record.outcome == CollectionOutcome.COLLECTED and record.total_g > 0
        start_s = slot.start.hour * 3600 + slot.start.minute * 60
        assert start_s <= stop.arrival_s <= slot.end.hour * 3600 + slot.end.minute * 60
        assert booking.code_used_at is not None and booking.collected_at == record.recorded_at
        weights = db.exec(select(CollectionWeight).where(CollectionWeight.collection_id == record.id)).all()
        assert sum(w.grams for w in weights) == record.total_g and all(w.grams > 0 for w in weights)
        credits = db.exec(
            select(PointsEntry).where(PointsEntry.source_ref == f"collection:{record.id}")
        ).all()
        assert sorted((c.material_id, c.grams) for c in credits) == sorted(
            (w.material_id, w.grams) for w in weights
        )
        assert all(c.resident_id == booking.resident_id and c.points > 0 for c in credits)
    # The whole history, dated when it happened: booked before the day, collected on it.
    booking, record, _stop = served[0]
    events = db.exec(
        select(BookingEvent).where(BookingEvent.booking_id == booking.id).order_by(BookingEvent.at)
    ).all()
    assert [e.status for e in events][0] == BookingStatus.BOOKED
    assert [e.status for e in events][-3:] == [
        BookingStatus.ASSIGNED,
        BookingStatus.ON_THE_WAY,
        BookingStatus.COLLECTED,
    ]
    assert events[-1].at == record.recorded_at and events[0].at < events[-1].at


def test_a_few_bookings_are_cancelled_moved_or_left_unassigned_with_a_reason(db) -> None:
    """Residents cancel or move a few; a booking no truck can reach in its slot stays
    unassigned with the board's reason; slots never hold more than their capacity."""
    bookings = db.exec(select(Booking)).all()
    statuses = [b.status for b in bookings]
    assert statuses.count(BookingStatus.COLLECTED) > len(bookings) // 2
    events = db.exec(select(BookingEvent)).all()
    reasons = {e.reason for e in events}
    assert {"cancelled by the resident", "rescheduled by the resident"} <= reasons
    for booking in bookings:
        if booking.status == BookingStatus.UNASSIGNED:
            assert booking.reason
    for slot in db.exec(select(Slot)).all():
        taken = sum(1 for b in bookings if b.slot_id == slot.id and b.status != BookingStatus.CANCELLED)
        assert taken == slot.booked <= slot.capacity


def test_ledger_balances_hold_kiosk_and_doorstep_credits_in_time_order(db) -> None:
    """A resident's ledger numbers its rows in time order (deposits and doors interleaved)
    and its balance is the sum of its rows."""
    booking, _record, _stop = _doorstep(db)[0]
    rows = db.exec(
        select(PointsEntry).where(PointsEntry.resident_id == booking.resident_id).order_by(PointsEntry.seq)
    ).all()
    assert any(r.source_ref.startswith("deposit:") for r in rows)
    assert any(r.source_ref.startswith("collection:") for r in rows)
    assert [r.at for r in rows] == sorted(r.at for r in rows)
    assert ledger.balance(db, booking.resident_id) == sum(r.points for r in rows)


def test_the_metrics_report_counts_the_doorstep(year, db, tmp_path) -> None:
    """``reloop metrics report --format json`` over the span: doorstep grams and bookings > 0."""
    import json

    app, _digest = year
    out = tmp_path / "report.json"
    span = _span()
    result = app.test_cli_runner().invoke(
        args=[
            "metrics",
            "report",
            "--from",
            f"{span[0]}",
            "--to",
            f"{span[-1]}",
            "--format",
            "json",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    residents = report["residents"]
    doorstep_g = residents["kg_by_channel"]["doorstep_g"]["value"]
    assert doorstep_g > 0 and residents["collected"]["value"] > 0
    assert residents["served_in_slot"]["numerator"]["value"] > 0
    door = [r for r in report["collection"]["by_outlet"] if r["key"] == "doorstep"]
    assert door and sum(r["grams"]["value"] for r in door) == doorstep_g
    assert sum(r["collections"] for r in door) > 0


def test_a_seeded_resident_sees_the_bookings_history_and_points(year, db) -> None:
    """The resident app's history lists a seeded resident's collected booking; its page
    shows the weights and the points credited, the home page the ledger's balance."""
    app, _digest = year
    booking, record, _stop = _doorstep(db)[0]
    account = db.get(ResidentAccount, booking.resident_id)
    client = app.test_client()
    answer = client.post("/login", data={"username": account.phone, "password": "demo-resident-1"})
    assert answer.status_code == 302
    page = client.get("/r/history", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"/r/bookings/{booking.id}" in text
    detail = client.get(f"/r/bookings/{booking.id}").get_data(as_text=True)
    credited = db.exec(select(PointsEntry).where(PointsEntry.source_ref == f"collection:{record.id}")).all()
    assert f'id="points">{sum(c.points for c in credited)}<' in detail
    assert f"{record.total_g / 1000:.2f} kg" in detail or f"{record.total_g / 1000:.1f} kg" in detail
    balance = ledger.balance(db, booking.resident_id)
    assert f'id="balance">{balance}<' in client.get("/r/").get_data(as_text=True)


def test_drivers_of_the_demo_each_drive_a_truck(db) -> None:
    """Every truck has its driver, so no accepted route is left without one."""
    drivers = db.exec(select(Driver, User.username).join(User, col(User.id) == Driver.user_id)).all()
    assert {d.vehicle_id for d, _name in drivers} == set(db.exec(select(Vehicle.id)).all())


def test_demo_battery_log_counts_for_the_demo_enterprise(db, cache_dir) -> None:
    """The demo's battery entries carry its organisation, so its indicators include them."""
    from webapp.models import Organisation, TraceEventRow
    from webapp.seed import seed_demo

    seed_demo(db, outlets=30, days=0, seed=5, cache_dir=cache_dir)
    org = db.exec(select(Organisation)).one()
    orgs = set(db.exec(select(TraceEventRow.org_id)).all())
    assert orgs == {org.id}
