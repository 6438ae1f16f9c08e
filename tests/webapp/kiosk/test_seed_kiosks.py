"""The demo's kiosk year: kiosks registered, deposits credited through the ledger, once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, func, select

from webapp.kiosk import ledger
from webapp.models import Organisation, Outlet, OutletKind, OutletStatus
from webapp.models.points import Kiosk, KioskDeposit, PointsEntry
from webapp.seed_year._kiosks import seed_kiosk_year


def test_a_kiosk_year_is_seeded_once_and_the_ledger_is_whole(db: Session) -> None:
    """Ten days on two kiosk outlets: deposits credited at the demo prices; a rerun adds nothing."""
    org = Organisation(name="demo org")
    db.add(org)
    db.flush()
    for n in range(2):
        db.add(
            Outlet(
                code=f"KS-{n}",
                name=f"kiosk {n}",
                kind=OutletKind.KIOSK,
                status=OutletStatus.ACTIVE,
                lon=114.05,
                lat=22.54,
                org_id=org.id,
            )
        )
    db.commit()
    now = datetime(2026, 11, 30, 4, tzinfo=UTC)
    found = seed_kiosk_year(db, org_id=org.id, days=10, seed=3, now=now)
    assert found.kiosks == 2 and found.deposits > 0
    assert db.exec(select(func.count()).select_from(KioskDeposit)).one() == found.deposits
    assert db.exec(select(func.sum(PointsEntry.points))).one() == found.points > 0
    assert ledger.verify(db) == []
    again = seed_kiosk_year(db, org_id=org.id, days=10, seed=3, now=now)
    assert again.deposits == 0 and len(db.exec(select(Kiosk)).all()) == 2
