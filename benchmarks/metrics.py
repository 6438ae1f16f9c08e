"""Benchmark the demonstration-enterprise indicators against the issue's target.

One year of 500 outlets with daily collections is bulk-inserted (Core executemany,
explicit ids: fast, no ORM) into a scratch SQLite file and a scratch PostgreSQL
database: a plan a day with 10 routes of 50 stops, a record per stop (about 4 %
skipped with a reason, 1 % corrected by a superseding record), three materials per
collection; 50 outlets open during the year. Batteries go through the real log
(``record_events``: receipt, handover, receipt by the enterprise, test, then
regrouping or recycling) and a tree head is signed. The sorting centre's year follows
(:mod:`webapp.seed_year._sorting`): an inbound weighbridge ticket per route and day,
weekly sorting batches, fortnightly sales with outbound tickets. Then the full indicator set
(``webapp.metrics.compute``) is timed: cold (first call in the process, coverage
cache empty), and warm (median of 5; coverage cached by the outlet set).
The mass balance alone (median of 5) and the whole PDF report (with its mass-balance
page) are timed too. Target: <= 2 s on each backend.

    python benchmarks/metrics.py                      # both databases
    python benchmarks/metrics.py --skip-postgres --batteries 500
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlmodel import Session

import geodata
from traceability import CHINA_TZ, ActorRole, EventKind, generate_key
from webapp.auth.operations import create_user
from webapp.config import normalise_database_url
from webapp.db import make_engine, scratch_postgres, upgrade
from webapp.metrics import Scope, _coverage, compute, mass_balance, report_pdf
from webapp.metrics.factors import add_rate, seed_factors
from webapp.models import (
    Collection,
    CollectionPlan,
    CollectionWeight,
    Driver,
    Facility,
    FacilityKind,
    Material,
    Organisation,
    Outlet,
    PlannedRoute,
    PlannedStop,
    Role,
    SkipReason,
    TraceEventRow,
    TraceReport,
    Vehicle,
)
from webapp.seed import seed_materials, seed_skip_reasons
from webapp.seed_year._sorting import SortingReport, seed_sorting_centre
from webapp.trace.inputs import EventInput
from webapp.trace.operations import record_events
from webapp.trace.treeheads import issue_tree_head

FIRST_DAY = date(2025, 1, 1)
DAYS = 365
ROUTES, STOPS = 10, 50
CHUNK = 20_000


@contextmanager
def database(kind: str, server: str, workdir: Path) -> Iterator[str]:
    """A fresh migrated database (a SQLite file, or a new PostgreSQL database)."""
    if kind == "sqlite":
        url = f"sqlite:///{workdir / f'metrics-{uuid.uuid4().hex[:6]}.db'}"
        upgrade(url)
        yield url
        return
    with scratch_postgres(server, prefix="reloop_bench") as url:
        yield url


def _bulk(engine: Engine, table: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(table.__table__), rows[start : start + CHUNK])


def reference(engine: Engine, outlets: int, rng: random.Random) -> dict[str, Any]:
    """Materials, reasons, factors, rates, an organisation, a depot, a driver, the outlets."""
    with Session(engine, expire_on_commit=False) as session:
        seed_materials(session)
        seed_skip_reasons(session)
        seed_factors(session)
        for code in ("glass", "textiles", "low_value_plastic", "waste_wood", "composite_packaging"):
            add_rate(
                session,
                kind="low_value_tonne",
                material=code,
                fen=20_000,
                basis="bench",
                valid_from=FIRST_DAY,
            )
        add_rate(session, kind="new_outlet", fen=1_000_000, basis="bench", valid_from=FIRST_DAY)
        org = Organisation(name="基准测试公司")
        session.add(org)
        session.flush()
        depot = Facility(
            code="SC-1",
            name="分拣中心",
            kind=FacilityKind.SORTING_CENTRE,
            lon=113.975,
            lat=22.512,
            is_depot=True,
            org_id=org.id,
        )
        session.add(depot)
        session.flush()
        vehicle = Vehicle(
            plate="粤B·00001", capacity_g=5_000_000, volume_l=12_000, depot_id=depot.id, org_id=org.id
        )  # type: ignore[arg-type]
        user = create_user(
            session,
            username="bench-driver",
            password="bench-password-1",
            role=Role.DRIVER,
            display_name="司机",
        )
        session.add(vehicle)
        session.flush()
        driver = Driver(user_id=user.id, name="司机", org_id=org.id)  # type: ignore[arg-type]
        session.add(driver)
        session.commit()
        materials = list(session.exec(select(Material.id)).scalars())  # type: ignore[call-overload]
        reasons = list(session.exec(select(SkipReason.id)).scalars())  # type: ignore[call-overload]
        ids = dict(org=org.id, depot=depot.id, vehicle=vehicle.id, driver=driver.id)
    demand = geodata.street_frontage_demand(geodata.load_network(mode="walk"))
    points = rng.sample([p for p in demand.points if p.flag is None], outlets)
    rows = []
    for n, point in enumerate(points, start=1):
        opened = (
            FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            if n <= outlets // 10
            else FIRST_DAY - timedelta(days=rng.randrange(30, 900))
        )
        rows.append(
            {
                "id": n,
                "org_id": ids["org"],
                "code": f"BM-{n:04d}",
                "name": f"网点{n}",
                "kind": rng.choice(["kiosk", "kiosk", "smart_bin", "co_built"]),
                "status": "active",
                "district": point.district,
                "address": "",
                "lon": point.lon,
                "lat": point.lat,
                "fill_threshold_pct": 80,
                "capacity_l": 1000,
                "host_name": "",
                "host_phone": "",
                "partner": "",
                "opened_on": opened,
                "close_reason": "",
                "created_at": datetime.now(UTC),
                "updated_at": datetime.now(UTC),
            }
        )
    _bulk(engine, Outlet, rows)
    return {**ids, "materials": materials, "reasons": reasons, "outlets": len(rows)}


def operations(engine: Engine, ids: dict[str, Any], rng: random.Random) -> int:
    """A year of plans, routes, stops, records and weights; returns the records."""
    plans, routes, stops, records, weights = [], [], [], [], []
    now = datetime.now(UTC)
    for d in range(DAYS):
        day = FIRST_DAY + timedelta(days=d)
        plans.append(
            {
                "id": d + 1,
                "org_id": ids["org"],
                "day": day,
                "depot_id": ids["depot"],
                "status": "accepted",
                "created_at": now,
                "time_limit_s": 1,
                "seed": 0,
                "distance_m": 0,
                "duration_s": 0,
                "stops_served": 0,
                "collected_g": 0,
                "unassigned_count": 0,
                "plan": {},
                "stops": {},
                "unassigned": [],
            }
        )
        for r in range(ROUTES):
            route_id = d * ROUTES + r + 1
            routes.append(
                {
                    "id": route_id,
                    "plan_id": d + 1,
                    "number": r + 1,
                    "vehicle_id": ids["vehicle"],
                    "driver_id": ids["driver"],
                    "colour": "#0072B2",
                    "distance_m": rng.randrange(30_000, 90_000),
                    "duration_s": 28_800,
                    "start_s": 0,
                    "end_s": 28_800,
                    "collected_g": 0,
                    "stop_count": STOPS,
                    "geometry": [],
                }
            )
            for s in range(STOPS):
                outlet = r * STOPS + s + 1
                stop_id = len(stops) + 1
                stops.append(
                    {
                        "id": stop_id,
                        "route_id": route_id,
                        "position": s,
                        "kind": "outlet",
                        "outlet_id": outlet,
                        "arrival_s": 0,
                        "departure_s": 0,
                        "expected_g": 0,
                        "load_after_g": 0,
                    }
                )
                _record(records, weights, rng, ids, stop_id, route_id, outlet, day)
    for table, rows in (
        (CollectionPlan, plans),
        (PlannedRoute, routes),
        (PlannedStop, stops),
        (Collection, records),
        (CollectionWeight, weights),
    ):
        _bulk(engine, table, rows)
    return len(records)


def _record(
    records: list[dict[str, Any]],
    weights: list[dict[str, Any]],
    rng: random.Random,
    ids: dict[str, Any],
    stop_id: int,
    route_id: int,
    outlet: int,
    day: date,
) -> None:
    skip = rng.random() < 0.04
    versions = 1 if skip or rng.random() > 0.01 else 2
    previous = None
    for _ in range(versions):
        row_id = len(records) + 1
        at = datetime(day.year, day.month, day.day, 10, tzinfo=CHINA_TZ)
        records.append(
            {
                "id": row_id,
                "org_id": ids["org"],
                "client_id": f"b{row_id}",
                "stop_id": stop_id,
                "route_id": route_id,
                "outlet_id": outlet,
                "driver_id": ids["driver"],
                "outcome": "skipped" if skip else "collected",
                "total_g": 0,
                "skip_reason_id": rng.choice(ids["reasons"]) if skip else None,
                "note": "",
                "recorded_at": at,
                "received_at": at,
                "supersedes_id": previous,
                "correction_reason": "更正" if previous else "",
                "out_of_order": False,
                "body_sha256": hashlib.sha256(b"%d" % row_id).hexdigest(),
            }
        )
        if not skip:
            grams = {m: rng.randrange(500, 40_000) for m in rng.sample(ids["materials"], 3)}
            records[-1]["total_g"] = sum(grams.values())
            weights += [{"collection_id": row_id, "material_id": m, "grams": g} for m, g in grams.items()]
        previous = row_id


def battery_log(engine: Engine, ids: dict[str, Any], count: int, rng: random.Random) -> int:
    """``count`` packs through the real log, reports for most duties, a signed head."""
    events: list[EventInput] = []
    R, K = ActorRole, EventKind
    for n in range(count):
        code = f"S01PE0A{n % 10**7:07d}S5A{n // 10**7:01d}{n % 10**6:06d}"
        at = datetime(2025, 1, 1, 9, tzinfo=CHINA_TZ) + timedelta(days=rng.randrange(DAYS - 30))
        hop = {"to_actor": "梯次利用企业", "to_location": "PLANT"}
        events += [
            EventInput(
                f"b{n}-0",
                K.RECEIVED_AT_OUTLET,
                code,
                "回收网点",
                R.COLLECTOR,
                "BM-0001",
                at,
                {"mass_g": 300_000},
            ),
            EventInput(
                f"b{n}-1",
                K.HANDED_OVER,
                code,
                "回收网点",
                R.COLLECTOR,
                "BM-0001",
                at + timedelta(days=1),
                hop,
            ),
            EventInput(
                f"b{n}-2",
                K.RECEIVED_BY_ENTERPRISE,
                code,
                "梯次利用企业",
                R.CASCADE_USER,
                "PLANT",
                at + timedelta(days=2),
                {"mass_g": 300_000},
            ),
            EventInput(
                f"b{n}-3",
                K.CAPACITY_TESTED,
                code,
                "梯次利用企业",
                R.CASCADE_USER,
                "PLANT",
                at + timedelta(days=3),
                {"soh_permille": 800, "capacity_wh": 40_000, "method": "GB/T 34015-2017", "equipment": "BTS"},
            ),
        ]
    events.sort(key=lambda e: e.occurred_at)
    with Session(engine, expire_on_commit=False) as session:
        for start in range(0, len(events), 500):
            record_events(session, events[start : start + 500], actor_id=None, org_id=ids["org"])
        duties = session.exec(
            select(TraceEventRow.event_id, TraceEventRow.occurred_at).where(
                TraceEventRow.kind == "received_by_enterprise"
            )
        ).all()
        session.add_all(
            TraceReport(event_id=e, reported_at=at + timedelta(days=rng.choice([3, 5, 40])))
            for e, at in duties
        )
        session.commit()
        issue_tree_head(session, generate_key())
    return len(events)


def bench(kind: str, args: argparse.Namespace, workdir: Path) -> list[tuple[str, str, str]]:
    """Load a year into a fresh database of ``kind`` and time the indicators."""
    rng = random.Random(7)
    with database(kind, args.postgres, workdir) as url:
        engine = make_engine(normalise_database_url(url))
        started = time.perf_counter()
        ids = reference(engine, args.outlets, rng)
        records = operations(engine, ids, rng)
        events = battery_log(engine, ids, args.batteries, rng)
        centre = sorting_centre(engine, ids)
        with engine.begin() as conn:  # statistics, as a live database has them
            conn.exec_driver_sql("ANALYZE")
        load = time.perf_counter() - started
        scope = Scope(FIRST_DAY, FIRST_DAY + timedelta(days=DAYS - 1))
        cache = workdir / f"cache-{kind}"
        _coverage._memory.clear()
        timings = []
        with Session(engine) as session:
            for _ in range(6):
                started, cpu = time.perf_counter(), time.process_time()
                found = compute(session, scope, cache_dir=cache)
                timings.append((time.perf_counter() - started, time.process_time() - cpu))
                session.rollback()
            balance_timings = []
            for _ in range(5):
                started = time.perf_counter()
                mass_balance.compute(session, scope, found.collection)
                balance_timings.append(time.perf_counter() - started)
            started = time.perf_counter()
            report_pdf.write(found, workdir / f"report-{kind}.pdf")
            pdf_s = time.perf_counter() - started
        engine.dispose()
    total_t = found.collection.total.value / 1e6
    setting = f"{ids['outlets']} outlets, {records:,} records, {events:,} log entries"
    lines = found.mass_balance.lines
    weighed_t, sold_t = (sum(getattr(m, k) for m in lines) / 1e6 for k in ("weighed_g", "sold_g"))
    sorting_rows = [
        (
            f"mass balance {kind}",
            f"{centre.tickets:,} tickets, {centre.batches} batches, {centre.sales} sales; median of 5",
            f"{statistics.median(balance_timings):.2f} s wall",
        ),
        (f"PDF report {kind}", "all pages, mass balance included", f"{pdf_s:.2f} s wall"),
        (
            f"check {kind} balance",
            f"subsidy basis {found.subsidy.basis}",
            f"{weighed_t:,.1f} t weighed, {sold_t:,.1f} t sold",
        ),
    ]
    return [
        (f"load {kind}", setting, f"{load:.1f} s"),
        (f"indicators {kind} cold", "coverage computed", _both(*timings[0])),
        (
            f"indicators {kind} warm",
            "median of 5",
            _both(statistics.median(t[0] for t in timings[1:]), statistics.median(t[1] for t in timings[1:])),
        ),
        (f"check {kind}", "tonnes collected", f"{total_t:,.1f} t"),
        *sorting_rows,
    ]


def sorting_centre(engine: Engine, ids: dict[str, Any]) -> SortingReport:
    """The year at the sorting centre, as the demo writes it: a ticket per trip (net within
    a few per cent of the drivers' weights), weekly sorting batches, fortnightly sales
    weighed out to licensed buyers, with delivery and invoice."""
    with Session(engine, expire_on_commit=False) as session:
        return seed_sorting_centre(
            session, first=FIRST_DAY, today=FIRST_DAY + timedelta(days=DAYS), org_id=ids["org"], seed=7
        )


def _both(wall: float, cpu: float) -> str:
    # CPU time of this process counts SQLite's work exactly even on a busy machine;
    # PostgreSQL's work happens in the server and shows in the wall time only.
    return f"{wall:.2f} s wall, {cpu:.2f} s CPU (this process)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--outlets", type=int, default=500)
    parser.add_argument("--batteries", type=int, default=2_000)
    parser.add_argument(
        "--postgres", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    if args.outlets > ROUTES * STOPS:
        parser.error(f"--outlets: at most {ROUTES * STOPS} (routes x stops per day)")
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ["sqlite"] + ([] if args.skip_postgres else ["postgresql"]):
            rows += bench(kind, args, Path(tmp))
    load = os.getloadavg()[0]
    print(f"\n{'measure':<28} {'setting':<58} result   (target <= 2 s; load {load:.1f})")
    for measure, setting, result in rows:
        print(f"{measure:<28} {setting:<58} {result}")


if __name__ == "__main__":
    main()
