"""Faults, for real: kill -9 the job worker mid-solve, restart PostgreSQL under a load of
driver completions, make a SQLite database read-only and fill its disk under load.

Each run reports its figures with ``report("faults-...", faults_survived=N, ...)``.
What must hold: no half-written plan and no job left "running" by a dead worker; no
acknowledged write lost and none stored twice; a 503 naming the cause (with
Retry-After) while the database cannot write, never a 500; reads served meanwhile
where the backend can; batches stored whole or not at all; recovery without a restart.

The PostgreSQL restarts run on a private cluster (initdb on a free port, as the
``postgres`` user), never on the shared server; the SQLite faults on a small tmpfs.
Both need root; they skip, saying why, elsewhere.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from sqlalchemy import Engine, create_engine, text
from sqlmodel import Session, func, select

import routing
from reliability.figures import report
from reliability.server import free_port, serve
from reliability.world import build
from tests.webapp.trace.conftest import to_enterprise
from webapp.api import tokens
from webapp.config import Settings
from webapp.db import make_engine, scratch_postgres, upgrade
from webapp.jobs.operations import STALE_AFTER_S
from webapp.models import (
    Collection,
    CollectionPlan,
    Facility,
    FillReading,
    Job,
    JobStatus,
    Outlet,
    OutletStatus,
    PlannedRoute,
    PlannedStop,
    TokenKind,
    TraceEventRow,
)
from webapp.models._types import utcnow
from webapp.seed import seed_demo
from webapp.tasks import huey, make_huey, run_job_task

PG_BIN = Path("/usr/lib/postgresql/15/bin")
REDIS_URL = "redis://127.0.0.1:6379/12"  # a database of its own; tests/webapp/test_worker.py uses 15
CONSUMER = Path(sys.executable).with_name("huey_consumer")
SOLVE_DAY = date(2026, 11, 24)


# -- kill -9 the worker in the middle of a route solve ---------------------------------------


def test_a_worker_killed_mid_solve_leaves_no_half_written_plan(
    backend: str, tmp_path: Path, cache_dir: Path
) -> None:
    """Solves killed at three moments: no partial plan, each dead job failed by the next worker."""
    queue = redis.Redis.from_url(REDIS_URL)
    queue.flushdb()
    with own_database(backend, tmp_path) as url:
        engine = make_engine(url)
        depot = _plannable_day(engine, cache_dir)
        env = _worker_env(url, tmp_path, cache_dir)
        killed: list[int] = []
        caught: list[str] = []
        # (progress reached, then seconds): building the matrices, mid-solve, and the moment
        # "saving the plan" is reported, whose window is short: tried until a kill lands in it.
        moments = {"computing distances": (0, 0.3), "solving": (25, 2.0), "saving": (90, 0.0)}
        for moment, (progress, after_s) in moments.items():
            for _attempt in range(8 if moment == "saving" else 1):
                worker = _start_worker(env, tmp_path / f"worker-{len(killed)}.log")
                job_id = _queue_solve(engine, depot, time_limit_s=2 if moment == "saving" else 20)
                try:
                    _wait_for(
                        lambda j=job_id, p=progress: _reached(_job(engine, j), p),
                        90,
                        f"job {job_id} {moment}",
                        poll_s=0.02,
                    )
                    time.sleep(after_s)
                finally:
                    os.kill(worker.pid, signal.SIGKILL)
                    worker.wait()
                killed.append(job_id)
                assert _incomplete_plans(engine) == [], f"half-written plan after a kill while {moment}"
                if _job(engine, job_id).status == JobStatus.RUNNING:
                    caught.append(moment)
                    break
        left_running = sum(_job(engine, j).status == JobStatus.RUNNING for j in killed)
        started = time.monotonic()
        worker = _start_worker(env, tmp_path / "worker-after.log")  # the supervisor starts a new worker
        try:
            _wait_for(
                lambda: all(_job(engine, j).status.finished for j in killed),
                STALE_AFTER_S + 150,
                "the new worker failing the dead jobs",
            )
            recovered_s = time.monotonic() - started
            fresh = _queue_solve(engine, depot, time_limit_s=3)
            _wait_for(lambda: _job(engine, fresh).status.finished, 120, "a solve after the kills")
        finally:
            _stop(worker)
        outcomes = Counter(_job(engine, j).status.value for j in killed)
        plans = _plans_of(engine, killed)
        assert _job(engine, fresh).status == JobStatus.SUCCEEDED, _job(engine, fresh).error
        assert _incomplete_plans(engine) == []
        engine.dispose()
    queue.flushdb()
    report(
        f"faults-kill9-worker-{backend}",
        faults_survived=len(killed),
        killed_mid_job=left_running,
        jobs_failed_by_recovery=outcomes.get("failed", 0),
        half_written_plans=0,
        plans_of_killed_jobs=plans,
        recovered_s=round(recovered_s, 1),
        caught="/".join(caught),
    )
    assert outcomes.get("running", 0) == 0 and outcomes.get("failed", 0) == left_running
    assert {"computing distances", "solving"} <= set(caught), caught


def _reached(job: Job, progress: int) -> bool:
    """Running at ``progress`` or beyond, or already over (then the kill comes too late)."""
    return (job.status == JobStatus.RUNNING and job.progress >= progress) or job.status.finished


def _plannable_day(engine: Engine, cache_dir: Path) -> int:
    """The demo with a dozen outlets due near the busiest depot; its id."""
    with Session(engine) as session:
        seed_demo(session, outlets=60, days=0, seed=11, cache_dir=cache_dir)
        outlets = session.exec(
            select(Outlet).where(Outlet.status == OutletStatus.ACTIVE).order_by(Outlet.id)
        ).all()
        depots = session.exec(select(Facility).where(Facility.is_depot == True)).all()

        def nearest(outlet: Outlet) -> int:
            return min(
                depots, key=lambda d: ((d.lon - outlet.lon) * 0.92) ** 2 + (d.lat - outlet.lat) ** 2
            ).id

        depot = max(depots, key=lambda d: sum(nearest(o) == d.id for o in outlets)).id
        mine = {o.id for o in outlets if nearest(o) == depot}
        for outlet in outlets:
            outlet.last_fill_pct = 92.0 if outlet.id in mine else 10.0
            session.add(outlet)
        session.commit()
        return depot  # type: ignore[return-value]


def _queue_solve(engine: Engine, depot: int, *, time_limit_s: int) -> int:
    """A dispatch solve job, queued in Redis as the web app would queue it."""
    with Session(engine) as session:
        job = Job(
            kind="dispatch.solve",
            params={
                "day": SOLVE_DAY.isoformat(),
                "depot_id": depot,
                "time_limit_s": time_limit_s,
                "seed": 0,
                "locale": "zh",
            },
        )
        session.add(job)
        session.commit()
        job_id = job.id
    make_huey(Settings(huey_url=REDIS_URL)).storage.enqueue(huey.serialize_task(run_job_task.s(job_id)))
    return job_id  # type: ignore[return-value]


def _incomplete_plans(engine: Engine) -> list[int]:
    """Plans whose stored routes or stops fall short of the plan they were saved from."""
    broken = []
    with Session(engine) as session:
        for plan in session.exec(select(CollectionPlan)):
            routes = routing.Plan.from_dict(plan.plan).routes
            rows = session.exec(select(PlannedRoute).where(PlannedRoute.plan_id == plan.id)).all()
            stops = {
                r.number: session.exec(
                    select(func.count()).select_from(PlannedStop).where(PlannedStop.route_id == r.id)
                ).one()
                for r in rows
            }
            if len(rows) != len(routes) or any(
                stops.get(n) != len(r.visits) for n, r in enumerate(routes, 1)
            ):
                broken.append(plan.id)
    return broken  # type: ignore[return-value]


def _plans_of(engine: Engine, jobs: list[int]) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count()).select_from(CollectionPlan).where(CollectionPlan.job_id.in_(jobs))
        ).one()  # type: ignore[union-attr]


def _job(engine: Engine, job_id: int) -> Job:
    with Session(engine) as session:
        return session.get(Job, job_id)  # type: ignore[return-value]


def _worker_env(url: str, tmp_path: Path, cache_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "RELOOP_CACHE_DIR": str(cache_dir),
        "RELOOP_INSTANCE_PATH": str(tmp_path / "worker-instance"),
        "RELOOP_SECRET_KEY": "faults-worker",
    }


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(
            [str(CONSUMER), "webapp.tasks.huey", "-w", "1"], env=env, stdout=sink, stderr=subprocess.STDOUT
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- PostgreSQL restarted under a load of driver completions --------------------------------


def test_acknowledged_completions_survive_postgresql_restarts(
    backend: str, tmp_path: Path, cache_dir: Path
) -> None:
    """10 phones post for 45 s while PostgreSQL restarts twice (fast, then a crash): nothing acked is lost."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL restarts run in the PostgreSQL pass of `make reliability`")
    with private_postgres() as cluster:
        url = cluster.database("reloop_faults")
        upgrade(url)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            world = build(session, cache_dir=cache_dir, outlets=800, drivers=10)
        with serve(url, tmp_path / "instance", workers=3, env={"RELOOP_CACHE_DIR": str(cache_dir)}) as server:
            load = Load(
                server.url,
                [(p.token, [s for stops in p.stops.values() for s in stops]) for p in world.phones],
                prefix="pgr",
                pace_s=0.3,
            )
            faults = [
                (12.0, "fast restart", lambda: cluster.restart()),
                (28.0, "crash and restart", lambda: cluster.crash_and_restart(down_s=4.0)),
            ]
            load.run(45.0, faults)
        audit = load.audit(engine)
        engine.dispose()
    figures = {**load.figures(), **audit, "faults_survived": len(load.faults_done)}
    report("faults-postgresql-restart", **figures)
    assert figures["lost"] == 0 and figures["duplicated"] == 0, figures
    assert figures["server_errors"] == 0, load.examples
    assert figures["answers_503"] > 0 and figures["acked_after_last_fault"] > 0, figures


