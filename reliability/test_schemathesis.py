"""Schemathesis at length: 200 generated requests per operation of the OpenAPI document,
every phase (examples, coverage, fuzzing) and check, in process on a seeded day, on the
run's backend. The same harness as the quick run in ``tests/webapp/test_api_fuzz.py``.

Its own database, not the load world's: what it posts must not count as lost or
duplicated there.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from reliability.figures import report
from tests.webapp import fuzzing
from tests.webapp.conftest import make_app
from webapp.db import scratch_postgres, upgrade

EXAMPLES = 200


@pytest.fixture
def fuzz_database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'fuzz.db'}"
        upgrade(url)
        yield url
        return
    with scratch_postgres(os.environ["DATABASE_URL"], prefix="reloop_fuzz") as url:
        yield url


def test_no_operation_fails_or_strays_from_its_document(
    backend: str, fuzz_database: str, tmp_path: Path, cache_dir: Path
) -> None:
    """Every operation, 200 examples each: 0 server errors and every answer as documented."""
    app = make_app(fuzz_database, tmp_path / "instance", cache_dir, PROPAGATE_EXCEPTIONS=False)
    try:
        with Session(app.extensions["reloop.engine"], expire_on_commit=False) as session:
            world = fuzzing.build_world(app, session, cache_dir)
        started = time.monotonic()
        outcome = fuzzing.run(app, world, max_examples=EXAMPLES)
        elapsed = time.monotonic() - started
    finally:
        app.extensions["reloop.engine"].dispose()
    statuses = "/".join(f"{status}:{n}" for status, n in sorted(outcome.statuses.items()))
    report(
        f"schemathesis-{backend}",
        inputs_tried=outcome.inputs_tried,
        server_errors=outcome.server_errors,
        operations=len(outcome.operations),
        examples_per_operation=EXAMPLES,
        failures=len(outcome.failures),
        run_errors=len(outcome.errors),
        statuses=statuses,
        seconds=round(elapsed),
    )
    assert outcome.crashes == [] and outcome.server_errors == 0, outcome.crashes[:5]
    assert outcome.errors == [] and outcome.failures == [], "\n".join(
        outcome.failures[:10] + outcome.errors[:3]
    )
