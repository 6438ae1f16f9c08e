"""The demo workshop is seeded through the workshop's own operations."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlmodel import Session, col, select

from tests.webapp.conftest import wipe
from traceability import CHINA_TZ
from webapp.metrics import workshop
from webapp.metrics.figures import Scope
from webapp.models import BatteryLink, TraceEventRow
from webapp.models._types import utcnow
from webapp.models.cascade import CascadeProduct, HealthReading, RegroupProposal, TakeBack
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


def test_the_demo_year_has_cascade_products_shipped_in_service_and_taken_back(db: Session) -> None:
    """Four months of demo: packs in, products built, shipped, reporting health, two taken back."""
    now = utcnow()
    report = seed_workshop(db, org_id=None, seed=7, now=now, days=150).cascade
    assert report.packs == 16 and report.products >= 4 and report.shipped == report.products
    assert report.readings > 0 and report.taken_back == 2
    products = db.exec(select(CascadeProduct)).all()
    assert len(products) == report.products and all(p.built_at < now - timedelta(days=30) for p in products)
    assert db.exec(select(HealthReading).where(HealthReading.anomaly == "over_temperature")).first()
    assert len(db.exec(select(TakeBack)).all()) == 2
    kinds = set(db.exec(select(TraceEventRow.kind)).all())
    assert {"inspected", "regrouped", "cascade_shipped", "cascade_retired", "recycled"} <= kinds
    year = db.exec(select(TraceEventRow).where(TraceEventRow.occurred_at < now - timedelta(days=30))).all()
    assert year and all(e.recorded_at - e.occurred_at < timedelta(days=1) for e in year), "entered that day"
    figures = workshop.compute(db, Scope(date(2020, 1, 1), datetime.now(CHINA_TZ).date()))
    assert figures.products_built.value == report.products and figures.taken_back.value == 2
    assert figures.in_service.value == report.products - 2 and figures.second_life_wh.value > 0


def _built(db: Session) -> list[tuple[list[object], str, str]]:
    """Each month's proposal: its groups of source codes, engine status and leftovers."""
    proposals = db.exec(select(RegroupProposal).order_by(col(RegroupProposal.created_at))).all()
    return [(p.groups, p.engine_status, repr(p.leftover)) for p in proposals]


def test_the_demo_year_regroups_the_same_products_on_every_seed(app: Flask, db: Session) -> None:
    """Seeding the same year twice proposes identical products (the engine runs deterministically)."""
    now = datetime(2026, 11, 30, 4, 0, tzinfo=CHINA_TZ)
    seed_workshop(db, org_id=None, seed=7, now=now, days=120)
    first = _built(db)
    # a code's last seven characters are its serial, from a row id: PostgreSQL's run on after a wipe
    codes = sorted(code[:-7] for code in db.exec(select(CascadeProduct.code)).all())
    wipe(app)
    seed_workshop(db, org_id=None, seed=7, now=now, days=120)
    assert sum(len(groups) for groups, _, _ in first) >= 2, "the year built products"
    assert _built(db) == first
    assert sorted(code[:-7] for code in db.exec(select(CascadeProduct.code)).all()) == codes
