"""The workshop's operations from receipt to graded stock, on the real log."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlmodel import Session, select

from traceability import verify_export
from webapp.models import Battery, BatteryLink, TraceEventRow
from webapp.models.workshop import TestRecord, UnitGradeRow
from webapp.trace import keys
from webapp.trace.treeheads import export_lines, issue_tree_head
from webapp.workshop import checklist, disassembly, intake, testing
from webapp.workshop.errors import WorkshopInputError
from webapp.workshop.grading import current_grade, graded_stock

from .conftest import GOOD_TEST, INSPECTED, OTHER, PACK, START, hand_over

SAFE = {
    **dict.fromkeys(("deformation", "swelling", "leakage", "corrosion", "burn_marks"), "pass"),
    **{"ocv": "350", "insulation": "20", "temperature": "24", "self_discharge": "5"},
}
DAY6 = START.replace(day=6)


def _receive(ws: Session, settings, code: str = PACK) -> None:
    hand_over(ws, settings, code)
    intake.receive(ws, code, settings=settings, mass_g=300_000, occurred_at=START.replace(day=5))


def _test(ws: Session, settings, code: str, **changes: str):
    test, problems = testing.parse_test({**GOOD_TEST, "battery_code": code, **changes})
    assert problems == []
    return testing.record_tests(ws, [test], settings=settings)


def test_a_handed_over_pack_waits_in_the_queue_then_is_received(ws: Session, settings) -> None:
    """A pack handed over to the workshop is incoming; receiving it writes received_by_enterprise."""
    hand_over(ws, settings, PACK)
    assert [(e.code, e.stage) for e in intake.queue(ws, settings)] == [(PACK, "incoming")]
    intake.receive(ws, PACK, settings=settings, mass_g=300_000, occurred_at=START.replace(day=5))
    kinds = ws.exec(select(TraceEventRow.kind).where(TraceEventRow.battery_code == PACK)).all()
    assert kinds[-1] == "received_by_enterprise"
    assert [(e.code, e.stage) for e in intake.queue(ws, settings)] == [(PACK, "received")]


def test_a_failed_item_quarantines_the_pack_for_recycling_only(ws: Session, settings) -> None:
    """Swelling fails the inspection: the pack is unsafe and its tests grade it recycling only."""
    _receive(ws, settings)
    inspection = checklist.record_inspection(
        ws, PACK, {**SAFE, "swelling": "fail"}, settings=settings, inspector="李工", inspected_at=INSPECTED
    )
    assert not inspection.safe
    _test(ws, settings, PACK)
    grade = current_grade(ws, PACK)
    assert grade is not None and grade.unsafe and grade.recycling_only and grade.applications == ()
    assert graded_stock(ws) == []


def test_each_inspection_is_an_inspected_event_naming_every_item(ws: Session, settings) -> None:
    """A failed and a passed inspection each append an ``inspected`` event with verdict and items."""
    _receive(ws, settings)
    failed = checklist.record_inspection(
        ws, PACK, {**SAFE, "swelling": "fail"}, settings=settings, inspector="李工", inspected_at=INSPECTED
    )
    passed = checklist.record_inspection(
        ws, PACK, SAFE, settings=settings, inspector="李工", inspected_at=INSPECTED.replace(hour=11)
    )
    events = ws.exec(
        select(TraceEventRow).where(TraceEventRow.battery_code == PACK, TraceEventRow.kind == "inspected")
    ).all()
    assert [e.event_id for e in events] == [failed.event_id, passed.event_id]
    bad, good = (e.payload for e in events)
    assert (bad["result"], bad["failed_items"]) == ("unsafe", "无鼓胀")
    assert "外壳无变形" in bad["passed_items"] and "表面温度 24 °C" in bad["passed_items"]
    assert good["result"] == "safe" and "failed_items" not in good
    assert len(good["passed_items"].split("；")) == 9 and good["inspector"] == "李工"


def test_the_regulator_sees_the_inspection_in_the_lineage(client, auth, ws: Session, settings) -> None:
    """The regulator's battery page lists the inspection with its result and failed item."""
    _receive(ws, settings)
    checklist.record_inspection(
        ws, PACK, {**SAFE, "leakage": "fail"}, settings=settings, inspector="李工", inspected_at=INSPECTED
    )
    auth.login("regulator")
    page = client.get(f"/audit/batteries/{PACK}").get_data(as_text=True)
    assert "入库安全检查" in page and "不合格（隔离）" in page and "无漏液" in page


