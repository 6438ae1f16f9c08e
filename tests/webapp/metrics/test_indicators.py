"""Indicator values on the hand-made record set (see conftest), on the run's backend."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from webapp.metrics import MetricsInputError, Scope, compute
from webapp.metrics.factors import add_factor

from .conftest import NOW, World


@pytest.fixture
def found(db: Session, world: World, cache_dir):  # type: ignore[no-untyped-def]
    return compute(db, world.scope(), cache_dir=cache_dir, public_key=world.public_key, now=NOW)


def test_superseded_collection_is_counted_once(found) -> None:  # type: ignore[no-untyped-def]
    """The corrected record replaces the original: 12 + 5 + 3 + 2 kg, not 37 kg."""
    assert found.collection.total.value == 22_000
    by_material = {t.key: t.grams.value for t in found.collection.by_material}
    assert by_material == {"paper": 12_000, "plastic": 3_000, "glass": 5_000, "low_value_plastic": 2_000}


def test_low_value_share_counts_low_value_materials(found) -> None:  # type: ignore[no-untyped-def]
    """Glass and low-value plastic are 7 of the 22 kg."""
    share = found.collection.low_value_share
    assert (share.numerator.value, share.denominator.value) == (7_000, 22_000)


def test_tonnes_by_month_cover_every_month_of_the_period(found) -> None:  # type: ignore[no-untyped-def]
    """March holds everything, April is present with zero."""
    months = {t.key: t.grams.value for t in found.collection.by_month}
    assert months == {"2026-03": 22_000, "2026-04": 0}


def test_tonnes_by_outlet_and_district(found) -> None:  # type: ignore[no-untyped-def]
    """A (Futian) 17 kg, B (Nanshan) 5 kg."""
    assert {t.key: t.grams.value for t in found.collection.by_outlet} == {"FT-0001": 17_000, "NS-0001": 5_000}
    assert {t.key: t.grams.value for t in found.collection.by_district} == {
        "futian": 17_000,
        "nanshan": 5_000,
    }


def test_pickups_served_skipped_and_pending_against_due(found) -> None:  # type: ignore[no-untyped-def]
    """Four stops due: two served, one skipped as closed, one with nothing recorded."""
    c = found.collection
    assert c.due.value == 4
    assert (c.served.numerator.value, c.skipped.numerator.value, c.pending.value) == (2, 1, 1)
    assert [(r.reason, r.rate.numerator.value, r.rate.denominator.value) for r in c.skip_rates] == [
        ("closed", 1, 4)
    ]


def test_km_per_tonne_uses_the_accepted_routes(found) -> None:  # type: ignore[no-untyped-def]
    """20 km over 0.022 t."""
    ratio = found.collection.km_per_tonne
    assert ratio.numerator.value == 20_000
    assert ratio.value == pytest.approx(20 / 0.022)


def test_district_filter_keeps_its_outlets_only(db: Session, world: World, cache_dir) -> None:  # type: ignore[no-untyped-def]
    """In Futian: outlet A's 17 kg, its two stops, one active outlet, no km per tonne."""
    found = compute(db, world.scope(district="futian"), cache_dir=cache_dir, now=NOW)
    assert found.collection.total.value == 17_000
    assert found.collection.due.value == 2
    assert found.outlets.active.value == 1
    assert found.collection.km_per_tonne is None


def test_outlet_counts_at_the_end_of_the_period(found) -> None:  # type: ignore[no-untyped-def]
    """A and B are active (C closed in April, D planned); A is new; B is co-built."""
    o = found.outlets
    assert (o.active.value, o.new.value, o.co_built.value) == (2, 1, 1)


def test_coverage_is_a_share_of_the_households(found) -> None:  # type: ignore[no-untyped-def]
    """Some but not all households are within 500 m of the two outlets."""
    cover = found.outlets.coverage
    assert 0 < cover.numerator.value < cover.denominator.value
    assert cover.denominator.value == found.outlets.households.value
    assert found.outlets.per_2000_households.value == pytest.approx(2 * 2000 / found.outlets.households.value)


def test_batteries_received_in_the_period(found) -> None:  # type: ignore[no-untyped-def]
    """X and Y (Z came in February): 650 kg; only X has an energy (its test, 42 kWh)."""
    b = found.batteries
    assert (b.received.value, b.received_mass.value) == (2, 650_000)
    assert (b.received_energy.value, b.energy_unknown) == (42_000, 1)


def test_battery_flow_to_cascade_use_and_recycling(found) -> None:  # type: ignore[no-untyped-def]
    """X went into product P (shipped, 50 kWh), Y was recycled (350 kg fed)."""
    b = found.batteries
    assert (b.to_cascade.value, b.to_cascade_mass.value) == (1, 300_000)
    assert (b.to_recycling.value, b.to_recycling_mass.value) == (1, 350_000)
    assert (b.shipped.value, b.shipped_energy.value) == (1, 50_000)


