"""Staff load residential compounds from a CSV file: each point checked as a resident's
address is, every bad line named, nothing saved unless the whole file is good."""

from __future__ import annotations

import io

from flask import Flask
from sqlmodel import select

from tests.webapp.test_chinese_pages import foreign_words, visible_text
from webapp import geo
from webapp.models.residents import ResidentialCompound

from .conftest import HOME


def _upload(client, text: str):
    return client.post(
        "/bookings/compounds",
        data={"file": (io.BytesIO(text.encode("utf-8")), "compounds.csv")},
        content_type="multipart/form-data",
    )


def _names(db) -> set[str]:
    return {c.name for c in db.exec(select(ResidentialCompound)).all()}


def _just_outside(app: Flask) -> tuple[float, float]:
    with app.app_context():
        area = geo.service_area()
        lon, lat = HOME
        while area.contains(lon, lat):
            lat -= 0.0005
        return lon, lat


def test_a_good_file_adds_every_compound_with_its_district_and_moved_points(app, client, auth, db) -> None:
    """Three lines: one on a street, one a little off it (moved on), one naming its district
    in Chinese. All saved as uploads, in the point's district, inside the service area."""
    off_lon, off_lat = _just_outside(app)
    auth.login("dispatcher")
    answer = _upload(
        client,
        "\ufeffname,district,lon,lat,households\n"
        f"福中花园,,{HOME[0]},{HOME[1]},800\n"
        f"滨河新村,,{off_lon},{off_lat},\n"
        f"福华雅居,福田区,{HOME[0] + 0.0004},{HOME[1]},1200\n",
    )
    assert answer.status_code == 303
    rows = {c.name: c for c in db.exec(select(ResidentialCompound)).all()}
    assert set(rows) == {"福中花园", "滨河新村", "福华雅居"}
    assert {c.source for c in rows.values()} == {"upload"}
    assert {c.district for c in rows.values()} == {"futian"}
    assert rows["福中花园"].households == 800 and rows["滨河新村"].households is None
    with app.app_context():
        area = geo.service_area()
        assert all(area.contains(c.lon, c.lat) for c in rows.values())
    assert (rows["滨河新村"].lon, rows["滨河新村"].lat) != (off_lon, off_lat)
    page = client.get("/bookings/compounds?q=福").get_data(as_text=True)
    assert "福中花园" in page and "福田" in page
    # The page's own text (the test world's user names in the header are not the page's).
    assert foreign_words(visible_text(page.split("<main", 1)[1].split(">", 1)[1])) == []


def test_bad_lines_are_named_and_nothing_is_saved(client, auth, db) -> None:
    """Every bad line is listed with its field; the good line in the same file is not saved."""
    db.add(ResidentialCompound(name="已有花园", district="futian", lon=HOME[0], lat=HOME[1]))
    db.commit()
    auth.login("dispatcher")
    answer = _upload(
        client,
        "name,district,lon,lat,households\n"
        f"好的小区,,{HOME[0]},{HOME[1]},100\n"  # 2: good
        f"已有花园,,{HOME[0]},{HOME[1]},\n"  # 3: already known in futian
        f",,{HOME[0]},{HOME[1]},\n"  # 4: no name
        "海上小区,,114.5,22.2,\n"  # 5: in the sea
        f"数字小区,,abc,{HOME[1]},\n"  # 6: lon not a number
        f"好的小区,,{HOME[0]},{HOME[1]},\n"  # 7: twice in the file
        f"南山小区,nanshan,{HOME[0]},{HOME[1]},\n"  # 8: the point is in futian
        f"户数小区,,{HOME[0]},{HOME[1]},-5\n",  # 9: households
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    for line, field in (
        (3, "name"),
        (4, "name"),
        (5, "lon"),
        (6, "lon"),
        (7, "name"),
        (8, "district"),
        (9, "households"),
    ):
        assert f"第 {line} 行, {field}:" in page, (line, field)
    assert "第 2 行," not in page
    assert _names(db) == {"已有花园"}


def test_a_wrong_header_or_an_empty_file_is_refused(client, auth, db) -> None:
    auth.login("dispatcher")
    missing = _upload(client, "name,lon\n福中花园,114.05\n")
    assert missing.status_code == 422 and "第 1 行, lat:" in missing.get_data(as_text=True)
    extra = _upload(client, f"name,lon,lat,phone\n福中花园,{HOME[0]},{HOME[1]},123\n")
    assert extra.status_code == 422 and "第 1 行, phone:" in extra.get_data(as_text=True)
    empty = _upload(client, "name,lon,lat\n")
    assert empty.status_code == 422 and "文件中没有小区" in empty.get_data(as_text=True)
    assert _names(db) == set()


def test_only_staff_upload(client, auth) -> None:
    auth.login("driver")
    assert _upload(client, "name,lon,lat\n").status_code == 403


def test_the_cli_loads_a_file_and_names_bad_lines(app, db, tmp_path) -> None:
    """``reloop residents compounds FILE``: exit 1 with line and field on stderr, then 0."""
    runner = app.test_cli_runner(mix_stderr=False) if _mixes() else app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_text(f"name,lon,lat\n好的小区,{HOME[0]},{HOME[1]}\n坏小区,{HOME[0]},91\n", encoding="utf-8")
    result = runner.invoke(args=["residents", "compounds", str(bad)])
    assert result.exit_code == 1 and "line 3, lat:" in result.stderr + result.output
    assert _names(db) == set()
    good = tmp_path / "good.csv"
    good.write_text(f"name,lon,lat\n好的小区,{HOME[0]},{HOME[1]}\n", encoding="utf-8")
    result = runner.invoke(args=["residents", "compounds", str(good)])
    assert result.exit_code == 0 and "1 residential compounds added" in result.output
    db.expire_all()
    assert _names(db) == {"好的小区"}


def _mixes() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters
