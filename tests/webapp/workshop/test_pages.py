"""The workshop's pages: who may open and act on them, forms that record, bad input named."""

from __future__ import annotations

import io
from pathlib import Path

from sqlmodel import Session, select

from webapp.models import Battery, Outlet, OutletKind, OutletStatus
from webapp.models.workshop import GradeRuleSet, Inspection, InspectionItem, TestRecord
from webapp.workshop import disassembly, intake

from .conftest import GOOD_TEST, PACK, START, hand_over

SAMPLE = Path(__file__).parents[3] / "webapp" / "workshop" / "data" / "sample_tests.csv"
#: A test form as typed just now (the receipt is now too, and the log keeps time order).
FORM_TEST = {k: v for k, v in GOOD_TEST.items() if k != "tested_at"}
SAFE = {
    **dict.fromkeys(("deformation", "swelling", "leakage", "corrosion", "burn_marks"), "pass"),
    **{"ocv": "350", "insulation": "20", "temperature": "24", "self_discharge": "5"},
}


def _received(client, auth, ws: Session, settings) -> None:
    hand_over(ws, settings, PACK)
    auth.login("technician")
    answer = client.post("/workshop/receive", data={"battery_code": PACK.lower(), "mass_kg": "300"})
    assert answer.status_code == 302


def test_a_technician_receives_inspects_tests_and_sees_the_grade(client, auth, ws: Session, settings) -> None:
    """The whole unit page in Chinese: receive, pass the inspection, test, grade A by rules v1."""
    _received(client, auth, ws, settings)
    assert client.post(f"/workshop/units/{PACK}/inspect", data=SAFE).status_code == 302
    assert client.post(f"/workshop/units/{PACK}/tests", data=FORM_TEST).status_code == 302
    page = client.get(f"/workshop/units/{PACK}").get_data(as_text=True)
    assert "通信基站备电" in page and "分级规则第 1 版" in page
    assert ws.exec(select(Battery.mass_g).where(Battery.code == PACK)).one() == 300_000


def test_a_failed_inspection_shows_quarantine_and_the_sheet_says_unsafe(
    client, auth, ws: Session, settings
) -> None:
    """Burn marks: the page says quarantined, the handover to a recycler prints UNSAFE."""
    _received(client, auth, ws, settings)
    client.post(f"/workshop/units/{PACK}/inspect", data={**SAFE, "burn_marks": "fail"})
    assert 'id="quarantine"' in client.get(f"/workshop/units/{PACK}").get_data(as_text=True)
    answer = client.post(
        f"/workshop/units/{PACK}/handover",
        data={"recycler": "广东某再生利用企业", "recycler_site": "REC-GD-01"},
    )
    assert answer.status_code == 302
    sheet = client.get(f"/workshop/units/{PACK}/handover-sheet").get_data(as_text=True)
    assert 'id="unsafe-notice"' in sheet and "再生利用" in sheet and "广东某再生利用企业" in sheet


def test_a_safe_ungraded_pack_cannot_be_handed_over_for_recycling(
    client, auth, ws: Session, settings
) -> None:
    """Handover for recycling is for unsafe or recycling-grade units only (422, named)."""
    _received(client, auth, ws, settings)
    answer = client.post(f"/workshop/units/{PACK}/handover", data={"recycler": "X", "recycler_site": "Y"})
    assert answer.status_code == 422 and "battery_code" in answer.get_data(as_text=True)


def test_a_bad_test_form_is_refused_naming_the_field(client, auth, ws: Session, settings) -> None:
    """SOH 120 % and a negative resistance: 422 naming both, no test stored."""
    _received(client, auth, ws, settings)
    answer = client.post(
        f"/workshop/units/{PACK}/tests", data={**FORM_TEST, "soh_pct": "120", "dcir_mohm": "-2"}
    )
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "soh_pct" in text and "dcir_mohm" in text
    assert ws.exec(select(TestRecord)).all() == []


