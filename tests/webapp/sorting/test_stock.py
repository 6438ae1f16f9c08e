"""Sorting batches, stock as the sum of its movements, transfers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from tests.webapp.sorting.conftest import sort_plastic
from webapp.models.sorting import MaterialGrade, SortingBatch, StockMovement
from webapp.sorting.grades import GRADES
from webapp.sorting.stock import BatchInput, SortingError, on_hand, record_batch, stock_levels, transfer


def _grade(db, code: str) -> MaterialGrade:
    return db.exec(select(MaterialGrade).where(MaterialGrade.code == code)).one()


def test_the_grade_catalogue_is_seeded_under_parent_materials(db, yard) -> None:
    """Every shipped grade exists and belongs to the material its code names."""
    materials = yard.world.materials
    for code, parent, _zh, _en in GRADES:
        assert _grade(db, code).material_id == materials[parent].id


def test_a_batch_puts_its_outputs_into_graded_stock(db, yard) -> None:
    """Outputs become sorted stock at the facility; the residue does not."""
    sort_plastic(db, yard, pet=600_000, film=300_000, residue=100_000)
    assert on_hand(db, yard.centre.id, _grade(db, "lvp_pet").id) == 600_000
    assert on_hand(db, yard.centre.id, _grade(db, "lvp_film").id) == 300_000
    assert sum(stock_levels(db).values()) == 900_000


def test_a_batch_within_tolerance_is_accepted(db, yard) -> None:
    """1.5 % missing at the default 2 % tolerance is accepted."""
    sort_plastic(db, yard, pet=600_000, film=285_000, residue=100_000, input_g=1_000_000)
    assert db.exec(select(SortingBatch)).one().input_g == 1_000_000


def test_a_batch_out_of_balance_is_refused_naming_the_input(db, yard) -> None:
    """3 % missing is refused on input_g and nothing is written."""
    with pytest.raises(SortingError) as caught:
        sort_plastic(db, yard, pet=600_000, film=270_000, residue=100_000, input_g=1_000_000)
    assert caught.value.errors[0]["field"] == "input_g" and "2.0" in caught.value.errors[0]["message"]
    assert db.exec(select(SortingBatch)).all() == [] and db.exec(select(StockMovement)).all() == []


def test_the_tolerance_is_configurable(db, yard) -> None:
    """A tolerance of 5 % accepts what 2 % refuses."""
    data = BatchInput(yard.centre.id, "low_value_plastic", yard.day, 1_000_000, {"lvp_pet": 870_000}, 100_000)
    with pytest.raises(SortingError):
        record_batch(db, data)
    record_batch(db, data, tolerance=50)
    assert on_hand(db, yard.centre.id, _grade(db, "lvp_pet").id) == 870_000


def test_a_grade_of_another_material_is_refused_naming_it(db, yard) -> None:
    """Sorting low-value plastics cannot yield cardboard."""
    data = BatchInput(yard.centre.id, "low_value_plastic", yard.day, 1_000, {"paper_occ": 1_000}, 0)
    with pytest.raises(SortingError) as caught:
        record_batch(db, data)
    assert [e["field"] for e in caught.value.errors] == ["output-paper_occ"]


def test_bad_weights_are_refused_naming_each_field(db, yard) -> None:
    """Fractional and negative grams, an unknown material and no facility all named."""
    data = BatchInput(None, "gold", None, -5, {}, 1.5)  # type: ignore[arg-type]
    with pytest.raises(SortingError) as caught:
        record_batch(db, data)
    assert {e["field"] for e in caught.value.errors} == {
        "facility_id",
        "day",
        "material",
        "input_g",
        "residue_g",
    }


def test_a_transfer_moves_stock_between_facilities(db, yard) -> None:
    """Stock leaves one facility and arrives at the other; the total stays."""
    sort_plastic(db, yard, pet=600_000, film=0, residue=0)
    transfer(
        db,
        from_facility_id=yard.centre.id,
        to_facility_id=yard.other.id,
        grade="lvp_pet",
        grams=250_000,
        day=yard.day,
    )
    pet = _grade(db, "lvp_pet").id
    assert on_hand(db, yard.centre.id, pet) == 350_000 and on_hand(db, yard.other.id, pet) == 250_000


def test_a_transfer_of_more_than_in_stock_is_refused(db, yard) -> None:
    """Moving 1 g more than is there is refused on grams, nothing written."""
    sort_plastic(db, yard, pet=600_000, film=0, residue=0)
    with pytest.raises(SortingError) as caught:
        transfer(
            db,
            from_facility_id=yard.centre.id,
            to_facility_id=yard.other.id,
            grade="lvp_pet",
            grams=600_001,
            day=yard.day,
        )
    assert caught.value.errors[0]["field"] == "grams"
    assert len(db.exec(select(StockMovement)).all()) == 1


def test_stock_levels_on_a_day_only_count_movements_up_to_it(db, yard) -> None:
    """Yesterday's stock does not include today's batch."""
    sort_plastic(db, yard, pet=600_000, film=0, residue=0)
    assert stock_levels(db, until=yard.day - timedelta(days=1)) == {}


@pytest.mark.parametrize("statement", ["UPDATE stock_movement SET grams = 1", "DELETE FROM stock_movement"])
def test_stock_movements_are_append_only_in_the_database(app, db, yard, statement) -> None:
    """The database itself refuses to change or remove a movement."""
    sort_plastic(db, yard, pet=600_000, film=0, residue=0)
    with (
        app.extensions["reloop.engine"].connect() as conn,
        pytest.raises(DBAPIError, match="append-only"),
        conn.begin(),
    ):
        conn.exec_driver_sql(statement)
