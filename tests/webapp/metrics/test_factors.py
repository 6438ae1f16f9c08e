"""Emission factors and subsidy rates: shipped defaults, edits as new rows, the row in force."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from webapp.metrics import MetricsInputError
from webapp.metrics.factors import (
    DEFAULT_FACTORS,
    PET_STUDY,
    WARM_URL,
    WARM_V15,
    StudyFactor,
    WarmFactor,
    add_factor,
    add_rate,
    factor_history,
    seed_factors,
)
from webapp.models import EmissionFactor, Material


def test_shipped_factors_convert_short_tons_to_tonnes() -> None:
    """Glass: (0.02 - (-0.28)) MTCO2E/short ton x 1,102.311 = 331 kg CO2e per tonne."""
    glass = next(f for f in DEFAULT_FACTORS if f.material == "glass")
    assert glass.kg_co2e_per_t == 331
    assert "1,102.311" in glass.source and "WARM" in glass.source


def test_proxies_say_which_category_stands_in() -> None:
    """Materials WARM lacks name their proxy."""
    proxy = next(f for f in DEFAULT_FACTORS if f.material == "composite_packaging")
    assert isinstance(proxy, WarmFactor)
    assert "Proxy" in proxy.proxy_note and proxy.warm_category == "Mixed Paper (general)"


def test_the_chinese_study_is_scaled_from_100_kg_to_a_tonne() -> None:
    """Low-value plastics: 32.09 kg CO2e per 100 kg recycled PET filament x 1,000 / 100 = 320.9,
    so 321 kg CO2e per tonne, with the sum in the source."""
    low_value = next(f for f in DEFAULT_FACTORS if f.material == "low_value_plastic")
    assert low_value is PET_STUDY and isinstance(low_value, StudyFactor)
    assert (low_value.avoided_kg, low_value.per_kg) == (32.09, 100)
    assert low_value.kg_co2e_per_t == round(32.09 * 1_000 / 100) == 321
    assert "环境工程技术学报" in low_value.source
    assert "32.09 × 1,000 ÷ 100 = 320.9 ≈ 321 kg CO2e/t" in low_value.source


def test_only_low_value_plastics_take_the_chinese_study() -> None:
    """The PET study stands for no other material: rigid plastics (PP, HDPE) keep WARM."""
    studies = [f.material for f in DEFAULT_FACTORS if isinstance(f, StudyFactor)]
    assert studies == ["low_value_plastic"]
    plastic = next(f for f in DEFAULT_FACTORS if f.material == "plastic")
    assert isinstance(plastic, WarmFactor) and plastic.warm_category == "Mixed Plastics"


def test_seeding_factors_twice_adds_nothing(db: Session) -> None:
    """The seed adds each missing material's factor once and leaves edits alone."""
    assert seed_factors(db) == len(DEFAULT_FACTORS)
    db.commit()
    assert seed_factors(db) == 0


def test_each_seeded_row_keeps_its_own_source_address_and_date(db: Session) -> None:
    """The Chinese row links to the article and applies from its publication (2023-05-15);
    the WARM rows link to EPA's WARM page and apply from v15 (November 2020)."""
    seed_factors(db)
    db.commit()
    rows = db.exec(select(Material.code, EmissionFactor).where(Material.id == EmissionFactor.material_id))
    by_code = dict(rows.all())
    low_value = by_code.pop("low_value_plastic")
    assert low_value.kg_co2e_per_t == 321 and low_value.valid_from == date(2023, 5, 15)
    assert low_value.source_url == "https://hjgcjsxb.org.cn/article/doi/10.12153/j.issn.1674-991X.20220835"
    assert "《基于生命周期评价的原生和再生PET纤维环境影响对比分析》" in low_value.note_zh
    assert "仅生产阶段" in low_value.note_zh and "未计得率" in low_value.note_zh
    assert len(by_code) == len(DEFAULT_FACTORS) - 1
    assert all(r.source_url == WARM_URL and r.valid_from == WARM_V15 for r in by_code.values())


def test_factor_rows_are_never_updated(db: Session) -> None:
    """Changing a stored factor is refused by the database: an edit is a new row."""
    seed_factors(db)
    db.commit()
    row = db.exec(select(EmissionFactor)).first()
    row.kg_co2e_per_t += 1  # type: ignore[union-attr]
    db.add(row)
    with pytest.raises(DBAPIError, match="append-only"):
        db.commit()
    db.rollback()


def test_the_row_in_force_is_the_latest_valid_one(db: Session) -> None:
    """Before a new factor's date the old one applies; from it, the new one."""
    seed_factors(db)
    add_factor(db, material="glass", kg_co2e_per_t=400, source="新来源", valid_from=date(2026, 6, 1))
    db.commit()
    glass = db.exec(select(Material.id).where(Material.code == "glass")).one()
    history = factor_history(db, None)
    assert history.on(glass, date(2026, 5, 31)).kg_co2e_per_t == 331
    assert history.on(glass, date(2026, 6, 1)).kg_co2e_per_t == 400
    assert history.on(glass, date(2019, 1, 1)) is None


def test_a_factor_needs_a_source(db: Session) -> None:
    """A factor without a source is refused, naming the field."""
    with pytest.raises(MetricsInputError) as bad:
        add_factor(db, material="glass", kg_co2e_per_t=1, source=" ", valid_from=date(2026, 1, 1))
    assert bad.value.field == "source"


def test_per_tonne_rates_are_for_low_value_materials_only(db: Session) -> None:
    """Paper is not low-value: a per-tonne subsidy rate for it is refused."""
    with pytest.raises(MetricsInputError) as bad:
        add_rate(
            db, kind="low_value_tonne", material="paper", fen=100, basis="x", valid_from=date(2026, 1, 1)
        )
    assert bad.value.field == "material"


def test_rates_are_whole_fen(db: Session) -> None:
    """Money is integer fen."""
    with pytest.raises(MetricsInputError) as bad:
        add_rate(db, kind="new_outlet", fen=1.5, basis="x", valid_from=date(2026, 1, 1))  # type: ignore[arg-type]
    assert bad.value.field == "fen"


def test_seed_reference_adds_the_sourced_factors(runner, db: Session) -> None:  # type: ignore[no-untyped-def]
    """``reloop seed reference`` seeds the emission factors with their sources."""
    result = runner.invoke(args=["seed", "reference"])
    assert result.exit_code == 0, result.output
    assert f"{len(DEFAULT_FACTORS)} emission factors added" in result.output
    sources = db.exec(select(EmissionFactor.source)).all()
    assert sorted(sources) == sorted(f.source for f in DEFAULT_FACTORS)
    assert [s for s in sources if "WARM" not in s] == [PET_STUDY.source]
