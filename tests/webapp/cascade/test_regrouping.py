"""Regrouping as the technician does it: proposal, hand swaps, confirmation, refusals."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, func, select

import secondlife
from webapp.cascade import engine, operations, stock
from webapp.cascade.operations import CascadeError, EndOfLineTest
from webapp.models import Battery, BatteryLink, TraceEventRow
from webapp.models.cascade import CascadeProduct, ProductSpec, ProductUnit

from .conftest import Spec, Stocker

EOL = EndOfLineTest(capacity_mah=98_000, energy_wh=1254, equipment="EOL-1")
GOOD = [100_000, 100_500, 101_000, 101_500, 110_000, 110_500, 111_000, 111_500]


def _counts(db: Session) -> tuple[int, int, int]:
    return (
        db.exec(select(func.count()).select_from(CascadeProduct)).one(),
        db.exec(select(func.count()).select_from(ProductUnit)).one(),
        db.exec(select(func.count()).select_from(TraceEventRow)).one(),
    )


def _checked(spec: ProductSpec, db: Session, groups: list[list[str]]) -> list[object]:
    """Violations of ``groups`` found by the engine's independent checker."""
    units = engine.engine_units(list(stock.units(db, [c for g in groups for c in g]).values()))
    return list(secondlife.check(engine.engine_spec(spec), units, groups))


def test_proposal_groups_the_stock_within_every_limit(
    db: Session, stocker: Stocker, spec: ProductSpec
) -> None:
    """Eight matched modules make two products; the checker finds nothing wrong."""
    stocker([Spec(c) for c in GOOD] + [Spec(80_000)])
    proposal = operations.run_proposal(db, spec, actor_id=None, time_limit_s=5)
    assert len(proposal.groups) == 2
    assert _checked(spec, db, proposal.groups) == []
    assert [item["reason"] for item in proposal.leftover] == ["below_target"]


def test_confirm_builds_products_linked_to_every_source(
    db: Session, stocker: Stocker, spec: ProductSpec
) -> None:
    """Each product gets two codes, one regrouped event naming all its sources, a label."""
    codes = stocker([Spec(c) for c in GOOD])
    proposal = operations.run_proposal(db, spec, actor_id=None)
    products = operations.confirm(db, proposal, {0: EOL, 1: EOL}, actor_id=None)
    assert len(products) == 2
    for product in products:
        assert len(product.code) == 24 and len(product.short_code) == 19
        events = db.exec(select(TraceEventRow).where(TraceEventRow.battery_code == product.code)).all()
        assert [e.kind for e in events] == ["regrouped"]
        sources = db.exec(select(ProductUnit.unit_code).where(ProductUnit.product_id == product.id)).all()
        assert sorted(events[0].payload["sources"]) == sorted(sources)
        links = db.exec(select(BatteryLink).where(BatteryLink.parent_code == product.code)).all()
        assert sorted(link.child_code for link in links) == sorted(sources)
        assert product.rated_capacity_mah == 98_000 and product.rated_energy_wh == 1254
        assert {f["key"] for f in product.label["fields"]} >= {"mark", "rated_energy", "producer", "code"}
        assert product.mass_g == 80_000
    statuses = db.exec(select(Battery.status).where(col(Battery.code).in_(codes))).all()
    assert set(statuses) == {"in_cascade_product"}
    assert stock.graded_stock(db, "B") == []


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        (Spec(100_200, chemistry="E"), "chemistry"),
        (Spec(100_200, unsafe_inspection=True), "unsafe"),
        (Spec(100_200, recycling_only=True), "recycling"),
        (Spec(130_000), "capacity spread"),
    ],
)
def test_swap_refuses_a_unit_naming_it(
    db: Session, stocker: Stocker, spec: ProductSpec, bad: Spec, needle: str
) -> None:
    """Another chemistry, unsafe, recycling-only or too far apart: refused, named, nothing changed."""
    stocker([Spec(c) for c in GOOD[:4]])
    (bad_code,) = stocker([bad])
    proposal = operations.run_proposal(db, spec, actor_id=None)
    before = [list(g) for g in proposal.groups]
    with pytest.raises(CascadeError) as caught:
        operations.swap(db, proposal, 0, before[0][0], bad_code)
    assert bad_code in str(caught.value) and needle in str(caught.value)
    db.expire_all()
    assert db.get(type(proposal), proposal.id).groups == before


