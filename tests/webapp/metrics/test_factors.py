"""Emission factors and subsidy rates: shipped defaults, edits as new rows, the row in force."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from webapp.metrics import MetricsInputError
from webapp.metrics.factors import (
    DEFAULT_FACTORS,
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
    proxy = next(f for f in DEFAULT_FACTORS if f.material == "low_value_plastic")
    assert "Proxy" in proxy.proxy_note and proxy.warm_category == "Mixed Plastics"


def test_seeding_factors_twice_adds_nothing(db: Session) -> None:
    """The seed adds each missing material's factor once and leaves edits alone."""
    assert seed_factors(db) == len(DEFAULT_FACTORS)
    db.commit()
    assert seed_factors(db) == 0


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
    assert len(sources) == len(DEFAULT_FACTORS) and all("WARM" in s for s in sources)