def test_csv_import_names_every_bad_line_and_writes_nothing(client, auth, ws: Session, settings) -> None:
    """Two bad lines in a file: both named with their field; no test recorded."""
    _received(client, auth, ws, settings)
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    rows = [lines[0], lines[1].replace(",83.6,", ",101,"), lines[2].replace(",2.15,", ",-1,")]
    data = {"file": (io.BytesIO("\n".join(rows).encode()), "tests.csv")}
    answer = client.post("/workshop/tests/import", data=data, content_type="multipart/form-data")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "<td>2</td><td><code>soh_pct</code>" in text and "<td>3</td><td><code>dcir_mohm</code>" in text
    assert ws.exec(select(TestRecord)).all() == []


def test_the_sample_file_imports_once_its_modules_are_in_the_workshop(
    client, auth, ws: Session, settings
) -> None:
    """The shipped sample: the pack's four modules, taken apart, graded A, B, C and R."""
    hand_over(ws, settings, PACK)
    intake.receive(ws, PACK, settings=settings, mass_g=300_000, occurred_at=START.replace(day=5))
    parts = [(c, 70_000) for c in disassembly.suggest_part_codes(PACK, 4)]
    disassembly.disassemble(
        ws, PACK, parts, scrap_mass_g=20_000, settings=settings, occurred_at=START.replace(day=6)
    )
    auth.login("technician")
    data = {"file": (io.BytesIO(SAMPLE.read_bytes()), "sample_tests.csv")}
    answer = client.post("/workshop/tests/import", data=data, content_type="multipart/form-data")
    assert answer.status_code == 302
    assert len(ws.exec(select(TestRecord)).all()) == 4
    stock = client.get("/workshop/stock").get_data(as_text=True)
    assert parts[0][0] in stock and parts[3][0] not in stock


def test_the_disassembly_form_shows_the_mass_balance(client, auth, ws: Session, settings) -> None:
    """Parts typed as code,mass lines; the pack page shows the balance within 1 %."""
    _received(client, auth, ws, settings)
    lines = "\n".join(f"{c},70000" for c in disassembly.suggest_part_codes(PACK, 4))
    answer = client.post(
        f"/workshop/units/{PACK}/disassemble", data={"parts": lines, "scrap_mass_g": "19500"}
    )
    assert answer.status_code == 302
    page = client.get(f"/workshop/units/{PACK}").get_data(as_text=True)
    assert 'id="mass-balance"' in page and "500 g" in page and "在 1.0 % 的允许偏差内" in page
    assert "记录的部件质量、拆解前质量和废料质量与车间记录一致" in page, "the log's masses agree"


def test_a_new_rule_version_applies_from_its_date(client, auth, ws: Session, settings) -> None:
    """An admin records version 2; the rules page lists both versions."""
    auth.login("admin")
    form = {
        "rows": "2",
        "valid_from": "2026-01-01",
        "r0_grade": "A",
        "r0_min_soh_pct": "75",
        "r0_max_soh_pct": "100",
        "r0_applications": ["energy_storage"],
        "r1_grade": "R",
        "r1_min_soh_pct": "0",
        "r1_max_soh_pct": "100",
        "r1_recycling_only": "1",
    }
    assert client.post("/workshop/rules", data=form).status_code == 302
    assert [v.version for v in ws.exec(select(GradeRuleSet)).all()] == [1, 2]
    assert "第 2 版" in client.get("/workshop/rules").get_data(as_text=True)


def test_an_e_bike_application_is_refused_with_its_reason(client, auth, ws: Session) -> None:
    """A crafted rule allowing e-bikes: 422, the reason quoted, no new version."""
    auth.login("admin")
    form = {"rows": "1", "valid_from": "2026-01-01", "r0_grade": "A", "r0_applications": ["e_bike"]}
    answer = client.post("/workshop/rules", data=form)
    assert answer.status_code == 422 and "电动自行车" in answer.get_data(as_text=True)
    assert len(ws.exec(select(GradeRuleSet)).all()) == 1


def test_a_checklist_item_is_data_an_admin_adds(client, auth, ws: Session) -> None:
    """An admin adds a measured item; a bad one names its field."""
    auth.login("admin")
    item = {
        "code": "terminal_torque",
        "section": "electrical",
        "label_zh": "端子紧固",
        "label_en": "terminal torque",
        "kind": "measured",
        "unit": "Nm",
        "min_value": "4",
        "max_value": "6",
        "sort_order": "95",
        "active": "1",
    }
    assert client.post("/workshop/checklist", data=item).status_code == 302
    assert (
        ws.exec(select(InspectionItem).where(InspectionItem.code == "terminal_torque")).one().max_value == 6
    )
    answer = client.post("/workshop/checklist", data={**item, "code": "other", "min_value": "9"})
    assert answer.status_code == 422 and "min_value" in answer.get_data(as_text=True)


