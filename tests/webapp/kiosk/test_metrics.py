"""The residents' channel in the metrics: figures, their drill-down sums, the JSON report key."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from webapp.kiosk import ledger, redeem
from webapp.kiosk.operations import Limits
from webapp.metrics import Figure, Scope, records
from webapp.metrics import residents as channel


def _deposit(client, kiosk, resident, n: int, grams: int) -> None:
    body = {
        "deposit_id": f"M-{n}",
        "resident_card": resident.card_no,
        "material": "metal",
        "grams": grams,
        "kiosk_time": (datetime.now(UTC) - timedelta(minutes=10)).isoformat(timespec="seconds"),
    }
    response = client.post(
        "/api/v1/kiosk/deposits", json=body, headers={"Authorization": f"Bearer {kiosk['token']}"}
    )
    assert response.status_code == 201


def _scope() -> Scope:
    today = datetime.now(UTC).date()
    return Scope(today - timedelta(days=2), today + timedelta(days=1))


def test_kiosk_grams_points_and_residents_add_up_and_drill(
    client, db: Session, prices, resident, kiosk
) -> None:
    """Two deposits (4 kg and a 40 kg outlier held) and a cash-out: kiosk_g counts both weighed,
    points count the credited one, and every drill sums to its figure."""
    _deposit(client, kiosk, resident, 1, 4000)
    _deposit(client, kiosk, resident, 2, 40_000)
    redeem.cash_out(db, resident, 100, limits=Limits())
    db.commit()
    found = channel.compute(db, _scope(), Figure(0, "g"))
    assert (found.registered.value, found.active.value, found.new.value) == (1, 1, 1)
    assert found.kiosk_g.value == 44_000
    assert (found.points_issued.value, found.points_redeemed.value, found.cash_out_fen.value) == (
        100,
        100,
        100,
    )
    assert ledger.balance(db, resident.id) == 0
    for figure in (found.registered, found.active, found.kiosk_g, found.points_issued, found.points_redeemed):
        page = records(db, figure.drill)
        assert page.sums[figure.unit] == figure.value, figure.drill


def test_the_json_report_has_a_residents_key(runner, db: Session, prices, resident, tmp_path) -> None:
    """`reloop metrics report --format json` carries residents with grams under kg_by_channel."""
    ledger.credit_for_collection(db, resident.id, "paper", 1500, "collection:1", datetime.now(UTC))
    db.commit()
    today = date.today()
    out = tmp_path / "r.json"
    result = runner.invoke(
        args=[
            "metrics",
            "report",
            "--from",
            str(today - timedelta(days=3)),
            "--to",
            str(today + timedelta(days=1)),
            "--format",
            "json",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    residents = json.loads(out.read_text())["residents"]
    assert set(residents["kg_by_channel"]) == {"outlet_g", "doorstep_g", "kiosk_g"}
    assert residents["kg_by_channel"]["kiosk_g"]["unit"] == "g"
    assert residents["registered"]["value"] == 1 and residents["points_issued"]["value"] == 15
