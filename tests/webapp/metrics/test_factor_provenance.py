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

from tests.webapp.conftest import seeded_user
from tests.webapp.test_chinese_pages import foreign_words, visible_text
from webapp.metrics import MetricsInputError
from webapp.metrics.factors import (
    DEFAULT_FACTORS,
    EXAMPLE_RATE_ZH,
    GRID_FACTORS,
    PET_STUDY,
    StudyFactor,
    WarmFactor,
    add_rate,
    rate_history,
    seed_demo_rates,
    seed_factors,
)
from webapp.models import EmissionFactor, Organisation, RateKind, Role, SubsidyRate

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
    """Each default names its source and year, scope and unit in both languages, the Chinese
    standards to check it against, and fits the column."""
    for factor in DEFAULT_FACTORS:
        assert all(
            code in note
            for code in ("T/ACEF 161-2024", "T/CACE 034-2021", "DB3308/T 102")
            for note in (factor.note_zh, factor.note_en)
        )
        assert factor.note_zh.startswith("来源：") and factor.note_en.startswith("Source:")
        assert "口径" in factor.note_zh and "千克CO2e/吨" in factor.note_zh and "待核实" in factor.note_zh
        assert "Scope" in factor.note_en and "kg CO2e/t" in factor.note_en
        assert str(factor.valid_from.year) in factor.note_zh
        assert len(factor.note_zh) <= 500 and len(factor.note_en) <= 500


def test_a_warm_fallback_says_so_and_names_its_chinese_basis() -> None:
    """Every WARM row is called a foreign fallback and names the Chinese text to check."""
    warm = [f for f in DEFAULT_FACTORS if isinstance(f, WarmFactor)]
    assert len(warm) == len(DEFAULT_FACTORS) - 1
    for factor in warm:
        assert "WARM" in factor.note_zh and "国外备选值" in factor.note_zh and "国内依据" in factor.note_zh
        assert "WARM" in factor.note_en and "Chinese basis" in factor.note_en
        if factor.material == "composite_packaging":  # Shenzhen's own carton methodology
            assert "深圳市奶盒回收减排碳普惠方法学" in factor.note_zh and "Shenzhen" in factor.note_en


def test_the_chinese_study_note_names_its_source_scope_and_proxy() -> None:
    """The PET row's Chinese note gives the article, journal and DOI, the figure as read,
    what its scope leaves out, that PET stands in for all low-value plastics, and WARM's
    Mixed Plastics figure as the fallback; the English note says the same in short."""
    plastic = next(f for f in DEFAULT_FACTORS if f.material == "plastic")
    assert isinstance(PET_STUDY, StudyFactor) and isinstance(plastic, WarmFactor)
    doi = "10.12153/j.issn.1674-991X.20220835"
    for part in (
        "刘奇汶",
        "《基于生命周期评价的原生和再生PET纤维环境影响对比分析》",
        "《环境工程技术学报》2023年第13卷第4期",
        f"DOI：{doi}",
        "国内已发表的生命周期评价",
        "每生产100 kg再生PET长丝",
        "减少32.09 kg",
        "仅生产阶段",
        "未计得率",
        "不含避免填埋、收运和分拣",
        "低值塑料中仅PET瓶有国内数值",
        f"WARM v15“混合塑料”{plastic.kg_co2e_per_t:,}千克/吨",
    ):
        assert part in PET_STUDY.note_zh, part
    for part in ("Chinese LCA", f"DOI {doi}", "32.09 kg", "production only", "ignoring yield", "Proxy"):
        assert part in PET_STUDY.note_en, part
    assert f"fallback {plastic.kg_co2e_per_t:,}" in PET_STUDY.note_en
    assert PET_STUDY.source_url.endswith(doi)