def test_a_collection_point_over_its_rated_storage_is_warned(client, auth, ws: Session, settings) -> None:
    """A point rated 100 kg holding a 300 kg pack: the compliance page warns."""
    outlet = Outlet(
        code="NS-0001",
        name="南山电池回收点",
        kind=OutletKind.BATTERY_POINT,
        status=OutletStatus.ACTIVE,
        lon=113.9,
        lat=22.5,
    )
    ws.add(outlet)
    ws.commit()
    from traceability import EventKind
    from webapp.trace.operations import record_events

    from .conftest import _event

    record_events(ws, [_event(EventKind.RECEIVED_AT_OUTLET, PACK, 0, {"mass_g": 300_000})], actor_id=None)
    auth.login("technician")
    profile = {
        "point_type": "collection",
        "storage_area_m2": "20",
        "rated_storage_kg": "100",
        "max_days": "30",
    }
    assert client.post(f"/workshop/compliance/{outlet.id}", data=profile).status_code == 302
    page = client.get("/workshop/compliance").get_data(as_text=True)
    assert "超过额定贮存量" in page and "超过允许存放期限" in page
    bad = client.post(f"/workshop/compliance/{outlet.id}", data={**profile, "rated_storage_kg": "-5"})
    assert bad.status_code == 422 and "rated_storage_kg" in bad.get_data(as_text=True)


def test_dispatchers_and_regulators_read_but_cannot_act(client, auth, ws: Session, settings) -> None:
    """A dispatcher sees the queue and stock; receiving is refused (403); no forms shown."""
    hand_over(ws, settings, PACK)
    for role in ("dispatcher", "regulator"):
        auth.login(role)
        page = client.get("/workshop/")
        assert page.status_code == 200 and "receive-form" not in page.get_data(as_text=True)
        assert client.get("/workshop/stock").status_code == 200
        assert client.post("/workshop/receive", data={"battery_code": PACK}).status_code == 403
        assert client.post("/workshop/rules", data={}).status_code == 403
        auth.logout()


def test_drivers_and_residents_are_refused(client, auth, ws: Session) -> None:
    """Roles outside the workshop get 403 on its pages."""
    for role in ("driver", "resident", "weighbridge"):
        auth.login(role)
        assert client.get("/workshop/").status_code == 403
        auth.logout()


def test_only_admins_edit_rules_and_checklist(client, auth, ws: Session) -> None:
    """A technician reads the rules and checklist but may not change them."""
    auth.login("technician")
    assert client.get("/workshop/rules").status_code == 200
    assert client.post("/workshop/checklist", data={"code": "x"}).status_code == 403
    assert ws.exec(select(Inspection)).all() == []


def test_the_cli_seeds_once_and_imports_naming_bad_lines(runner, db: Session, tmp_path) -> None:
    """`reloop workshop seed` adds nothing twice; `import-tests` names a bad line and exits 1."""
    first = runner.invoke(args=["workshop", "seed"])
    assert first.exit_code == 0 and "version 1 added" in first.output
    assert "kept" in runner.invoke(args=["workshop", "seed"]).output
    bad = tmp_path / "bad.csv"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([lines[0], lines[1].replace(",83.6,", ",130,")]), encoding="utf-8")
    answer = runner.invoke(args=["workshop", "import-tests", str(bad)])
    assert answer.exit_code == 1 and "line 2: soh_pct" in answer.output
    assert db.exec(select(TestRecord)).all() == []


def test_an_incoming_pack_is_received_with_one_tap(client, auth, ws: Session, settings) -> None:
    """The queue's incoming row carries its own receive button (the code as a hidden field)."""
    hand_over(ws, settings, PACK)
    auth.login("technician")
    page = client.get("/workshop/").get_data(as_text=True)
    assert f'name="battery_code" value="{PACK}"' in page
    assert client.post("/workshop/receive", data={"battery_code": PACK}).status_code == 302
    assert ws.exec(select(Battery.status).where(Battery.code == PACK)).one() == "at_enterprise"
