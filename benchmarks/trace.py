"""Benchmark the battery log against the issue's targets.

1. Append throughput through the real ``record_events`` path (lock, replay of the
   touched batteries, lifecycle rules, entry + Merkle nodes + battery rows, commit), on
   SQLite and PostgreSQL: in batches of 500 as the bulk API does, and one event per
   transaction. Target: >= 2,000 events/s with proofs maintained.
2. Offline verification of a 1,000,000-event export (``verify_export`` over the file,
   signature checked). The export is generated with the pure ``TraceLog`` (the
   reference the database log matches line for line), not through the database.
   Target: <= 10 s.
3. One battery's trace and its inclusion proofs at 1,000,000 events: the same
   million entries (rows and Merkle nodes) bulk-loaded into each database, then, for
   sampled batteries, ``state_of`` (replay from the stored lines) plus the inclusion
   proof of every one of its entries against the signed size, and the full
   verification badge. Target: <= 20 ms.

    python benchmarks/trace.py                          # both databases, 1M events
    python benchmarks/trace.py --size 200000 --skip-postgres
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert
from sqlmodel import Session

from traceability import (
    ActorRole,
    EventKind,
    TraceEvent,
    TraceLog,
    generate_key,
    verify_export,
)
from webapp.config import normalise_database_url
from webapp.db import make_engine, scratch_postgres, upgrade
from webapp.models import MerkleNode, TraceEventRow
from webapp.trace.inputs import EventInput
from webapp.trace.operations import record_event, record_events
from webapp.trace.records import state_of
from webapp.trace.store import DbNodeStore, planned
from webapp.trace.treeheads import issue_tree_head
from webapp.trace.verification import verify_battery

START = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
COLLECTOR, CASCADE = "绿环回收网点", "示例梯次利用企业"
STEPS = 4  # events per battery


def code(n: int) -> str:
    """A valid GB/T 34014 pack code, unique per ``n``."""
    return f"S01PE0A{n % 10**7:07d}S5A{n // 10**7:01d}{n % 10**6:06d}"


def journey(n: int, *, base: datetime = START) -> list[EventInput]:
    """Outlet receipt, handover, receipt by the cascade-use enterprise, capacity test."""
    c, at = code(n), base + timedelta(seconds=n)
    hop = {"to_actor": CASCADE, "to_location": "SRL-PLANT-1"}
    test = {
        "soh_permille": 700 + n % 300,
        "capacity_wh": 40_000,
        "method": "GB/T 34015-2017",
        "equipment": "BTS-4000",
    }
    return [
        EventInput(
            f"b{n}-0",
            EventKind.RECEIVED_AT_OUTLET,
            c,
            COLLECTOR,
            ActorRole.COLLECTOR,
            "NS-0001",
            at,
            {"mass_g": 300_000},
        ),
        EventInput(
            f"b{n}-1",
            EventKind.HANDED_OVER,
            c,
            COLLECTOR,
            ActorRole.COLLECTOR,
            "NS-0001",
            at + timedelta(hours=1),
            hop,
        ),
        EventInput(
            f"b{n}-2",
            EventKind.RECEIVED_BY_ENTERPRISE,
            c,
            CASCADE,
            ActorRole.CASCADE_USER,
            "SRL-PLANT-1",
            at + timedelta(hours=2),
            {},
        ),
        EventInput(
            f"b{n}-3",
            EventKind.CAPACITY_TESTED,
            c,
            CASCADE,
            ActorRole.CASCADE_USER,
            "SRL-PLANT-1",
            at + timedelta(hours=3),
            test,
        ),
    ]


@contextmanager
def database(kind: str, server: str, workdir: Path) -> Iterator[str]:
    """A fresh migrated database (a SQLite file, or a new PostgreSQL database)."""
    if kind == "sqlite":
        url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        upgrade(url)
        yield url
        return
    with scratch_postgres(server, prefix="reloop_bench") as url:
        yield url


def bench_append(engine: Engine, batteries: int, *, first: int, batch: int = 500) -> float:
    """Events per second recording ``batteries`` journeys in batches of ``batch``."""
    events = [e for n in range(first, first + batteries) for e in journey(n)]
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        for start in range(0, len(events), batch):
            record_events(session, events[start : start + batch], actor_id=None)
    return len(events) / (time.perf_counter() - started)


def bench_append_single(engine: Engine, batteries: int, *, first: int) -> float:
    """Events per second with one transaction per event (``record_event``)."""
    events = [e for n in range(first, first + batteries) for e in journey(n)]
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        for event in events:
            record_event(session, event, actor_id=None)
    return len(events) / (time.perf_counter() - started)


def build_log(size: int) -> TraceLog:
    """``size`` entries of the pure reference log (``size / 4`` battery journeys)."""
    log = TraceLog()
    recorded = START + timedelta(days=400)
    for n in range(size // STEPS):
        for e in journey(n):
            log.append(
                TraceEvent(
                    e.event_id,
                    e.kind,
                    e.battery_code,
                    e.actor,
                    e.actor_role,
                    e.location,
                    e.occurred_at,
                    recorded,
                    e.payload,
                )
            )
    return log


def bench_verify(log: TraceLog, workdir: Path) -> tuple[float, str]:
    """Seconds to verify the export file of ``log`` against a signed head."""
    path = workdir / "export.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(log.export_lines())
    key = generate_key()
    head = log.tree_head(key).to_json_dict()
    started = time.perf_counter()
    with path.open("rb") as lines:
        result = verify_export(lines, head, public_key=key.public_key())
    elapsed = time.perf_counter() - started
    path.unlink()
    return elapsed, result.summary()


def bulk_load(engine: Engine, log: TraceLog, *, chunk: int = 20_000) -> float:
    """Insert the log's rows and Merkle nodes directly; returns seconds taken."""
    started = time.perf_counter()
    with engine.begin() as conn:
        for start in range(0, log.size, chunk):
            conn.execute(
                insert(TraceEventRow.__table__),
                [  # type: ignore[arg-type]
                    _row(log.entry(seq)) for seq in range(start, min(start + chunk, log.size))
                ],
            )
        store = log.tree.store
        level = 0
        while store.count(level):
            for start in range(0, store.count(level), chunk):
                conn.execute(
                    insert(MerkleNode.__table__),
                    [  # type: ignore[arg-type]
                        {"level": level, "idx": i, "digest": store.get(level, i).hex()}
                        for i in range(start, min(start + chunk, store.count(level)))
                    ],
                )
            level += 1
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def _row(entry: object) -> dict[str, object]:
    e = entry.event  # type: ignore[attr-defined]
    return {
        "seq": entry.seq,
        "event_id": e.event_id,
        "battery_code": e.battery_code,  # type: ignore[attr-defined]
        "kind": e.kind.value,
        "actor": e.actor,
        "actor_role": e.actor_role.value,
        "location": e.location,
        "occurred_at": e.occurred_at,
        "recorded_at": e.recorded_at,
        "payload": dict(e.payload),
        "corrects": None,
        "correction_reason": None,
        "prev_hash": entry.prev_hash.hex(),
        "leaf_hash": entry.leaf_hash.hex(),  # type: ignore[attr-defined]
        "line": entry.line(),
    }  # type: ignore[attr-defined]


