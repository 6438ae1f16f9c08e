"""The huey queue. Tasks are thin wrappers: open a session, call an operation.

SQLite storage in the instance folder by default; Redis when ``HUEY_URL`` or
``REDIS_URL`` is set. Tests and ``HUEY_IMMEDIATE`` run tasks inline.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab

from webapp.config import Settings


def make_huey(settings: Settings) -> Huey:
    """Choose the storage from the settings."""
    if settings.huey_url:
        return RedisHuey("reloop", url=settings.huey_url)
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("reloop", filename=str(settings.instance_path / "huey.db"))


huey = make_huey(Settings.from_env())


def init_app(app: Flask) -> None:
    """Run tasks inline when the app asks for it (tests, single-process demo)."""
    if app.config.get("HUEY_IMMEDIATE"):
        huey.immediate = True
    app.extensions["reloop.huey"] = huey


@cache
def _worker_app() -> Flask:
    # Built on first task, not at import: importing this module must stay cheap.
    import secrets

    from webapp import create_app

    # The worker signs no session cookie, so it needs no shared key: a random one in
    # memory leaves create_app's refusal to start without RELOOP_SECRET_KEY to the web
    # server, where it matters (and lets `reloop demo` run its in-process worker).
    settings = Settings.from_env()
    settings = replace(settings, secret_key=settings.secret_key or secrets.token_urlsafe(32))
    return create_app({"SETTINGS": settings})


@huey.task(retries=1, retry_delay=5)
def run_job_task(job_id: int) -> None:
    """Run one Job row's work in a fresh app context."""
    from webapp.db import db_session
    from webapp.jobs.operations import run_job

    app = current_app._get_current_object() if has_app_context() else _worker_app()  # type: ignore[attr-defined]
    with app.app_context():
        run_job(db_session(), job_id)


@huey.on_startup()
def recover_jobs_on_start() -> None:
    """A worker starting (after a crash, say) fails the jobs a dead worker left running."""
    _recover_stale_jobs()


@huey.periodic_task(crontab(minute="*"))
def recover_stale_jobs() -> None:
    """Once a minute: fail the running jobs whose worker died (kill -9, out of memory)."""
    _recover_stale_jobs()


def _recover_stale_jobs() -> None:
    from webapp.db import db_session
    from webapp.jobs.operations import recover_stale_jobs as recover

    app = current_app._get_current_object() if has_app_context() else _worker_app()  # type: ignore[attr-defined]
    with app.app_context():
        recover(db_session())


# 00:05 China Standard Time; huey reads crontabs in UTC.
@huey.periodic_task(crontab(hour="16", minute="5"), retries=2, retry_delay=300)
def sign_tree_head_daily() -> None:
    """Sign the battery log's tree head once a day (the regulators' daily checkpoint)."""
    from webapp.db import db_session
    from webapp.trace import keys, treeheads

    app = current_app._get_current_object() if has_app_context() else _worker_app()  # type: ignore[attr-defined]
    with app.app_context():
        treeheads.issue_tree_head(db_session(), keys.signing_key())
