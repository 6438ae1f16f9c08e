"""`reloop metrics report --format json` carries the mass balance of a hand-computed world."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

from tests.webapp.sorting.conftest import sort_plastic
from tests.webapp.weighbridge.conftest import collect
from webapp.metrics.mass_balance import KEYS
from webapp.models.weighbridge import TicketDirection
from webapp.sorting import sales
from webapp.sorting.stock import BatchInput, record_batch
from webapp.weighbridge.tickets import record_ticket


def _world(app, db, yard) -> None:
    """Pickups of 1 t low-value plastics and 200 kg paper, weighed at 1,180 kg net; last
    day's 100 kg PET in stock; today 1 t sorted into 600 kg PET, 300 kg film, 95 kg
    residue; 400 kg PET sold."""
    world = yard.world
    collect(db, world, world.stops[0], {"low_value_plastic": 600_000, "paper": 200_000})
    collect(db, world, world.stops[1], {"low_value_plastic": 400_000})
    with app.test_request_context():
        record_ticket(
            db,
            facility_id=world.centre.id,
            direction=TicketDirection.IN,
            vehicle_id=world.truck.id,
            gross_g=9_180_000,
            stop_id=world.stops[2].id,
        )
        record_batch(
            db,
            BatchInput(
                world.centre.id,
                "low_value_plastic",
                yard.day - timedelta(days=1),
                100_000,
                {"lvp_pet": 100_000},
                0,
            ),
        )
        sort_plastic(db, yard, pet=600_000, film=300_000, residue=95_000, input_g=1_000_000)
        sales.record_sale(
            db,
            buyer_id=yard.buyer.id,
            facility_id=world.centre.id,
            grade="lvp_pet",
            day=yard.day,
            grams=400_000,
        )


def report(runner, tmp_path, day: date, fmt: str = "json") -> Path:
    """``reloop metrics report`` for one day in ``fmt``: the file it wrote (exit code checked)."""
    out = tmp_path / f"r.{fmt}"
    text = day.isoformat()
    result = runner.invoke(
        args=["metrics", "report", "--from", text, "--to", text, "--format", fmt, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def test_the_json_report_holds_the_mass_balance_per_material(app, db, yard, runner, tmp_path) -> None:
    """Exact keys, integer grams, and the figures worked out by hand."""
    _world(app, db, yard)
    balance = json.loads(report(runner, tmp_path, yard.day).read_text(encoding="utf-8"))["mass_balance"]
    assert set(balance) == set(yard.world.materials)
    for line in balance.values():
        assert list(line) == list(KEYS)
        assert set(KEYS) == {
            "collected_g",
            "weighed_g",
            "sorted_g",
            "sold_g",
            "opening_stock_g",
            "stock_g",
            "residue_g",
        }
        assert all(type(v) is int for v in line.values())
    # 1,180,000 g net shared 1,000,000 : 200,000 -> 983,333.3 and 196,666.7 (largest remainder).
    assert balance["low_value_plastic"] == {
        "collected_g": 1_000_000,
        "weighed_g": 983_333,
        "sorted_g": 1_000_000,
        "sold_g": 400_000,
        "opening_stock_g": 100_000,
        "stock_g": 600_000,
        "residue_g": 95_000,
    }
    assert balance["paper"] == dict.fromkeys(KEYS, 0) | {"collected_g": 200_000, "weighed_g": 196_667}
    assert balance["glass"] == dict.fromkeys(KEYS, 0)


def test_the_day_before_shows_only_the_opening_batch(app, db, yard, runner, tmp_path) -> None:
    """Yesterday: 100 kg sorted and in stock at its end, nothing collected or sold."""
    _world(app, db, yard)
    out = report(runner, tmp_path, yard.day - timedelta(days=1))
    plastic = json.loads(out.read_text(encoding="utf-8"))["mass_balance"]["low_value_plastic"]
    assert plastic == dict.fromkeys(KEYS, 0) | {"sorted_g": 100_000, "stock_g": 100_000}


def test_the_pdf_report_has_a_mass_balance_page(app, db, yard, runner, tmp_path) -> None:
    """The last page follows low-value plastics from pickup (1.000 t) to buyer (0.400 t)."""
    from pypdf import PdfReader

    _world(app, db, yard)
    out = report(runner, tmp_path, yard.day, "pdf")
    page = PdfReader(str(out)).pages[-1].extract_text()
    assert "物料平衡" in page and "low_value_plastic" in page
    after = page.split("low_value_plastic", 1)[1]
    figures = re.findall(r"\d+\.\d{3}", after)[:7]
    assert figures == ["1.000", "0.983", "1.000", "0.400", "0.100", "0.600", "0.095"]


def test_the_subsidy_rests_on_the_weighbridge_with_the_drivers_beside(app, db, yard) -> None:
    """983,333 g weighed at 300 yuan/t is 295.00 yuan (the drivers' 1 t would give 300)."""
    from webapp.metrics import Scope, compute
    from webapp.metrics.factors import add_rate

    _world(app, db, yard)
    add_rate(
        db,
        kind="low_value_tonne",
        material="low_value_plastic",
        fen=30_000,
        valid_from=yard.day - timedelta(days=10),
        document_title="测试通知",
    )
    db.commit()
    subsidy = compute(db, Scope(yard.day, yard.day)).subsidy.to_json()
    line = next(x for x in subsidy["lines"] if x["key"] == "low_value_plastic")
    assert subsidy["basis"] == "weighbridge"
    assert line["quantity"]["value"] == 983_333 and line["drivers_quantity"]["value"] == 1_000_000
    assert line["fen"]["value"] == 29_500 and line["quantity"]["drill"]["kind"] == "tickets"


def test_each_figure_drills_to_its_tickets_batches_and_sales(app, db, yard) -> None:
    """The drill's sums over the records equal the line's figures."""
    from webapp.metrics import Scope, compute, records

    _world(app, db, yard)
    scope = Scope(yard.day, yard.day)
    line = next(m for m in compute(db, scope).mass_balance.lines if m.code == "low_value_plastic")
    for key, unit in (("weighed_g", "g"), ("sorted_g", "g"), ("residue_g", "residue_g"), ("sold_g", "g")):
        page = records(db, line.drill(key, scope))
        assert page.sums[unit] == getattr(line, key), key
    sales = records(db, line.drill("sold_g", scope))
    assert sales.rows[0]["buyer"] == yard.buyer.name and sales.sums["fen"] == 72_000