class PrivateCluster:
    """A PostgreSQL 15 cluster of our own, on a free loopback port, run as the postgres user."""

    def __init__(self, root: Path) -> None:
        self.root, self.data, self.port = root, root / "data", free_port()
        self.log = root / "postgres.log"

    def _pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root}"
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                *args,
            ],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self) -> None:
        self._pg_ctl("-m", "fast", "restart")

    def crash_and_restart(self, *, down_s: float) -> None:
        self._pg_ctl("-m", "immediate", "stop")  # no checkpoint: recovery replays the WAL
        time.sleep(down_s)
        self._pg_ctl("start")

    def stop(self) -> None:
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, signal.SIGINT)  # fast shutdown, by the postmaster's pid
        deadline = time.monotonic() + 60
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)

    def database(self, name: str) -> str:
        admin = create_engine(
            f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def private_postgres() -> Iterator[PrivateCluster]:
    if os.geteuid() != 0 or shutil.which("runuser") is None or not (PG_BIN / "initdb").exists():
        pytest.skip("a private PostgreSQL cluster needs root, runuser and PostgreSQL 15 binaries")
    root = Path(tempfile.mkdtemp(prefix="reloop-faults-pg-"))
    shutil.chown(root, "postgres")
    cluster = PrivateCluster(root)
    subprocess.run(
        [
            "runuser",
            "-u",
            "postgres",
            "--",
            str(PG_BIN / "initdb"),
            "-D",
            str(cluster.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


# -- SQLite read-only and disk full under load ----------------------------------------------


def test_a_full_disk_under_sqlite_answers_503_and_loses_nothing(
    backend: str, tmp_path: Path, cache_dir: Path
) -> None:
    """Under load the tmpfs holding the database fills up for 8 s: 503 disk_full, reads go on."""
    if backend != "sqlite":
        pytest.skip("SQLite file faults run in the SQLite pass of `make reliability`")
    with small_tmpfs(megabytes=96) as folder:
        _sqlite_fault_run(
            folder, tmp_path, cache_dir, "disk full", "disk_full", lambda engine: fill_disk(folder, engine)
        )


def test_a_read_only_sqlite_file_answers_503_and_loses_nothing(
    backend: str, tmp_path: Path, cache_dir: Path
) -> None:
    """Under load the database file turns read-only for 8 s: 503 read_only, reads go on."""
    if backend != "sqlite":
        pytest.skip("SQLite file faults run in the SQLite pass of `make reliability`")
    # On the disk's own file system (not tmpfs), where the kernel also refuses writes
    # through descriptors opened before the file became immutable.
    folder = tmp_path / "data"
    folder.mkdir()
    if subprocess.run(["chattr", "-i", str(folder)], capture_output=True).returncode:
        pytest.skip("this file system has no immutable attribute (chattr)")
    _sqlite_fault_run(
        folder, tmp_path, cache_dir, "read-only", "read_only", lambda _engine: read_only(folder)
    )


def _sqlite_fault_run(
    folder: Path, tmp_path: Path, cache_dir: Path, name: str, cause: str, fault: Callable[[Engine], Any]
) -> None:
    """Phones, readers and sensor batches against gunicorn on ``folder``'s database; the fault at 8 s."""
    url = f"sqlite:///{folder / 'reloop.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        world = build(session, cache_dir=cache_dir, outlets=500, drivers=8)
        sensor = _sensor_token(session)
    with serve(url, tmp_path / "instance", workers=3, env={"RELOOP_CACHE_DIR": str(cache_dir)}) as server:
        load = Load(
            server.url,
            [(p.token, [s for stops in p.stops.values() for s in stops]) for p in world.phones],
            prefix="sqlf",
            readers=2,
            pace_s=0.3,
        )
        batches = Batches(server.url, sensor, engine)
        load.run(30.0, [(8.0, name, lambda: batches.during(fault(engine), cause, hold_s=8.0))])
    audit = load.audit(engine)
    engine.dispose()
    figures = {**load.figures(), **audit, **batches.figures(), "faults_survived": len(load.faults_done)}
    report(f"faults-sqlite-{cause.replace('_', '-')}", **figures)
    assert figures["lost"] == 0 and figures["duplicated"] == 0, figures
    assert figures["server_errors"] == 0, load.examples
    assert load.causes[cause] > 0, load.causes
    assert batches.partial == 0 and batches.refused_503 >= 1, figures
    assert figures["reads_failed"] == 0 and figures["reads_ok_during_faults"] > 0, figures
    assert figures["acked_after_last_fault"] > 0, figures


@contextmanager
def small_tmpfs(*, megabytes: int) -> Iterator[Path]:
    """A tmpfs of ``megabytes`` mounted on a fresh folder (root only), unmounted after."""
    folder = Path(tempfile.mkdtemp(prefix="reloop-faults-fs-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0755", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}): run as root")
    try:
        yield folder
    finally:
        for path in folder.iterdir():
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)
        for _attempt in range(10):
            if subprocess.run(["umount", str(folder)], capture_output=True).returncode == 0:
                break
            time.sleep(0.5)
        else:
            subprocess.run(["umount", "-l", str(folder)], check=True)
        folder.rmdir()


@contextmanager
def fill_disk(folder: Path, engine: Engine) -> Iterator[None]:
    """Take every free block of the file system, then give them back.

    The write-ahead log is emptied first: writes that fit in log space already
    allocated need no new block, and would not notice the full disk.
    """
    with engine.connect() as conn:
        for _attempt in range(50):
            if conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0] == 0:
                break
            time.sleep(0.1)
    filler = folder / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 12):
            chunk = b"\0" * size
            try:
                while os.write(descriptor, chunk):
                    pass
            except OSError:
                pass  # ENOSPC: this size no longer fits; try the smaller one
    finally:
        os.close(descriptor)
    try:
        yield
    finally:
        filler.unlink(missing_ok=True)


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make the database and its write-ahead log immutable (even root cannot write), then not.

    The ``-shm`` index is left alone: readers map it, and an immutable mapping kills them.
    """
    files = [folder / "reloop.db", folder / "reloop.db-wal"]
    subprocess.run(["chattr", "+i", *map(str, files)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, files)], check=True)


def _sensor_token(session: Session) -> str:
    _row, plain = tokens.issue(session, name="faults gateway", kind=TokenKind.SENSOR)
    return plain


class Batches:
    """Sensor batches of 300 readings posted before, during and after a fault: all or nothing."""

    def __init__(self, url: str, token: str, engine: Engine) -> None:
        self.url, self.engine = url, engine
        self.headers = {"Authorization": f"Bearer {token}"}
        self.outlet = _first_outlet(engine)
        self.sent = self.refused_503 = self.stored_whole = self.partial = 0
        self.number = 0

    def during(self, fault: Any, cause: str, *, hold_s: float) -> None:
        with fault:
            deadline = time.monotonic() + hold_s
            answer = self._post()
            assert answer.status_code == 503 and answer.json()["cause"] == cause, answer.text[:300]
            time.sleep(max(0.0, deadline - time.monotonic()))
        self._post()  # after the fault clears: stored whole

    def _post(self) -> requests.Response:
        self.number += 1
        prefix = f"batch{self.number:02d}"
        body = {
            "readings": [
                {
                    "reading_id": f"{prefix}-{n:03d}",
                    "outlet_code": self.outlet,
                    "fill_pct": n % 100,
                    "measured_at": "2026-11-24T08:00:00+08:00",
                }
                for n in range(300)
            ]
        }
        answer = requests.post(
            f"{self.url}/api/v1/fill-readings", json=body, headers=self.headers, timeout=60
        )
        with Session(self.engine) as session:
            stored = session.exec(
                select(func.count())
                .select_from(FillReading)
                .where(FillReading.reading_id.like(f"{prefix}-%"))
            ).one()  # type: ignore[attr-defined]
        self.sent += 1
        self.refused_503 += answer.status_code == 503
        self.stored_whole += stored == 300
        self.partial += stored not in (0, 300) or (stored == 300) != (answer.status_code == 201)
        return answer

    def figures(self) -> dict[str, int]:
        return {
            "batches_sent": self.sent,
            "batches_refused_503": self.refused_503,
            "batches_stored_whole": self.stored_whole,
            "batches_partial": self.partial,
        }


def _first_outlet(engine: Engine) -> str:
    with Session(engine) as session:
        return session.exec(select(Outlet.code).order_by(Outlet.id)).first()  # type: ignore[return-value]


# -- a partner system resending a battery batch while the first post is in flight ------------

DUPLICATE_TEST = "tests/webapp/trace/test_api.py::test_a_batch_resent_by_two_threads_at_once_is_stored_once"


def test_a_battery_batch_sent_three_times_at_once_is_stored_once(
    backend: str, tmp_path: Path, cache_dir: Path
) -> None:
    """30 batches, each posted by 3 senders at the same instant to 3 gunicorn workers: one copy each."""
    rounds, senders = 30, 3
    with own_database(backend, tmp_path) as url:
        engine = make_engine(url)
        with Session(engine) as session:
            _row, token = tokens.issue(session, name="faults partner", kind=TokenKind.PARTNER)
        answers: Counter[int] = Counter()
        copies: list[int] = []
        with serve(url, tmp_path / "instance", workers=3, env={"RELOOP_CACHE_DIR": str(cache_dir)}) as server:
            for number in range(rounds):
                events = to_enterprise(f"S01PE0A1234567S5B{number:07d}")
                statuses = _at_once(
                    senders,
                    lambda batch=events: (
                        requests.post(
                            f"{server.url}/api/v1/battery-events",
                            json={"events": batch},
                            timeout=60,
                            headers={"Authorization": f"Bearer {token}"},
                        ).status_code
                    ),
                )
                answers.update(statuses)
                copies.append(sorted(statuses).count(201))
        with Session(engine) as session:
            ids = session.exec(
                select(TraceEventRow.event_id).where(TraceEventRow.battery_code.like("S01PE0A1234567S5B%"))
            ).all()  # type: ignore[attr-defined]
        engine.dispose()
    fast = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", DUPLICATE_TEST],
        capture_output=True,
        text=True,
        env={**os.environ, "RELOOP_CACHE_DIR": str(cache_dir)},
    )
    figures = {
        "requests": rounds * senders,
        "duplicated": len(ids) - len(set(ids)),
        "lost": 3 * rounds - len(set(ids)),
        "server_errors": sum(n for status, n in answers.items() if status >= 500),
        "faults_survived": sum(1 for n in copies if n == 1),
        "answers": "/".join(f"{status}:{n}" for status, n in sorted(answers.items())),
        "tests_webapp_race": "passed" if fast.returncode == 0 else "FAILED",
    }
    report(f"faults-duplicate-battery-event-{backend}", **figures)
    assert (figures["duplicated"], figures["lost"], figures["server_errors"]) == (0, 0, 0), figures
    assert copies == [1] * rounds, answers
    assert fast.returncode == 0, fast.stdout[-2000:]


def _at_once(count: int, call: Callable[[], int]) -> list[int]:
    """Run ``call`` in ``count`` threads released together; their results."""
    gate = threading.Barrier(count)
    results: list[int] = []

    def run() -> None:
        gate.wait()
        results.append(call())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# -- the phones: post completions, retry on 503 and connection errors, as the app's queue does


@dataclass
class Load:
    """Phones posting their stops in order (20 % sent twice) and readers, while faults happen."""

    url: str
    phones: list[tuple[str, list[int]]]
    prefix: str
    readers: int = 0
    # Seconds a phone waits between stops: keeps work left for after the last fault
    # however fast the machine is (an idle one emptied every route before it).
    pace_s: float = 0.0
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    causes: Counter[str] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    faults_done: list[tuple[str, float, float]] = field(default_factory=list)
    connection_errors: int = 0
    missing_retry_after: int = 0
    resent: int = 0
    reads: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, seconds: float, faults: list[tuple[float, str, Callable[[], None]]]) -> None:
        """Load for ``seconds``, applying each fault at its time (a fault returns when it has cleared)."""
        self._start = time.monotonic()
        self._stop = threading.Event()
        self._fault: str | None = None
        threads = [
            threading.Thread(target=self._phone, args=(n, token, stops), daemon=True)
            for n, (token, stops) in enumerate(self.phones)
        ]
        threads += [
            threading.Thread(target=self._reader, args=(self.phones[n % len(self.phones)][0],), daemon=True)
            for n in range(self.readers)
        ]
        for thread in threads:
            thread.start()
        try:
            for at_s, name, fault in faults:
                time.sleep(max(0.0, at_s - self._elapsed()))
                began, self._fault = self._elapsed(), name
                try:
                    fault()
                finally:
                    self._fault = None
                    self.faults_done.append((name, began, self._elapsed()))
            time.sleep(max(0.0, seconds - self._elapsed()))
        finally:
            self._stop.set()
            for thread in threads:
                thread.join(timeout=120)

    def _elapsed(self) -> float:
        return time.monotonic() - self._start

    def _phone(self, number: int, token: str, stops: list[int]) -> None:
        web = requests.Session()
        web.headers["Authorization"] = f"Bearer {token}"
        rng = random.Random(number)
        for position, stop in enumerate(stops):
            if self._stop.is_set():
                return
            body = {
                "id": f"{self.prefix}-{number:02d}-{position:04d}",
                "stop_id": stop,
                "outcome": "collected",
                "weights_kg": {"paper": round(rng.uniform(1, 80), 1)},
                "recorded_at": _now_iso(),
            }
            if not self._deliver(web, body):
                return
            if rng.random() < 0.2:  # the phone never saw the answer and sends again
                self.resent += 1
                self._deliver(web, body)
            if self.pace_s and self._stop.wait(self.pace_s):
                return

    def _deliver(self, web: requests.Session, body: dict[str, Any]) -> bool:
        """Send until acknowledged; False when the run ends first."""
        while True:
            try:
                answer = web.post(f"{self.url}/api/v1/driver/completions", json=body, timeout=30)
            except requests.RequestException as exc:
                with self._lock:
                    self.connection_errors += 1
                    self._example(f"connection: {exc}")
                if self._stop.wait(0.5):
                    return False
                continue
            with self._lock:
                self.statuses[answer.status_code] += 1
            if answer.status_code in (200, 201):
                data = answer.json()
                with self._lock:
                    self.created[body["id"]] += answer.status_code == 201
                    self.acks[body["id"]] = {
                        "server_id": data["server_id"],
                        "stop_id": data["stop_id"],
                        "total_g": data["total_g"],
                        "at": self._elapsed(),
                    }
                return True
            if answer.status_code == 503:
                with self._lock:
                    self.causes[answer.json().get("cause", "?")] += 1
                    self.missing_retry_after += "Retry-After" not in answer.headers
                wait = min(float(answer.headers.get("Retry-After", 1)), 1.0)
            else:
                with self._lock:
                    self._example(f"{answer.status_code}: {answer.text[:200]}")
                if answer.status_code < 500:
                    return True  # refused for good: counted, the phone moves on
                wait = 0.5
            if self._stop.wait(wait):
                return False

    def _reader(self, token: str) -> None:
        web = requests.Session()
        web.headers["Authorization"] = f"Bearer {token}"
        while not self._stop.is_set():
            try:
                status = web.get(f"{self.url}/api/v1/driver/routes/today", timeout=30).status_code
            except requests.RequestException:
                status = 0
            with self._lock:
                self.reads[
                    ("ok" if status == 200 else "failed") + ("_during_fault" if self._fault else "")
                ] += 1
            self._stop.wait(0.2)

    def _example(self, text: str) -> None:
        if len(self.examples) < 10:
            self.examples.append(text)

    def audit(self, engine: Engine) -> dict[str, int]:
        """Lost: acknowledged but not stored so. Duplicated: created twice, or two at one stop."""
        with Session(engine) as session:
            rows = session.exec(select(Collection).where(Collection.client_id.like(f"{self.prefix}-%"))).all()  # type: ignore[attr-defined]
        stored = {row.client_id: row for row in rows}
        lost = sum(
            1
            for client_id, ack in self.acks.items()
            if (row := stored.get(client_id)) is None
            or (row.id, row.stop_id, row.total_g) != (ack["server_id"], ack["stop_id"], ack["total_g"])
        )
        twice = sum(1 for n in self.created.values() if n > 1)
        same_stop = sum(n - 1 for n in Counter(row.stop_id for row in rows).values() if n > 1)
        return {
            "acknowledged": len(self.acks),
            "lost": lost,
            "duplicated": twice + same_stop,
            "stored_unacknowledged": len(set(stored) - set(self.acks)),
        }

    def figures(self) -> dict[str, Any]:
        last_fault_end = max((ended for _n, _b, ended in self.faults_done), default=0.0)
        after = [a["at"] for a in self.acks.values() if a["at"] > last_fault_end]
        reads = (
            {
                "reads_ok": self.reads["ok"] + self.reads["ok_during_fault"],
                "reads_ok_during_faults": self.reads["ok_during_fault"],
                "reads_failed": self.reads["failed"] + self.reads["failed_during_fault"],
            }
            if self.readers
            else {}
        )
        return {
            "requests": sum(self.statuses.values()) + self.connection_errors,
            "resent": self.resent,
            "answers_503": self.statuses[503],
            "causes_503": "/".join(f"{k}:{v}" for k, v in self.causes.items()),
            "missing_retry_after": self.missing_retry_after,
            "connection_errors": self.connection_errors,
            "server_errors": sum(n for status, n in self.statuses.items() if status >= 500 and status != 503),
            "acked_after_last_fault": len(after),
            "first_ack_after_fault_s": round(min(after) - last_fault_end, 2) if after else None,
            **reads,
        }


def _now_iso() -> str:
    return (utcnow() - timedelta(seconds=1)).isoformat()


# -- shared ---------------------------------------------------------------------------------


@contextmanager
def own_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database of this run's backend, for one fault run only."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'faults.db'}"
        upgrade(url)
        yield url
        return
    with scratch_postgres(os.environ["DATABASE_URL"], prefix="reloop_faults") as url:
        yield url


def _wait_for(condition: Callable[[], bool], timeout_s: float, what: str, *, poll_s: float = 0.2) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(poll_s)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
