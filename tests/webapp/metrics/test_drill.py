"""Every figure's drill lists records whose sum is the figure."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session

from webapp.metrics import Drill, Figure, MetricsInputError, Ratio, compute, records

from .conftest import NOW, World

SUMMED = {"count", "g", "Wh", "m"}


def figures(value: Any) -> Iterator[Figure]:
    """Every Figure inside an indicator value."""
    if isinstance(value, Figure):
        yield value
    elif isinstance(value, Ratio):
        yield value.numerator
        yield value.denominator
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from figures(getattr(value, item.name))
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from figures(item)


def test_every_drill_sums_to_its_figure(db: Session, world: World, cache_dir) -> None:  # type: ignore[no-untyped-def]
    """For each figure with a drill, the records' sum in its unit equals the figure."""
    found = compute(db, world.scope(), cache_dir=cache_dir, public_key=world.public_key, now=NOW)
    checked = 0
    for figure in figures(found):
        if figure.drill is None or figure.unit not in SUMMED and not figure.unit.endswith("_g"):
            continue
        page = records(db, figure.drill, per_page=500, now=NOW, public_key=world.public_key)
        assert page.sums[figure.unit] == figure.value, figure.drill
        checked += 1
    assert checked > 40


def test_tonnage_drill_lists_the_latest_collection_once(db: Session, world: World) -> None:
    """Outlet A's paper: one collection (the correction) of 12 kg."""
    drill = Drill.of("collections", world.scope(), material="paper")
    page = records(db, drill)
    assert page.sums == {"count": 1, "g": 12_000}
    assert page.rows[0]["supersedes_id"] is not None and page.rows[0]["outlet"] == "FT-0001"


def test_drill_pages_through_the_rows(db: Session, world: World) -> None:
    """Two stops per page: the four due stops take two pages; sums cover all."""
    first = records(db, Drill.of("stops", world.scope()), page=1, per_page=2)
    second = records(db, Drill.of("stops", world.scope()), page=2, per_page=2)
    assert first.pages == 2 and first.count == 4
    assert len(first.rows) == len(second.rows) == 2
    assert {r["id"] for r in first.rows}.isdisjoint({r["id"] for r in second.rows})


def test_drill_query_string_round_trips(world: World) -> None:
    """The link parameters name the kind and the filters."""
    drill = Drill.of("collections", world.scope(org_id=world.org_id), material="glass")
    assert drill.query_string() == (
        f"kind=collections&from=2026-03-01&material=glass&org={world.org_id}&to=2026-04-30"
    )


def test_unknown_drill_kind_is_refused() -> None:
    """Only the listed kinds exist."""
    with pytest.raises(MetricsInputError):
        Drill("invoices", ())
