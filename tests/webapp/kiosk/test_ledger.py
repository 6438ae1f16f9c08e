"""The points ledger: prices in force, idempotent credits, reversals, balances as sums."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from tests.webapp.kiosk.conftest import make_resident
from webapp.kiosk import ledger
from webapp.kiosk.ledger import InsufficientPointsError, LedgerError
from webapp.models.points import EntryKind, PointsEntry

AT = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def test_credit_uses_the_price_in_force_and_repeats_idempotently(db: Session, prices, resident) -> None:
    """2,350 g of paper at 10 points/kg is 24 points (half up); the same call again adds nothing."""
    first = ledger.credit_for_collection(db, resident.id, "paper", 2350, "collection:1", AT)
    db.commit()
    again = ledger.credit_for_collection(db, resident.id, "paper", 2350, "collection:1", AT)
    db.commit()
    assert [e.points for e in first] == [24]
    assert first[0].fen == 1880
    assert [e.id for e in again] == [first[0].id]
    assert ledger.balance(db, resident.id) == 24


def test_a_new_price_applies_from_its_day_and_past_credits_never_move(db: Session, prices, resident) -> None:
    """A price from 2026-04-01 leaves the March credit alone and prices April's."""
    ledger.credit_for_collection(db, resident.id, "paper", 1000, "collection:1", AT)
    ledger.add_price(db, material="paper", fen_per_kg=900, points_per_kg=20, valid_from=date(2026, 4, 1))
    april = datetime(2026, 4, 1, tzinfo=UTC)
    ledger.credit_for_collection(db, resident.id, "paper", 1000, "collection:2", april)
    db.commit()
    rows = sorted(ledger.history(db, resident.id), key=lambda e: e.seq)
    assert [(e.points, e.fen) for e in rows] == [(10, 800), (20, 900)]
    march = ledger.resident_prices(db, date(2026, 3, 31))
    assert [p.points_per_kg for p in march if p.material_code == "paper"] == [10]


def test_credit_is_priced_on_the_shenzhen_day(db: Session, prices, resident) -> None:
    """17:00 UTC on 31 March is 1 April in Shenzhen, so April's price applies."""
    ledger.add_price(db, material="paper", fen_per_kg=900, points_per_kg=20, valid_from=date(2026, 4, 1))
    rows = ledger.credit_for_collection(
        db, resident.id, "paper", 1000, "collection:9", datetime(2026, 3, 31, 17, tzinfo=UTC)
    )
    assert rows[0].points == 20


def test_same_reference_with_another_weight_is_refused(db: Session, prices, resident) -> None:
    """A second credit for collection:1 with another weight names source_ref."""
    ledger.credit_for_collection(db, resident.id, "paper", 1000, "collection:1", AT)
    with pytest.raises(LedgerError) as err:
        ledger.credit_for_collection(db, resident.id, "paper", 1500, "collection:1", AT)
    assert err.value.field == "source_ref"


@pytest.mark.parametrize("grams", [0, -5, 1_000_001, 2.5, True])
def test_bad_weights_name_the_field(db: Session, prices, resident, grams) -> None:
    """Zero, negative, absurd, fractional and boolean weights are refused naming grams."""
    with pytest.raises(LedgerError) as err:
        ledger.credit_for_collection(db, resident.id, "paper", grams, "collection:1", AT)
    assert err.value.field == "grams"


def test_reversal_is_a_new_row_and_happens_once(db: Session, prices, resident) -> None:
    """Reversing a credit adds its negative; reversing it again is refused."""
    (credit,) = ledger.credit_for_collection(db, resident.id, "metal", 2000, "collection:3", AT)
    reversal = ledger.reverse(db, credit.id, reason="weight corrected")
    db.commit()
    assert (reversal.kind, reversal.points, reversal.reverses_id) == (EntryKind.REVERSAL, -50, credit.id)
    assert ledger.balance(db, resident.id) == 0
    with pytest.raises(LedgerError):
        ledger.reverse(db, credit.id, reason="again")


def test_debit_above_the_balance_is_refused(db: Session, prices, resident) -> None:
    """A redemption of 11 points against a balance of 10 is refused and writes nothing."""
    ledger.credit_for_collection(db, resident.id, "paper", 1000, "collection:1", AT)
    db.commit()
    with pytest.raises(InsufficientPointsError):
        ledger.debit(db, resident.id, 11, key="redemption:x", source_ref="redemption:x")
    db.rollback()
    assert ledger.balance(db, resident.id) == 10


def test_ledger_rows_cannot_be_updated_or_deleted(db: Session, prices, resident) -> None:
    """The database refuses UPDATE and DELETE of a ledger row."""
    (credit,) = ledger.credit_for_collection(db, resident.id, "paper", 1000, "collection:1", AT)
    db.commit()
    for statement in ("UPDATE points_entry SET points = 999", "DELETE FROM points_entry"):
        with pytest.raises(DBAPIError):
            db.connection().exec_driver_sql(statement)
        db.rollback()
    assert db.get(PointsEntry, credit.id).points == 10


def test_concurrent_debits_of_one_balance_let_one_through(app, db: Session, prices) -> None:
    """Eight threads each redeem the whole balance at once: one succeeds, seven are refused."""
    resident = make_resident(db, 7)
    ledger.credit_for_collection(db, resident.id, "paper", 10_000, "collection:1", AT)
    db.commit()
    engine = app.extensions["reloop.engine"]
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def redeem(n: int) -> None:
        with Session(engine) as session:
            start.wait(timeout=30)
            try:
                ledger.debit(session, resident.id, 100, key=f"redemption:{n}", source_ref=f"redemption:{n}")
                session.commit()
                outcomes.append("ok")
            except InsufficientPointsError:
                session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=redeem, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["ok"] + ["refused"] * 7
    assert ledger.balance(db, resident.id) == 0
    assert ledger.verify(db) == []


def test_cli_puts_a_price_in_force_and_verifies_the_ledger(runner, db: Session, resident) -> None:
    """`reloop kiosk price` adds a version; a bad value names its option; `verify` passes."""
    ok = runner.invoke(
        args=["kiosk", "price", "paper", "--fen-per-kg", "80", "--points-per-kg", "8", "--from", "2026-01-01"]
    )
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(
        args=["kiosk", "price", "paper", "--fen-per-kg", "-1", "--points-per-kg", "8", "--from", "2026-01-01"]
    )
    assert bad.exit_code != 0 and "--fen-per-kg" in bad.output
    assert [
        p.fen_per_kg for p in ledger.resident_prices(db, date(2026, 2, 1)) if p.material_code == "paper"
    ] == [80]
    assert runner.invoke(args=["kiosk", "verify"]).exit_code == 0