def test_swap_within_limits_is_kept(db: Session, stocker: Stocker, spec: ProductSpec) -> None:
    """A leftover unit close enough replaces one of a group; the swapped-out one is left over."""
    stocker([Spec(c) for c in [*GOOD[:4], 100_700, 90_000]])
    proposal = operations.run_proposal(db, spec, actor_id=None)
    spare = next(i["code"] for i in proposal.leftover if i["reason"] != "below_target")
    out = proposal.groups[0][0]
    operations.swap(db, proposal, 0, out, spare)
    assert spare in proposal.groups[0] and out in [i["code"] for i in proposal.leftover]
    assert spare not in [i["code"] for i in proposal.leftover]
    assert _checked(spec, db, proposal.groups) == []


def test_swap_refuses_a_unit_already_in_the_group(db: Session, stocker: Stocker, spec: ProductSpec) -> None:
    """Swapping a group's unit for one of its own is refused, naming it."""
    stocker([Spec(c) for c in GOOD[:4]])
    proposal = operations.run_proposal(db, spec, actor_id=None)
    first, second = proposal.groups[0][:2]
    with pytest.raises(CascadeError) as caught:
        operations.swap(db, proposal, 0, first, second)
    assert second in str(caught.value)


def test_refused_confirmation_leaves_every_unit_in_stock(
    db: Session, stocker: Stocker, spec: ProductSpec
) -> None:
    """A unit used meanwhile makes confirmation fail; no product, no event, units in stock."""
    stocker([Spec(c) for c in GOOD])
    first = operations.run_proposal(db, spec, actor_id=None)
    second = operations.run_proposal(db, spec, actor_id=None)
    operations.confirm(db, first, {0: EOL}, actor_id=None)
    used = first.groups[0]
    clash = next(i for i, g in enumerate(second.groups) if set(g) & set(used))
    other = 1 - clash
    before = _counts(db)
    with pytest.raises(CascadeError) as caught:
        operations.confirm(db, second, {clash: EOL, other: EOL}, actor_id=None)
    assert "already used" in str(caught.value)
    assert any(code in str(caught.value) for code in used)
    assert _counts(db) == before
    free = set(second.groups[other])
    assert free <= {u.code for u in stock.graded_stock(db, "B")}


def test_confirm_refuses_a_spread_over_the_limit(db: Session, stocker: Stocker, spec: ProductSpec) -> None:
    """A group edited outside the engine to break the resistance limit is refused, naming the unit."""
    codes = stocker([Spec(100_000), Spec(100_100), Spec(100_200), Spec(100_300, dcir_uohm=1500)])
    proposal = operations.RegroupProposal(spec_id=spec.id, groups=[codes], leftover=[])
    db.add(proposal)
    db.commit()
    before = _counts(db)
    with pytest.raises(CascadeError) as caught:
        operations.confirm(db, proposal, {0: EOL}, actor_id=None)
    assert codes[3] in str(caught.value) and "resistance" in str(caught.value)
    assert _counts(db) == before


def test_confirm_refuses_a_missing_end_of_line_test(db: Session, stocker: Stocker, spec: ProductSpec) -> None:
    """No equipment named: refused with the group's field."""
    stocker([Spec(c) for c in GOOD[:4]])
    proposal = operations.run_proposal(db, spec, actor_id=None)
    with pytest.raises(CascadeError) as caught:
        operations.confirm(db, proposal, {0: EndOfLineTest(98_000, 1254, " ")}, actor_id=None)
    assert caught.value.errors[0][0] == "groups[0].eol"
