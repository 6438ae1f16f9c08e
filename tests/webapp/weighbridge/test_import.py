"""Importing a scale's CSV export: all lines or none, every bad line named with its column."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.webapp.weighbridge.conftest import TARE_G, tickets
from traceability import CHINA_TZ
from webapp.models import Role
from webapp.models.weighbridge import TicketSource
from webapp.weighbridge.imports import import_csv

HEADER = "scale_ticket_no,plate,direction,gross,tare,unit,weighed_at,note\n"
SAMPLE = Path(__file__).parents[3] / "webapp/static/weighbridge/scale-export-sample.csv"


def _now() -> str:
    return datetime.now(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def _run(db, world, lines: list[str]):
    return import_csv(db, (HEADER + "".join(lines)).encode(), facility_id=world.centre.id, operator_id=None)


def test_good_lines_become_numbered_tickets_in_file_order(db, world) -> None:
    """kg and t lines, registered and weighed tare, an outbound buyer's truck: exact grams, numbers 1-3."""
    result = _run(
        db,
        world,
        [
            f"S-1,粤B12345,in,10250.5,,kg,{_now()},\n",
            f"S-2,粤B12345,in,9.84,8.00,t,{_now()},\n",
            f"S-3,粤A00001,out,21.36,9.02,t,{_now()},PET\n",
        ],
    )
    assert result.errors == []
    rows = tickets(db)
    assert [(t.gross_g, t.tare_g, t.net_g) for t in rows] == [
        (10_250_500, TARE_G, 2_250_500),
        (9_840_000, 8_000_000, 1_840_000),
        (21_360_000, 9_020_000, 12_340_000),
    ]
    assert [t.number[-6:] for t in rows] == ["000001", "000002", "000003"]
    assert {t.source for t in rows} == {TicketSource.IMPORT}
    assert rows[1].stop_id == world.unloads[1].id  # the second unload of the day


def test_a_unit_error_is_refused_naming_the_line_and_nothing_is_written(db, world) -> None:
    """10250 marked t (a kg figure) on line 3: the error names line 3 and unit; line 2 is not kept."""
    result = _run(
        db, world, [f"S-1,粤B12345,in,10250,,kg,{_now()},\n", f"S-2,粤B12345,in,10250,,t,{_now()},\n"]
    )
    assert [(e["line"], e["field"]) for e in result.errors] == [(3, "unit")]
    assert tickets(db) == []


def test_every_bad_line_is_named_in_one_pass(db, world) -> None:
    """Tare above gross, an unknown plate, a truck on no trip, a bad time, a repeated number: all named."""
    result = _run(
        db,
        world,
        [
            f"S-1,粤B12345,in,9000,9500,kg,{_now()},\n",
            f"S-2,粤X00000,in,9000,,kg,{_now()},\n",
            f"S-3,粤B99999,in,9000,7000,kg,{_now()},\n",
            "S-4,粤B12345,in,9000,,kg,yesterday,\n",
            f"S-1,粤B12345,in,9000,,kg,{_now()},\n",
        ],
    )
    assert [(e["line"], e["field"]) for e in result.errors] == [
        (2, "tare"),
        (3, "plate"),
        (4, "plate"),
        (5, "weighed_at"),
        (6, "scale_ticket_no"),
    ]
    assert tickets(db) == []


def test_a_scale_ticket_imported_before_is_refused(db, world) -> None:
    """The same scale ticket number in a second import: refused naming the line and our number."""
    assert _run(db, world, [f"S-1,粤B12345,in,10000,,kg,{_now()},\n"]).errors == []
    again = _run(db, world, [f"S-1,粤B12345,in,10000,,kg,{_now()},\n"])
    assert (
        again.errors[0]["field"] == "scale_ticket_no" and tickets(db)[0].number in again.errors[0]["message"]
    )
    assert len(tickets(db)) == 1


def test_the_import_page_lists_the_problems_with_422(client, auth, db, world) -> None:
    """Uploading a file with a bad line: 422 and the table of problems; the sample file is served."""
    auth.login(Role.WEIGHBRIDGE)
    bad = (HEADER + f"S-1,粤B12345,in,abc,,kg,{_now()},\n").encode()
    response = client.post(
        "/weighbridge/import",
        data={"facility_id": str(world.centre.id), "file": (__import__("io").BytesIO(bad), "scale.csv")},
    )
    assert response.status_code == 422 and "import-errors" in response.get_data(as_text=True)
    assert client.get("/static/weighbridge/scale-export-sample.csv").data == SAMPLE.read_bytes()


def test_the_cli_imports_a_file_and_prints_the_reconciliation(runner, db, world, tmp_path) -> None:
    """The import command numbers the tickets, a bad file exits 1 naming the line; reconcile prints JSON."""
    good = tmp_path / "good.csv"
    good.write_text(HEADER + f"S-1,粤B12345,in,10250,,kg,{_now()},\n", encoding="utf-8")
    result = runner.invoke(args=["weighbridge", "import", str(good), "--facility", world.centre.code])
    assert result.exit_code == 0 and tickets(db)[0].number in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"S-2,粤B12345,in,10250,,t,{_now()},\n", encoding="utf-8")
    result = runner.invoke(args=["weighbridge", "import", str(bad), "--facility", world.centre.code])
    assert result.exit_code == 1 and "line 2, unit" in result.output
    result = runner.invoke(args=["weighbridge", "reconcile"])
    assert '"net_g": 2250000' in result.output and '"flagged": true' in result.output
