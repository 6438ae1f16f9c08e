"""The production job path: a real huey consumer process, queue in Redis, runs a job."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from sqlmodel import select

from webapp.config import Settings
from webapp.models import Job, JobStatus, Outlet
from webapp.tasks import huey, make_huey, run_job_task

REDIS_URL = "redis://127.0.0.1:6379/15"
CSV = "name,kind,lon,lat,materials\n工人进程测试亭,kiosk,114.0552,22.5410,paper\n"


@pytest.fixture
def redis_queue():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail("Redis must run on 127.0.0.1:6379 for the worker test")
    client.flushdb()
    yield client
    client.flushdb()


def test_a_consumer_process_runs_a_job_queued_in_redis(app, db, redis_queue, tmp_path, cache_dir) -> None:
    """A job queued in Redis is picked up by `huey_consumer` and finishes in the database."""
    job = Job(kind="outlets.import", params={"csv": CSV, "filename": "w.csv", "locale": "zh"})
    db.add(job)
    db.commit()
    # The tests' own queue runs tasks inline; this message goes to Redis like the web app's would.
    queue = make_huey(Settings(huey_url=REDIS_URL))
    queue.storage.enqueue(huey.serialize_task(run_job_task.s(job.id)))
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": REDIS_URL,
        "RELOOP_INSTANCE_PATH": str(tmp_path),
        "RELOOP_CACHE_DIR": str(cache_dir),
        "RELOOP_SECRET_KEY": "worker-test",
    }
    consumer = Path(sys.executable).parent / "huey_consumer"
    proc = subprocess.Popen(
        [str(consumer), "webapp.tasks.huey", "-w", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db.expire_all()
            if db.get(Job, job.id).status.finished:
                break
            time.sleep(0.3)
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=20)
    done = db.get(Job, job.id)
    assert done.status == JobStatus.SUCCEEDED, (done.error, err.decode()[-2000:])
    assert db.exec(select(Outlet.name)).all() == ["工人进程测试亭"]


def test_the_worker_app_needs_no_session_key(monkeypatch, tmp_path) -> None:
    """A worker process builds its app without RELOOP_SECRET_KEY (it signs no cookie)."""
    from webapp import tasks

    monkeypatch.delenv("RELOOP_SECRET_KEY", raising=False)
    monkeypatch.setenv("RELOOP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/w.db")
    app = tasks._worker_app()
    assert app.secret_key and not (tmp_path / "secret_key").exists()