def test_seeded_factors_are_marked_as_examples_with_their_notes(db: Session) -> None:
    """The shipped rows, Chinese study and WARM fallbacks alike, are stored as examples to
    be confirmed, with both notes."""
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
    """In Chinese: each factor's Chinese note, the example badge, the Chinese study's link and
    the MEE grid factors with links."""
    auth.login(Role.ADMIN)
    page = client.get("/reports/factors").get_data(as_text=True)
    assert DEFAULT_FACTORS[0].note_zh in page and "示例值，待核实" in page
    assert PET_STUDY.note_zh in page and f'href="{PET_STUDY.source_url}"' in page
    national_2022 = next(g for g in GRID_FACTORS if g.year == 2022 and "全国电力平均" in g.document_zh)
    southern = next(g for g in GRID_FACTORS if "南方区域" in g.document_zh)
    assert (national_2022.t_co2_per_mwh, southern.t_co2_per_mwh) == ("0.5366", "0.3869")
    for factor in (national_2022, southern):
        assert factor.document_zh in page and f'href="{factor.url.replace("&", "&amp;")}"' in page


def test_every_confirmed_grid_factor_names_the_text_it_was_read_from() -> None:
    """A grid value shown without the example badge carries the address of its text; one
    that no retrieved text showed is marked unconfirmed in both languages."""
    for factor in GRID_FACTORS:
        assert factor.url.startswith("https://") if factor.confirmed else not factor.url
        assert float(factor.t_co2_per_mwh) > 0 and factor.document_zh and factor.document_en
    unchecked = [g for g in GRID_FACTORS if not g.confirmed]
    assert unchecked and all("未" in g.document_zh and "not checked" in g.document_en for g in unchecked)


def test_a_new_rate_keeps_the_old_one_as_history(client, auth, db: Session, world: World) -> None:  # type: ignore[no-untyped-def]
    """A rate entered from a later notice applies from its date; the old row stays listed,
    and only the newer one is marked in force."""
    add_rate(
        db,
        kind="new_outlet",
        fen=500_000,
        document_title=NOTICE,
        document_number=NUMBER,
        valid_from=date(2025, 1, 1),
    )
    newer = "深某区环〔2026〕9号"
    add_rate(
        db,
        kind="new_outlet",
        fen=800_000,
        document_title=NOTICE,
        document_number=newer,
        valid_from=date(2026, 7, 1),
    )
    db.commit()
    history = rate_history(db, world.org_id)
    assert history.on((RateKind.NEW_OUTLET, None), date(2026, 6, 30)).fen == 1_000_000
    assert history.on((RateKind.NEW_OUTLET, None), date(2026, 7, 1)).document_number == newer
    auth.login(Role.ADMIN)
    page = client.get("/reports/factors").get_data(as_text=True)
    rows = [r for r in page.split("<tr>") if NOTICE in r]
    assert len(rows) == 2 and [NUMBER in r for r in rows] == [False, True]
    assert [">现行</span>" in r for r in rows] == [True, False]


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
    low_value = next(r for r in factors if r[0] == "低值塑料")
    assert low_value[1] == str(PET_STUDY.kg_co2e_per_t) and low_value[3] == "示例值，待核实"
    assert low_value[4] == f"{PET_STUDY.source} {PET_STUDY.source_url}" and low_value[5] == PET_STUDY.note_zh
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
    assert _flat("来源：刘奇汶、毕莹莹、董黎明等") in text and "环境工程技术学报" in text
    assert _flat(f"{NOTICE} {NUMBER}，第五条，2026-01-01起施行") in text


def test_the_demo_rates_are_shown_as_examples_in_chinese(client, auth, db: Session, world: World) -> None:  # type: ignore[no-untyped-def]
    """An organisation seeded with the demo rates sees each of them badged 示例费率 and
    named by no notice (（示例，无文件）), never as an official rate, on a page whose visible
    text (factor notes and grid documents included) has no stray English."""
    admin = seeded_user(db, "admin")
    admin.org_id = world.org_id  # the demo's admin belongs to the demo organisation
    db.add(admin)
    assert seed_demo_rates(db, org_id=world.org_id, valid_from=date(2020, 1, 1)) > 0
    db.commit()
    auth.login(Role.ADMIN)
    page = client.get("/reports/factors").get_data(as_text=True)
    rows = [r for r in page.split("<tr>") if "（示例，无文件）" in r]
    assert rows and all(EXAMPLE_RATE_ZH in r for r in rows)
    main = page[page.index("<main") : page.index("</main>")]  # the header names the test's user
    assert foreign_words(visible_text(main)) == []