def test_an_inspection_the_log_refuses_leaves_no_row(ws: Session, settings) -> None:
    """An inspection dated before the pack's receipt is refused by the log and nothing is stored."""
    _receive(ws, settings)
    with pytest.raises(WorkshopInputError) as caught:
        checklist.record_inspection(
            ws, PACK, SAFE, settings=settings, inspector="李工", inspected_at=START.replace(day=4)
        )
    assert caught.value.problems[0].field == "occurred_at"
    assert checklist.inspections_of(ws, PACK) == []


def test_an_out_of_limit_measurement_fails_the_inspection(ws: Session, settings) -> None:
    """A temperature above the item's upper limit is a failed item."""
    _receive(ws, settings)
    assert not checklist.record_inspection(
        ws, PACK, {**SAFE, "temperature": "61"}, settings=settings, inspector="李工", inspected_at=INSPECTED
    ).safe


def test_an_unanswered_item_is_refused_by_name(ws: Session, settings) -> None:
    """Leaving an item out names it, and no inspection is stored."""
    _receive(ws, settings)
    with pytest.raises(WorkshopInputError) as caught:
        answers = {k: v for k, v in SAFE.items() if k != "leakage"}
        checklist.record_inspection(
            ws, PACK, answers, settings=settings, inspector="李工", inspected_at=INSPECTED
        )
    assert [p.field for p in caught.value.problems] == ["leakage"]
    assert checklist.inspections_of(ws, PACK) == []


def test_a_test_is_graded_with_the_rule_version_and_logged(ws: Session, settings) -> None:
    """SOH 83.6 % is grade A under rules v1; the capacity_tested event carries the verdict."""
    _receive(ws, settings)
    checklist.record_inspection(ws, PACK, SAFE, settings=settings, inspector="李工", inspected_at=INSPECTED)
    [(record, grade)] = _test(ws, settings, PACK)
    assert (grade.grade, grade.rule_version) == ("A", 1)
    event = ws.exec(select(TraceEventRow).where(TraceEventRow.event_id == record.event_id)).one()
    assert event.payload["soh_permille"] == 836 and event.payload["verdict"] == "等级 A（分级规则第 1 版）"
    unit = current_grade(ws, PACK)
    assert unit is not None and unit.capacity_ah == pytest.approx(41.8)
    assert unit.dcir_mohm == pytest.approx(1.92)
    assert "e_bike" not in unit.applications and "telecom_backup" in unit.applications


def test_a_retest_keeps_the_history_and_the_newest_counts(ws: Session, settings) -> None:
    """Two tests of one unit: both stay, the second one's grade is in force."""
    _receive(ws, settings)
    _test(ws, settings, PACK)
    _test(ws, settings, PACK, soh_pct="65", tested_at="2026-11-21 09:30")
    assert len(testing.tests_of(ws, PACK)) == 2
    assert current_grade(ws, PACK).grade == "C"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("soh_pct", "100.1"),
        ("dcir_mohm", "-1"),
        ("capacity_ah", "abc"),
        ("ocv_v", ""),
        ("tested_at", "2099-01-01"),
    ],
)
def test_bad_measurements_are_refused_naming_the_field(field: str, value: str) -> None:
    """SOH above 100 %, negative resistance, text, a missing value, a future time: each named."""
    _, problems = testing.parse_test({**GOOD_TEST, "battery_code": PACK, field: value})
    assert [p.field for p in problems] == [field]


def test_a_test_of_a_unit_not_held_writes_nothing(ws: Session, settings) -> None:
    """The log refuses a test of a pack never received; no test record or grade remains."""
    test, _ = testing.parse_test({**GOOD_TEST, "battery_code": OTHER})
    with pytest.raises(WorkshopInputError) as caught:
        testing.record_tests(ws, [test], settings=settings)  # type: ignore[list-item]
    assert caught.value.problems[0].field
    assert ws.exec(select(TestRecord)).all() == [] and ws.exec(select(UnitGradeRow)).all() == []


