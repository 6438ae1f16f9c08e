"""CSV import: all rows or none, every bad row named by line."""

from __future__ import annotations

import io

import pytest
from sqlmodel import func, select

from webapp.models import Job, JobStatus, Material, Outlet, OutletMaterial, Role

HEADER = "code,name,kind,lon,lat,materials,fill_threshold_pct\n"
GOOD = (
    HEADER
    + "FT-0201,莲花路回收亭,kiosk,114.0552,22.5410,paper;glass,80\n"
    + "FT-0202,景田智能站,smart_bin,114.0552,22.5410,low_value_plastic,70\n"
)


@pytest.fixture
def staff(client, auth):
    auth.login(Role.DISPATCHER)
    return client


def upload(client, text: str, encoding: str = "utf-8", name: str = "outlets.csv"):
    data = {"file": (io.BytesIO(text.encode(encoding)), name)}
    return client.post(
        "/outlets/import", data=data, content_type="multipart/form-data", follow_redirects=True
    )


def count(db) -> int:
    return db.exec(select(func.count()).select_from(Outlet)).one()


def test_good_file_imports_every_row(staff, db) -> None:
    """A clean file creates all its outlets and the job reports the count."""
    page = upload(staff, GOOD).get_data(as_text=True)
    assert "已从 outlets.csv 导入 2 个网点" in page
    assert count(db) == 2
    assert db.exec(select(Job)).one().status == JobStatus.SUCCEEDED


def test_bad_rows_are_named_by_line_and_nothing_is_imported(staff, db) -> None:
    """One good row and three bad ones: the bad lines are listed and the database is unchanged."""
    text = (
        HEADER
        + "FT-0301,好行,kiosk,114.0552,22.5410,paper,80\n"
        + "FT-0302,海里,kiosk,113.9700,22.4850,paper,80\n"
        + "FT-0303,未知品类,kiosk,114.0552,22.5410,gold,80\n"
        + "FT-0301,重复编号,teahouse,114.0552,22.5410,paper,101\n"
    )
    page = upload(staff, text).get_data(as_text=True)
    assert count(db) == 0
    job = db.exec(select(Job)).one()
    assert job.status == JobStatus.FAILED
    lines = {(e["line"], e["field"]) for e in job.result["errors"]}
    assert {(3, "lon"), (4, "materials"), (5, "kind"), (5, "fill_threshold_pct")} <= lines
    assert all(e["line"] != 2 for e in job.result["errors"])
    assert "未导入任何数据" in page and 'id="import-errors"' in page


def test_repeated_code_within_the_file_names_both_lines(staff, db) -> None:
    """A code used twice in the file points at the line it repeats."""
    text = (
        HEADER
        + "FT-0401,甲,kiosk,114.0552,22.5410,paper,80\n"
        + "FT-0401,乙,kiosk,114.0552,22.5410,paper,80\n"
    )
    upload(staff, text)
    errors = db.exec(select(Job)).one().result["errors"]
    assert errors == [{"line": 3, "field": "code", "message": "编号 FT-0401 与第 2 行重复。"}]
    assert count(db) == 0


def test_unknown_and_missing_columns_are_reported_on_line_one(staff, db) -> None:
    """Header problems are reported before any row is read."""
    upload(staff, "code,name,colour\nA1,x,red\n")
    messages = [e["message"] for e in db.exec(select(Job)).one().result["errors"]]
    assert any("colour" in m for m in messages) and any("lon" in m for m in messages)


def test_excel_gb18030_files_are_read(staff, db) -> None:
    """A file saved by Chinese Excel (GB18030) imports like UTF-8."""
    upload(staff, GOOD, encoding="gb18030")
    names = set(db.exec(select(Outlet.name)).all())
    assert names == {"莲花路回收亭", "景田智能站"}


def test_binary_upload_is_refused_with_a_message(staff, db) -> None:
    """Bytes that are no text in any encoding we read give a field error."""
    response = staff.post(
        "/outlets/import",
        data={"file": (io.BytesIO(b"\xff\xfe\x00\x81\x82" * 10), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "GB18030" in response.get_data(as_text=True)
    assert count(db) == 0


def test_template_download_has_the_expected_columns(staff) -> None:
    """The template's header is what the importer accepts."""
    body = staff.get("/outlets/import/template.csv").get_data(as_text=True)
    assert body.lstrip("\ufeff").startswith("code,name,kind,status,district,address,lon,lat,materials")


def test_chinese_headers_and_names_import_as_the_codes(staff, db) -> None:
    """名称/类型/状态/行政区/回收品类 headings and 回收亭, 规划中, 福田区, 废纸 values map to the codes."""
    text = (
        "编码,名称,类型,状态,行政区,经度,纬度,回收品类\n"
        "FT-0501,莲花路回收亭,回收亭,规划中,福田区,114.0552,22.5410,废纸；glass\n"
    )
    page = upload(staff, text).get_data(as_text=True)
    assert db.exec(select(Job)).one().status == JobStatus.SUCCEEDED, page[:2000]
    outlet = db.exec(select(Outlet)).one()
    coded = (outlet.code, outlet.kind, outlet.status, outlet.district)
    assert coded == ("FT-0501", "kiosk", "planned", "futian")
    materials = db.exec(select(OutletMaterial.material_id).where(OutletMaterial.outlet_id == outlet.id)).all()
    codes = set(db.exec(select(Material.code).where(Material.id.in_(materials))).all())
    assert codes == {"paper", "glass"}


def test_import_page_lists_each_column_with_its_chinese_label(staff) -> None:
    """The import page shows 名称 beside name, 经度 beside lon, the codes as code."""
    page = staff.get("/outlets/import").get_data(as_text=True)
    assert "<td>名称</td><td><code>name</code></td>" in page
    assert "<td>经度</td><td><code>lon</code></td>" in page
