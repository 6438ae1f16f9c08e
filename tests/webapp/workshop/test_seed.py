"""The demo workshop is seeded through the workshop's own operations."""

from __future__ import annotations

import io
from pathlib import Path

from sqlmodel import Session, select

from webapp.models import BatteryLink, TraceEventRow
from webapp.models._types import utcnow
from webapp.models.workshop import BatteryPointProfile, Inspection, TestRecord
from webapp.seed_year._workshop import seed_workshop
from webapp.workshop.grading import graded_stock
from webapp.workshop.intake import queue
from webapp.workshop.settings import WorkshopSettings

SAMPLE = Path(__file__).parents[3] / "webapp" / "workshop" / "data" / "sample_tests.csv"


def test_the_demo_workshop_has_queue_stock_quarantine_and_the_sample_pack(client, auth, db: Session) -> None:
    """Twelve packs: two incoming, one quarantined, modules in stock; the sample CSV imports."""
    report = seed_workshop(db, org_id=None, seed=7, now=utcnow())
    assert report.packs == 12 and report.quarantined >= 1 and report.modules > 0
    stages = [e.stage for e in queue(db, WorkshopSettings())]
    assert stages.count("incoming") == 2
    assert graded_stock(db), "modules graded for cascade use"
    assert db.exec(select(Inspection).where(Inspection.safe == False)).first()  # noqa: E712
    assert db.exec(select(BatteryLink).where(BatteryLink.kind == "contains")).first()
    assert seed_workshop(db, org_id=None, seed=7, now=utcnow()).packs == 0, "seeded once"
    before = len(db.exec(select(TestRecord)).all())
    auth.login("technician")
    data = {"file": (io.BytesIO(SAMPLE.read_bytes()), "sample_tests.csv")}
    answer = client.post("/workshop/tests/import", data=data, content_type="multipart/form-data")
    assert answer.status_code == 302
    assert len(db.exec(select(TestRecord)).all()) == before + 4
    assert db.exec(select(TraceEventRow).where(TraceEventRow.kind == "capacity_tested")).first()
    assert db.exec(select(BatteryPointProfile)).all() == []  # no battery points in this world