def test_disassembly_creates_linked_modules_and_a_mass_balance(ws: Session, settings) -> None:
    """Four modules and scrap: children in the log, linked to the pack, balance within 1 %."""
    _receive(ws, settings)
    modules = disassembly.suggest_part_codes(PACK, 4)
    parts = [(code, 70_000) for code in modules]
    disassembly.disassemble(ws, PACK, parts, scrap_mass_g=19_000, settings=settings, occurred_at=DAY6)
    balance = disassembly.mass_balance(ws, PACK)
    assert balance is not None and balance.difference_g == 1_000 and balance.within
    links = ws.exec(select(BatteryLink.child_code).where(BatteryLink.parent_code == PACK)).all()
    assert sorted(links) == modules
    children = ws.exec(select(Battery).where(Battery.parent_code == PACK)).all()
    assert {b.status for b in children} == {"at_enterprise"}


def test_the_disassembled_event_carries_each_parts_mass_and_the_log_verifies(
    app: Flask, ws: Session, settings
) -> None:
    """The disassembled event gives each module's mass, the pack's and the scrap; the export verifies."""
    _receive(ws, settings)
    masses = [70_000, 70_500, 69_800, 70_100]
    parts = list(zip(disassembly.suggest_part_codes(PACK, 4), masses, strict=True))
    row = disassembly.disassemble(ws, PACK, parts, scrap_mass_g=19_000, settings=settings, occurred_at=DAY6)
    payload = ws.exec(select(TraceEventRow.payload).where(TraceEventRow.event_id == row.event_id)).one()
    assert payload["parts"] == [c for c, _ in parts] and payload["part_masses_g"] == masses
    assert payload["input_mass_g"] == 300_000 and payload["residue_mass_g"] == 19_000
    balance = disassembly.mass_balance(ws, PACK)
    assert balance is not None and balance.logged is True and balance.difference_g == 600
    with app.app_context():
        head = issue_tree_head(ws, keys.signing_key())
        result = verify_export(list(export_lines(ws)), head, public_key=keys.public_key(app))
    assert result.ok, result.summary()


def test_an_unbalanced_disassembly_is_flagged(ws: Session, settings) -> None:
    """Parts and scrap 5 % short of the pack: recorded, but outside the tolerance."""
    _receive(ws, settings)
    parts = [(code, 70_000) for code in disassembly.suggest_part_codes(PACK, 4)]
    disassembly.disassemble(ws, PACK, parts, scrap_mass_g=5_000, settings=settings, occurred_at=DAY6)
    assert not disassembly.mass_balance(ws, PACK).within  # type: ignore[union-attr]


def test_parts_heavier_than_the_pack_are_refused(ws: Session, settings) -> None:
    """Parts weighing more than the pack: refused, the pack stays whole."""
    _receive(ws, settings)
    parts = [(code, 90_000) for code in disassembly.suggest_part_codes(PACK, 4)]
    with pytest.raises(WorkshopInputError):
        disassembly.disassemble(ws, PACK, parts, scrap_mass_g=0, settings=settings)
    assert ws.exec(select(Battery.status).where(Battery.code == PACK)).one() == "at_enterprise"


def test_graded_modules_are_stock_until_regrouped(ws: Session, settings) -> None:
    """Modules of a safe pack graded A/B are stock; recycling-grade ones are not."""
    _receive(ws, settings)
    checklist.record_inspection(ws, PACK, SAFE, settings=settings, inspector="李工", inspected_at=INSPECTED)
    modules = disassembly.suggest_part_codes(PACK, 3)
    disassembly.disassemble(
        ws, PACK, [(c, 95_000) for c in modules], scrap_mass_g=15_000, settings=settings, occurred_at=DAY6
    )
    for code, soh in zip(modules, ("85", "75", "40"), strict=True):
        _test(ws, settings, code, soh_pct=soh)
    stock = graded_stock(ws, chemistry="B")
    expected = [(modules[0], "A", "module"), (modules[1], "B", "module")]
    assert [(u.code, u.grade, u.level) for u in stock] == expected
    assert graded_stock(ws, chemistry="E") == []


def test_modules_of_a_quarantined_pack_are_unsafe(ws: Session, settings) -> None:
    """A failed pack inspection follows its modules: graded recycling only, never stock."""
    _receive(ws, settings)
    checklist.record_inspection(
        ws, PACK, {**SAFE, "leakage": "fail"}, settings=settings, inspector="李工", inspected_at=INSPECTED
    )
    modules = disassembly.suggest_part_codes(PACK, 2)
    disassembly.disassemble(
        ws, PACK, [(c, 140_000) for c in modules], scrap_mass_g=20_000, settings=settings, occurred_at=DAY6
    )
    _test(ws, settings, modules[0])
    assert current_grade(ws, modules[0]).unsafe  # type: ignore[union-attr]
    assert graded_stock(ws) == []
