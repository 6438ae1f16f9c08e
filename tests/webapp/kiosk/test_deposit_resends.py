"""Deposits with resends through a served app: none lost, none duplicated, the ledger whole.

The small version of ``benchmarks/kiosk_deposits.py`` (2,000 deposits, 20 % resent):
150 deposits, 30 of them posted twice, from 6 threads against the app served on loopback.
"""

from __future__ import annotations

import hashlib
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import requests
from sqlmodel import Session, func, select

from tests.webapp.concurrently import serving
from tests.webapp.kiosk.conftest import make_resident
from webapp.kiosk import ledger
from webapp.models.points import EntryKind, KioskDeposit, PointsEntry

DEPOSITS = 150
RESENDS = 30


def test_resent_deposits_are_stored_and_credited_once(app, db: Session, prices, kiosk) -> None:
    """Every deposit stored once, credited once, and the points equal what the deposits are worth."""
    rng = random.Random(15)
    cards = [make_resident(db, n).card_no for n in range(1, 11)]
    start = datetime.now(UTC) - timedelta(minutes=30)
    bodies = [
        {
            "deposit_id": f"R-{n:04d}",
            "resident_card": rng.choice(cards),
            "material": rng.choice(["paper", "metal"]),
            "grams": rng.randint(200, 3000),
            "kiosk_time": (start + timedelta(seconds=n)).isoformat(timespec="seconds"),
            "photo_sha256": hashlib.sha256(f"r{n}".encode()).hexdigest(),
        }
        for n in range(DEPOSITS)
    ]
    posts = bodies + rng.sample(bodies, RESENDS)
    rng.shuffle(posts)
    with serving(app) as url:

        def send(body: dict) -> int:
            answer = requests.post(
                f"{url}/api/v1/kiosk/deposits",
                json=body,
                headers={"Authorization": f"Bearer {kiosk['token']}"},
                timeout=60,
            )
            return answer.status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(send, posts))
    assert sorted(set(statuses)) == [200, 201] and statuses.count(201) == DEPOSITS
    stored = db.exec(select(KioskDeposit.deposit_id)).all()
    assert sorted(stored) == sorted(b["deposit_id"] for b in bodies)
    credits = db.exec(select(PointsEntry.key).where(PointsEntry.kind == EntryKind.CREDIT)).all()
    assert len(credits) == len(set(credits)) == DEPOSITS
    worth = sum(ledger.per_kg(b["grams"], prices[b["material"]]) for b in bodies)
    assert db.exec(select(func.sum(PointsEntry.points))).one() == worth
    assert ledger.verify(db) == []
