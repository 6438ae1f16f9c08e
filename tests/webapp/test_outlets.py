"""The outlet registry: list, filters, map data, create, edit, close, labels."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import func, select

from webapp.models import AuditRecord, Outlet, OutletKind, OutletStatus, Role

# A street corner in Futian CBD and a point in Shenzhen Bay, 2 km offshore.
ON_STREET = {"lon": "114.0552", "lat": "22.5410"}
IN_THE_BAY = {"lon": "113.9700", "lat": "22.4850"}


def outlet_form(**overrides: str) -> dict:
    data = {
        "name": "福田测试回收亭",
        "kind": "kiosk",
        "status": "active",
        "address": "深南大道",
        "materials": ["paper", "glass"],
        "fill_threshold_pct": "80",
        "capacity_l": "1000",
        **ON_STREET,
    }
    data.update(overrides)
    return data


def table(client, query: str) -> str:
    """The outlet table fragment for a query (as htmx asks for it)."""
    return client.get(f"/outlets/?{query}", headers={"HX-Request": "true"}).get_data(as_text=True)


@pytest.fixture
def staff(client, auth):
    auth.login(Role.DISPATCHER)
    return client


@pytest.fixture
def outlets(staff, db) -> list[Outlet]:
    """Three outlets: two active kiosks (one due), one planned smart bin."""
    staff.post("/outlets/new", data=outlet_form(name="莲花路回收亭", code="FT-0101"))
    staff.post("/outlets/new", data=outlet_form(name="景田路回收亭", code="FT-0102", fill_threshold_pct="50"))
    staff.post(
        "/outlets/new",
        data=outlet_form(
            name="新洲智能站",
            code="FT-0103",
            kind="smart_bin",
            status="planned",
            materials=["low_value_plastic"],
        ),
    )
    rows = db.exec(select(Outlet).order_by(Outlet.code)).all()
    assert len(rows) == 3
    return list(rows)


def test_create_outlet_through_the_form(staff, db) -> None:
    """A valid form creates the outlet with its district, materials and a change record."""
    response = staff.post("/outlets/new", data=outlet_form())
    assert response.status_code == 302
    outlet = db.exec(select(Outlet)).one()
    assert outlet.district == "futian" and outlet.code.startswith("FT-")
    assert outlet.kind == OutletKind.KIOSK and outlet.status == OutletStatus.ACTIVE
    audit = db.exec(select(AuditRecord).where(AuditRecord.object_type == "outlet")).one()
    assert audit.action == "create" and audit.after["materials"] == ["glass", "paper"]


def test_a_point_in_the_bay_is_refused_with_its_distance_to_the_street(staff, db) -> None:
    """Coordinates outside the service area are rejected by field, nothing is written."""
    response = staff.post("/outlets/new", data=outlet_form(**IN_THE_BAY))
    assert response.status_code == 422
    assert "不在服务区域内" in response.get_data(as_text=True)
    assert db.exec(select(func.count()).select_from(Outlet)).one() == 0


def test_unknown_materials_and_missing_fields_are_named(staff) -> None:
    """Each bad field gets its own message next to it."""
    response = staff.post("/outlets/new", data=outlet_form(name="", materials=[], lon="abc"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-field="name"' in page and 'data-field="lon"' in page and 'data-field="materials"' in page


def test_a_nul_character_in_a_field_is_named_not_stored(staff, db) -> None:
    """A NUL in the name failed the INSERT on PostgreSQL (a 500); now the field says why."""
    response = staff.post("/outlets/new", data=outlet_form(name="莲花路\x00回收亭"))
    assert response.status_code == 422 and 'data-field="name"' in response.get_data(as_text=True)
    assert db.exec(select(func.count()).select_from(Outlet)).one() == 0


def test_co_built_outlet_needs_its_partner(staff) -> None:
    """A co-built outlet without a partner manufacturer is refused."""
    response = staff.post("/outlets/new", data=outlet_form(kind="co_built"))
    assert response.status_code == 422 and 'data-field="partner"' in response.get_data(as_text=True)


def test_list_filters_by_type_status_and_material(staff, outlets) -> None:
    """Filters narrow the table to matching outlets."""
    page = table(staff, "kind=smart_bin")
    assert "FT-0103" in page and "FT-0101" not in page
    page = table(staff, "material=glass&status=active")
    assert "FT-0101" in page and "FT-0102" in page and "FT-0103" not in page


def test_search_matches_name_and_code(staff, outlets) -> None:
    """The search box finds outlets by part of the name or the code."""
    assert "FT-0102" in table(staff, "q=景田")
    assert "景田路回收亭" in table(staff, "q=ft-0102")


def test_htmx_request_gets_only_the_table_partial(staff, outlets) -> None:
    """An htmx filter request returns the table fragment and varies on HX-Request."""
    response = staff.get("/outlets/?q=莲花", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and "FT-0101" in body and "<table" in body
    assert "HX-Request" in response.headers["Vary"]


def test_paging_splits_long_lists(app, staff, outlets) -> None:
    """With a page size of 2, the third outlet is on page 2."""
    app.config["RELOOP_SETTINGS"] = replace(app.config["RELOOP_SETTINGS"], page_size=2)
    first = table(staff, "")
    second = table(staff, "page=2")
    assert "FT-0101" in first and "FT-0103" not in first and "FT-0103" in second


def test_due_flag_follows_the_latest_fill_reading(staff, outlets, db) -> None:
    """An outlet whose latest reading passes its threshold is due; the filter shows only it."""
    staff.post(
        f"/outlets/{outlets[1].id}/readings", data={"fill_pct": "55", "measured_at": "2026-11-20T08:00"}
    )
    staff.post(
        f"/outlets/{outlets[0].id}/readings", data={"fill_pct": "55", "measured_at": "2026-11-20T08:00"}
    )
    page = table(staff, "due=1")
    assert "FT-0102" in page and "FT-0101" not in page
    db.expire_all()
    assert db.get(Outlet, outlets[1].id).due and not db.get(Outlet, outlets[0].id).due


def test_geojson_returns_outlets_inside_the_bbox_only(staff, outlets) -> None:
    """The map endpoint filters by bbox and by the same filters as the list."""
    inside = staff.get("/outlets/geojson?bbox=114.0,22.5,114.1,22.6").get_json()
    assert {f["properties"]["code"] for f in inside["features"]} == {"FT-0101", "FT-0102", "FT-0103"}
    outside = staff.get("/outlets/geojson?bbox=113.95,22.48,113.96,22.49").get_json()
    assert outside["features"] == []
    kiosks = staff.get("/outlets/geojson?kind=kiosk").get_json()
    assert len(kiosks["features"]) == 2
    assert kiosks["features"][0]["geometry"]["type"] == "Point"


def test_bad_bbox_is_a_400_naming_the_parameter(staff) -> None:
    """A malformed bbox is refused with a message naming bbox."""
    response = staff.get("/outlets/geojson?bbox=1,2,3")
    assert response.status_code == 400 and response.get_json()["field"] == "bbox"


def test_edit_keeps_the_code_and_logs_before_and_after(staff, outlets, db) -> None:
    """Editing changes fields, never the code, and records the change."""
    target = outlets[0]
    response = staff.post(f"/outlets/{target.id}/edit", data=outlet_form(name="莲花路新回收亭", code="XX-1"))
    assert response.status_code == 302
    db.expire_all()
    edited = db.get(Outlet, target.id)
    assert edited.name == "莲花路新回收亭" and edited.code == "FT-0101"
    record = db.exec(select(AuditRecord).where(AuditRecord.action == "update")).one()
    assert record.before["name"] == "莲花路回收亭" and record.after["name"] == "莲花路新回收亭"


def test_close_needs_a_reason_and_keeps_the_outlet(staff, outlets, db) -> None:
    """Closing records the reason and date; a closed outlet cannot be edited."""
    target = outlets[0]
    staff.post(f"/outlets/{target.id}/close", data={"reason": ""})
    db.expire_all()
    assert db.get(Outlet, target.id).status == OutletStatus.ACTIVE
    staff.post(f"/outlets/{target.id}/close", data={"reason": "小区改造"})
    db.expire_all()
    closed = db.get(Outlet, target.id)
    assert closed.status == OutletStatus.CLOSED and closed.close_reason == "小区改造" and closed.closed_on
    assert staff.get(f"/outlets/{target.id}/edit").status_code == 302


def test_qr_label_encodes_the_outlet_page(staff, outlets) -> None:
    """The label page carries an inline SVG QR code and the outlet's code."""
    page = staff.get(f"/outlets/{outlets[0].id}/label").get_data(as_text=True)
    assert "<svg" in page and "FT-0101" in page and "<?xml" not in page


def test_outlet_page_shows_details_in_chinese(staff, outlets) -> None:
    """The detail page is in Chinese by default."""
    page = staff.get(f"/outlets/{outlets[0].id}").get_data(as_text=True)
    assert "回收品类" in page and "录入满溢度" in page


def test_the_map_shows_a_new_fill_reading_at_once(staff, outlets) -> None:
    """The map's GeoJSON is remembered by its rows, so a new reading changes the next answer."""
    url = "/outlets/geojson?bbox=114.0,22.5,114.1,22.6"
    before = {f["properties"]["code"]: f["properties"] for f in staff.get(url).get_json()["features"]}
    staff.post(
        f"/outlets/{outlets[0].id}/readings", data={"fill_pct": "95", "measured_at": "2026-11-20T08:00"}
    )
    after = {f["properties"]["code"]: f["properties"] for f in staff.get(url).get_json()["features"]}
    assert (before["FT-0101"]["due"], before["FT-0101"]["fill_pct"]) == (False, None)
    assert (after["FT-0101"]["due"], after["FT-0101"]["fill_pct"]) == (True, 95.0)
    assert after["FT-0103"]["status"] == "planned" and after["FT-0103"]["kind"] == "smart_bin"
