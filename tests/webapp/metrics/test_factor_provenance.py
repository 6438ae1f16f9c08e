"""Where each emission factor and subsidy rate comes from, on the page and in the reports."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import Session, select

from webapp.metrics import MetricsInputError
from webapp.metrics.factors import (
    DEFAULT_FACTORS,
    EXAMPLE_RATE_ZH,
    GRID_FACTORS,
    add_rate,
    seed_demo_rates,
    seed_factors,
)
from webapp.models import EmissionFactor, Organisation, Role, SubsidyRate

from .conftest import World

NOTICE, NUMBER = "深圳市某区低值可回收物回收补贴办法", "深某区环〔2026〕1号"
ARGS = ["metrics", "report", "--from", "2026-03-01", "--to", "2026-04-30"]


@pytest.fixture
def notice(db: Session, world: World) -> World:
    """A glass rate entered from a (made-up, test-only) district notice, in force from the
    start of 2026, so it replaces the world's plain test rate."""
    add_rate(
        db,
        kind="low_value_tonne",
        material="glass",
        fen=25_000,
        document_title=NOTICE,
        document_number=NUMBER,
        basis="第五条",
        valid_from=date(2026, 1, 1),
    )
    db.commit()
    return world


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_shipped_factor_has_a_chinese_and_an_english_note() -> None:
    """Each default names its source and year, scope and unit in both languages and fits the column."""
    for factor in DEFAULT_FACTORS:
        assert "WARM" in factor.note_zh and "2020" in factor.note_zh and "口径" in factor.note_zh
        assert "千克CO2e/吨" in factor.note_zh and "国内依据" in factor.note_zh and "待核实" in factor.note_zh
        assert (
            "Scope" in factor.note_en and "kg CO2e/t" in factor.note_en and "Chinese basis" in factor.note_en
        )
        assert len(factor.note_zh) <= 500 and len(factor.note_en) <= 500


def test_seeded_factors_are_marked_as_examples_with_their_notes(db: Session) -> None:
    """The shipped WARM fallbacks are stored as examples to be confirmed, with both notes."""
    seed_factors(db)
    db.commit()
    rows = db.exec(select(EmissionFactor)).all()
    assert len(rows) == len(DEFAULT_FACTORS)
    assert all(r.example and r.note_zh.startswith("来源：") and r.note.startswith("Source:") for r in rows)


def test_demo_rates_say_in_chinese_that_they_are_examples(db: Session) -> None:
    """The demo's own rates are flagged and labelled 示例费率，非官方标准，请按所在区现行文件录入."""
    org = Organisation(name="演示")
    db.add(org)
    db.flush()
    assert seed_demo_rates(db, org_id=org.id, valid_from=date(2020, 1, 1)) > 0  # type: ignore[arg-type]
    db.commit()
    rows = db.exec(select(SubsidyRate)).all()
    assert rows and all(r.example and EXAMPLE_RATE_ZH in r.basis for r in rows)


def test_a_rate_names_its_notice(db: Session) -> None:
    """A rate with neither a notice title nor a basis is refused, naming the title field."""
    with pytest.raises(MetricsInputError) as bad:
        add_rate(db, kind="new_outlet", fen=100, valid_from=date(2026, 1, 1))
    assert bad.value.field == "document_title"


def test_the_admin_enters_a_rate_with_its_notice(client, auth, db: Session, world: World) -> None:  # type: ignore[no-untyped-def]
    """The rate form stores 文件名称, 文号 and the effective date, and the page shows them."""
    auth.login(Role.ADMIN)
    response = client.post(
        "/reports/rates",
        data={
            "kind": "new_outlet",
            "yuan": "5000",
            "document_title": NOTICE,
            "document_number": NUMBER,
            "basis": "",
            "valid_from": "2026-07-01",
        },
    )
    assert response.status_code == 302
    row = db.exec(select(SubsidyRate).where(SubsidyRate.document_number == NUMBER)).one()
    assert (row.document_title, row.valid_from, row.example) == (NOTICE, date(2026, 7, 1), False)
    assert f"{NOTICE} {NUMBER}" in client.get("/reports/factors").get_data(as_text=True)


def test_a_rate_without_its_notice_title_is_refused_on_the_field(
    client, auth, db: Session, world: World
) -> None:  # type: ignore[no-untyped-def]
    """The form refuses a rate with no 文件名称 (400 on that field), storing nothing."""
    before = len(db.exec(select(SubsidyRate)).all())
    auth.login(Role.ADMIN)
    response = client.post(
        "/reports/rates", data={"kind": "new_outlet", "yuan": "1", "basis": "x", "valid_from": "2026-01-01"}
    )
    assert response.status_code == 400 and 'data-field="document_title"' in response.get_data(as_text=True)
    assert len(db.exec(select(SubsidyRate)).all()) == before


def test_the_factors_page_shows_notes_examples_and_the_grid_factor(client, auth, world: World) -> None:  # type: ignore[no-untyped-def]
    """In Chinese: each factor's Chinese note, the example badge and the national grid factor."""
    auth.login(Role.ADMIN)
    page = client.get("/reports/factors").get_data(as_text=True)
    assert DEFAULT_FACTORS[0].note_zh in page and "示例值，待核实" in page
    assert GRID_FACTORS[0].t_co2_per_mwh == "0.5703" and "0.5703" in page and "环办气候函〔2023〕43号" in page


def test_the_xlsx_prints_provenance_beside_the_figures(
    runner: FlaskCliRunner, notice: World, tmp_path: Path
) -> None:
    """The factor sheet carries each factor's status and Chinese note; the subsidy sheet the notice."""
    out = tmp_path / "r.xlsx"
    result = runner.invoke(args=[*ARGS, "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    factors = [[str(c.value) for c in row] for row in book["排放因子及来源"].iter_rows(min_row=3)]
    glass = next(r for r in factors if r[0] == "玻璃")
    assert glass[1] == "331" and glass[3] == "示例值，待核实" and glass[5].startswith("来源：美国环保署WARM")
    subsidy = [[str(c.value) for c in row] for row in book["补贴估算（上限）"].iter_rows(min_row=3)]
    line = next(r for r in subsidy if r[0] == "玻璃")
    assert line[3] == "250" and line[4] == f"{NOTICE} {NUMBER}，第五条，2026-01-01起施行"


def test_the_pdf_prints_provenance_beside_the_figures(
    runner: FlaskCliRunner, notice: World, tmp_path: Path
) -> None:
    """The PDF's carbon and subsidy sections show the example status, the notes and the notice."""
    pdf = tmp_path / "r.pdf"
    result = runner.invoke(args=[*ARGS, "--format", "pdf", "--out", str(pdf)])
    assert result.exit_code == 0, result.output
    text = _flat("".join(page.extract_text() for page in PdfReader(pdf).pages))
    assert "示例值，待核实" in text and "来源：美国环保署WARM模型v15" in text
    assert _flat(f"{NOTICE} {NUMBER}，第五条，2026-01-01起施行") in text
