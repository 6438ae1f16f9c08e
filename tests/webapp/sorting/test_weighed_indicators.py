"""Collection indicators on weighbridge net weight with the drivers' weights beside: the
JSON report's ``collection_weighed`` key, the drill to the tickets, the report tables and
the metrics page (the mass-balance world of test_mass_balance)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from tests.webapp.sorting.test_mass_balance import _world
from tests.webapp.sorting.test_mass_balance import report as write_report
from webapp.metrics import Scope, compute, records


def test_the_json_report_gives_tonnes_by_material_on_the_weighbridge(app, db, yard, runner, tmp_path) -> None:
    """1,180 kg net shared 1,000 : 200 -> 983,333 g plastics, 196,667 g paper, drivers beside."""
    _world(app, db, yard)
    report = json.loads(write_report(runner, tmp_path, yard.day).read_text(encoding="utf-8"))
    weighed = report["collection_weighed"]
    lines = {line["key"]: line for line in weighed["by_material"]}
    plastic = lines["low_value_plastic"]
    assert (plastic["weighed"]["value"], plastic["drivers"]["value"], plastic["difference_g"]) == (
        983_333,
        1_000_000,
        -16_667,
    )
    assert lines["paper"]["weighed"]["value"] == 196_667 and lines["paper"]["drivers"]["value"] == 200_000
    assert (weighed["total"]["weighed"]["value"], weighed["total"]["drivers"]["value"]) == (
        1_180_000,
        1_200_000,
    )
    assert weighed["low_value_share"]["weighed"]["numerator"]["value"] == 983_333
    assert report["mass_balance"]["low_value_plastic"]["weighed_g"] == 983_333  # the contract is unchanged


def test_each_weighbridge_figure_drills_to_tickets_summing_to_it(app, db, yard) -> None:
    """Total, per material, low-value and monthly figures: the ticket drill's grams equal each."""
    _world(app, db, yard)
    weighed = compute(db, Scope(yard.day, yard.day)).collection_weighed
    figures = [weighed.total.weighed, weighed.low_value_share.numerator]
    figures += [line.weighed for line in (*weighed.by_material, *weighed.by_month)]
    for figure in figures:
        assert figure.drill.kind == "tickets"
        assert records(db, figure.drill).sums["g"] == figure.value, figure.drill
    plastic = next(line for line in weighed.by_material if line.key == "low_value_plastic")
    assert records(db, plastic.drivers.drill).sums["g"] == 1_000_000
    assert records(db, plastic.weighed.drill).rows[0]["ticket"]


def test_a_district_scope_has_no_weighbridge_figures(app, db, yard) -> None:
    """Tickets belong to a facility, not a district: no figure rather than a wrong one."""
    _world(app, db, yard)
    assert compute(db, Scope(yard.day, yard.day, district="nanshan")).collection_weighed is None


def test_the_csv_and_xlsx_reports_carry_the_weighbridge_table(app, db, yard, runner, tmp_path) -> None:
    """A tonnes_weighed table: plastics 0.983 t weighed beside 1.000 t recorded, -0.017 t."""
    from openpyxl import load_workbook

    _world(app, db, yard)
    for fmt in ("csv", "xlsx"):
        out = write_report(runner, tmp_path, yard.day, fmt)
        if fmt == "csv":
            with zipfile.ZipFile(out) as bundle:
                name = next(n for n in bundle.namelist() if "tonnes_weighed" in n)
                rows = list(csv.reader(io.StringIO(bundle.read(name).decode("utf-8-sig"))))
        else:
            sheet = load_workbook(out)["过磅回收量（司机记录对照）"]
            rows = [[str(c) if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
        plastic = next(r for r in rows if r[0] == "low_value_plastic")
        assert [float(x) for x in plastic[2:5]] == [0.983, 1.0, -0.017], fmt


def test_the_metrics_page_shows_weighed_beside_the_drivers(app, client, auth, db, yard) -> None:
    """The page's weighbridge table links the plastics' weighed tonnes to their tickets."""
    _world(app, db, yard)
    auth.login("admin")
    day = yard.day.isoformat()
    page = client.get(f"/reports/?from={day}&to={day}").get_data(as_text=True)
    section = page[page.index('id="collection-weighed"') :]
    row = section[section.index('data-material="low_value_plastic"') :]
    row = row[: row.index("</tr>")]
    assert "kind=tickets" in row and "0.98" in row and "1.00" in row
