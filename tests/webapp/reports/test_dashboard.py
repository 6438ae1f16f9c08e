"""The indicators dashboard: figures from the records, drill-down, roles, factor tables."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from sqlmodel import select

from webapp.metrics import compute
from webapp.models import Role
from webapp.models.metrics import EmissionFactor, SubsidyRate

PERIOD = "from=2026-03-01&to=2026-04-30"


def _tonnes_link(page: str) -> str:
    """The drill link of the 'tonnes collected' figure."""
    section = page.split('id="collection"')[1]
    return unescape(re.search(r'<a href="([^"]+kind=collections[^"]*)" class="drill">', section).group(1))


def test_dashboard_shows_the_figures_computed_from_the_records(client, auth, db, world) -> None:
    """The tonnage shown is the indicator computed from the collections, with its charts."""
    auth.login(Role.DISPATCHER)
    page = client.get(f"/reports/?{PERIOD}").get_data(as_text=True)
    found = compute(db, world.scope())
    assert f"{found.collection.total.value / 1_000_000:,.2f}" in page
    assert page.count("<svg") >= 4
    assert 'id="batteries"' in page and 'id="subsidy"' in page and "report.pdf" in page


def test_clicking_a_tonnage_lands_on_the_collections_behind_it(client, auth, db, world) -> None:
    """The records page lists the collections whose weights add up to the figure."""
    auth.login(Role.DISPATCHER)
    page = client.get(f"/reports/?{PERIOD}").get_data(as_text=True)
    records = client.get(_tonnes_link(page))
    assert records.status_code == 200
    body = records.get_data(as_text=True)
    total = compute(db, world.scope()).collection.total.value
    assert f'data-unit="g">{total / 1_000_000:,.3f}<' in body
    assert body.count("<tr>") >= 2


def test_htmx_filter_change_swaps_only_the_indicators(client, auth, world) -> None:
    """A filter change asks for the partial: no page chrome comes back."""
    auth.login(Role.DISPATCHER)
    part = client.get(f"/reports/?{PERIOD}&district=futian", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert 'id="collection"' in part and "<html" not in part


def test_regulators_see_the_battery_part_only(client, auth, world) -> None:
    """A regulator gets the battery figures, not collections, and no collection records."""
    auth.login(Role.REGULATOR)
    page = client.get(f"/reports/?{PERIOD}").get_data(as_text=True)
    assert 'id="batteries"' in page and 'id="collection"' not in page and "report.pdf" not in page
    assert client.get(f"/reports/records?kind=collections&{PERIOD}").status_code == 403
    assert client.get(f"/reports/records?kind=batteries&set=received&{PERIOD}").status_code == 200
    assert client.get(f"/reports/report.pdf?{PERIOD}").status_code == 403


def test_a_bad_period_is_refused_naming_the_field(client, auth, world) -> None:
    """An end before the start answers 400 and says which input is wrong."""
    auth.login(Role.DISPATCHER)
    response = client.get("/reports/?from=2026-05-01&to=2026-04-01")
    assert response.status_code == 400 and re.search(
        r"to[:：] ?the period ends", response.get_data(as_text=True)
    )
    assert client.get("/reports/?from=yesterday").status_code == 400


def test_records_answer_json_for_machines(client, auth, world) -> None:
    """The same drill answers JSON with the sums when asked for it."""
    auth.login(Role.DISPATCHER)
    found = client.get(f"/reports/records?kind=collections&{PERIOD}", headers={"Accept": "application/json"})
    assert found.json["sums"]["count"] == len(found.json["rows"]) > 0


def test_admin_adds_a_factor_as_a_new_row(client, auth, db, world) -> None:
    """A new factor is a new row in force from its date; the old one stays."""
    before = len(db.exec(select(EmissionFactor)).all())
    auth.login(Role.ADMIN)
    response = client.post(
        "/reports/factors",
        data={
            "material": "glass",
            "kg_co2e_per_t": "300",
            "source": "测试来源",
            "source_url": "",
            "note": "",
            "note_zh": "测试来源，2026年，回收替代填埋，千克CO2e/吨",
            "valid_from": "2026-04-01",
        },
    )
    assert response.status_code == 302
    assert len(db.exec(select(EmissionFactor)).all()) == before + 1
    page = client.get("/reports/factors").get_data(as_text=True)
    assert "测试来源" in page


def test_a_rate_with_three_decimals_is_refused(client, auth, db, world) -> None:
    """Rates are whole fen: 1.234 yuan is refused on the field, nothing stored."""
    before = len(db.exec(select(SubsidyRate)).all())
    auth.login(Role.ADMIN)
    response = client.post(
        "/reports/rates",
        data={
            "kind": "new_outlet",
            "material": "",
            "yuan": "1.234",
            "document_title": "测试文件",
            "basis": "测试",
            "source_url": "",
            "valid_from": str(date(2026, 1, 1)),
        },
    )
    assert response.status_code == 400 and 'data-field="yuan"' in response.get_data(as_text=True)
    assert len(db.exec(select(SubsidyRate)).all()) == before


def test_a_per_tonne_rate_for_a_valuable_material_is_refused(client, auth, db, world) -> None:
    """A per-tonne subsidy only applies to low-value materials; the error names the field."""
    auth.login(Role.ADMIN)
    response = client.post(
        "/reports/rates",
        data={
            "kind": "low_value_tonne",
            "material": "paper",
            "yuan": "100",
            "document_title": "测试文件",
            "basis": "测试",
            "source_url": "",
            "valid_from": "2026-01-01",
        },
    )
    assert response.status_code == 400 and 'data-field="material"' in response.get_data(as_text=True)


def test_report_downloads_from_the_dashboard(client, auth, world) -> None:
    """PDF, XLSX and the CSV zip download for the chosen period, named by it."""
    auth.login(Role.DISPATCHER)
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("csv", b"PK")):
        response = client.get(f"/reports/report.{fmt}?{PERIOD}")
        assert response.status_code == 200, fmt
        assert response.data.startswith(magic)
        assert "2026-03-01-2026-04-30" in response.headers["Content-Disposition"]
    assert client.get(f"/reports/report.doc?{PERIOD}").status_code == 404


def test_records_page_through_with_the_same_filters(client, auth, world) -> None:
    """One record per page: the next link keeps the drill's filters and the sums stay whole."""
    auth.login(Role.DISPATCHER)
    first = client.get(f"/reports/records?kind=collections&{PERIOD}&per_page=1").get_data(as_text=True)
    assert first.count("<tr>") == 2
    link = unescape(re.search(r'<a href="([^"]+)">[^<]*→', first).group(1))
    assert "page=2" in link and "from=2026-03-01" in link and "kind=collections" in link
    second = client.get(link).get_data(as_text=True)
    assert second.count("<tr>") == 2 and "←" in second
    assert re.search(r'data-unit="g">([^<]+)<', first).group(1) == re.search(
        r'data-unit="g">([^<]+)<', second
    ).group(1)