def bench_trace(engine: Engine, size: int, samples: int = 30) -> dict[str, float]:
    """Milliseconds for one battery's trace + inclusion proofs, and for the badge."""
    key = generate_key()
    with Session(engine) as session:
        issue_tree_head(session, key)
    trace_ms, badge_ms = [], []
    batteries = size // STEPS
    for i in range(samples):
        battery = code((i * 7919) % batteries)
        with Session(engine) as session:
            started = time.perf_counter()
            state, stored = state_of(session, battery)
            store = DbNodeStore(session)
            seqs = [s.seq for s in stored]
            proofs = planned(store, lambda t, seqs=seqs: [t.inclusion_proof(q, size) for q in seqs])
            trace_ms.append((time.perf_counter() - started) * 1000)
            assert len(state.history) == STEPS and len(proofs) == STEPS
        with Session(engine) as session:
            started = time.perf_counter()
            check = verify_battery(session, battery, key.public_key())
            badge_ms.append((time.perf_counter() - started) * 1000)
            assert check.status == "verified", check
    return {
        "trace_p50": statistics.median(trace_ms),
        "trace_max": max(trace_ms),
        "badge_p50": statistics.median(badge_ms),
        "badge_max": max(badge_ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="events for 2. and 3.")
    parser.add_argument("--append", type=int, default=5_000, help="batteries (x4 events) for 1.")
    parser.add_argument(
        "--postgres", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    backends = ["sqlite"] + ([] if args.skip_postgres else ["postgresql"])
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for kind in backends:
            rows += run_append(kind, args, workdir)
        started = time.perf_counter()
        log = build_log(args.size)
        print(
            f"generated {log.size:,} entries with the pure TraceLog in {time.perf_counter() - started:.1f} s"
        )
        elapsed, summary = bench_verify(log, workdir)
        rows.append(("verify export", f"{log.size:,} events, file", f"{elapsed:.2f} s  ({summary})"))
        for kind in backends:
            rows += run_trace(kind, args, workdir, log)
    print()
    print(f"{'measure':<34} {'setting':<30} result")
    for measure, setting, result in rows:
        print(f"{measure:<34} {setting:<30} {result}")


def run_append(kind: str, args: argparse.Namespace, workdir: Path) -> list[tuple[str, str, str]]:
    """Append figures on an empty database."""
    with database(kind, args.postgres, workdir) as url:
        engine = make_engine(normalise_database_url(url))
        bulk = bench_append(engine, args.append, first=0)
        single = bench_append_single(engine, 250, first=args.append)
        engine.dispose()
    return [
        (f"append {kind}", f"{args.append * STEPS:,} events, 500/tx", f"{bulk:,.0f} events/s"),
        (f"append {kind}", "1,000 events, 1/tx", f"{single:,.0f} events/s"),
    ]


def run_trace(
    kind: str, args: argparse.Namespace, workdir: Path, log: TraceLog
) -> list[tuple[str, str, str]]:
    """Trace and proof latency with ``log`` loaded, then appending on top of it."""
    with database(kind, args.postgres, workdir) as url:
        engine = make_engine(normalise_database_url(url))
        loaded = bulk_load(engine, log)
        print(f"{kind}: bulk-loaded {log.size:,} entries in {loaded:.0f} s")
        times = bench_trace(engine, log.size)
        # Three rounds: the first pays for a cold page cache after the bulk load.
        rounds = [bench_append(engine, 1_000, first=log.size // STEPS + 1_000 * r) for r in range(3)]
        engine.dispose()
    size = f"{log.size:,} events"
    return [
        (f"trace + proofs {kind}", size, f"p50 {times['trace_p50']:.1f} ms, max {times['trace_max']:.1f} ms"),
        (
            f"verification badge {kind}",
            size,
            f"p50 {times['badge_p50']:.1f} ms, max {times['badge_max']:.1f} ms",
        ),
        (
            f"append {kind} on {size}",
            "3 x 4,000 events, 500/tx",
            " / ".join(f"{r:,.0f}" for r in rounds) + " events/s",
        ),
    ]


if __name__ == "__main__":
    main()