def test_late_and_missing_reports_lower_the_on_time_share(found) -> None:  # type: ignore[no-untyped-def]
    """Two duties reported on time, Y's receipt late, Y's recycling never reported."""
    b = found.batteries
    assert (b.reported_on_time.numerator.value, b.reported_on_time.denominator.value) == (2, 4)
    assert (b.reported_late.value, b.overdue_open.value, b.not_yet_due.value) == (1, 1, 0)


def test_chains_complete_and_verified_under_the_signed_head(found) -> None:  # type: ignore[no-untyped-def]
    """Both received chains are closed and every entry lies under the signed root."""
    b = found.batteries
    assert b.chains_complete.numerator.value == 2
    assert b.chains_verified.numerator.value == 2
    assert b.chains_complete_and_verified.value == 1.0


def test_no_key_means_nothing_counts_as_verified(db: Session, world: World, cache_dir) -> None:  # type: ignore[no-untyped-def]
    """Without the pinned key the head cannot be checked, so no chain is verified."""
    found = compute(db, world.scope(), cache_dir=cache_dir, now=NOW)
    assert found.batteries.chains_verified.numerator.value == 0
    assert "no key" in found.batteries.verification_note


def test_recovery_rates_against_the_2024_thresholds(found) -> None:  # type: ignore[no-untyped-def]
    """Lithium 75 % misses 90 %; nickel 100 % meets 98 %; cobalt has no input content."""
    rates = {r.metal: r for r in found.batteries.recovery}
    assert rates["li"].rate.value == pytest.approx(0.75)
    assert rates["li"].meets is False and rates["li"].below.value == 1
    assert rates["ni"].meets is True
    assert rates["co"].meets is None


def test_carbon_uses_the_factor_in_force(found) -> None:  # type: ignore[no-untyped-def]
    """Shipped factors in kg CO2e per tonne, so kg collected x factor = g CO2e: WARM paper
    3,990, plastics 1,047 and glass 331; low-value plastics 321 from the Chinese PET study."""
    by = {m.material: m.co2e.value for m in found.carbon.by_material}
    assert by == {
        "paper": 12 * 3_990,
        "plastic": 3 * 1_047,
        "glass": 5 * 331,
        "low_value_plastic": 2 * 321,
    }
    assert found.carbon.total.value == sum(by.values())


def test_a_new_factor_applies_from_its_date_only(db: Session, world: World, cache_dir) -> None:  # type: ignore[no-untyped-def]
    """A paper factor valid from April leaves March's paper at the old factor."""
    add_factor(db, material="paper", kg_co2e_per_t=9_000, source="test", valid_from=date(2026, 4, 1))
    db.commit()
    found = compute(db, world.scope(), cache_dir=cache_dir, now=NOW)
    paper = next(m for m in found.carbon.by_material if m.material == "paper")
    assert paper.co2e.value == 47_880
    later = add_factor(db, material="paper", kg_co2e_per_t=9_000, source="test", valid_from=date(2026, 3, 1))
    db.commit()
    found = compute(db, world.scope(), cache_dir=cache_dir, now=NOW)
    paper = next(m for m in found.carbon.by_material if m.material == "paper")
    assert paper.co2e.value == 108_000 and paper.factors[0].id == later.id


def test_subsidy_is_an_upper_bound_from_the_rates(found) -> None:  # type: ignore[no-untyped-def]
    """Glass 5 kg x 200 yuan/t = 1 yuan; one new outlet 10,000 yuan; no rate for plastics."""
    s = found.subsidy
    lines = {line.key: line for line in s.lines}
    assert lines["glass"].fen.value == 100
    assert lines["new_outlets"].fen.value == 1_000_000
    assert lines["low_value_plastic"].quantity_without_rate == 2_000
    assert s.total.value == 1_000_100 and s.upper_bound


def test_json_has_one_key_per_group(found) -> None:  # type: ignore[no-untyped-def]
    """The JSON object carries the groups (and the scope)."""
    assert set(found.to_json()) == {
        "scope",
        "outlets",
        "collection",
        "batteries",
        "carbon",
        "subsidy",
        "mass_balance",
        "residents",
        "workshop",
        "collection_weighed",
    }


def test_unknown_org_and_district_are_refused(db: Session, world: World) -> None:
    """The error names the input."""
    with pytest.raises(MetricsInputError) as org:
        compute(db, world.scope(org_id=99_999))
    assert org.value.field == "org"
    with pytest.raises(MetricsInputError) as district:
        compute(db, world.scope(district="atlantis"))
    assert district.value.field == "district"


def test_a_period_ending_before_it_starts_is_refused() -> None:
    """from > to names --to."""
    with pytest.raises(MetricsInputError) as bad:
        Scope(date(2026, 5, 1), date(2026, 4, 1))
    assert bad.value.field == "to"
