"""A resident's address: a point just off the served streets is moved onto the nearest
street (validated as outlets are), one far away is refused; or it is picked from the
residential compounds, searched by name."""

from __future__ import annotations

from flask import Flask
from sqlmodel import select

from tests.webapp.test_chinese_pages import foreign_words, visible_text
from webapp import geo
from webapp.models.residents import ResidentAddress, ResidentialCompound

from .conftest import HOME, PASSWORD


def _login(client, phone: str) -> None:
    assert client.post("/login", data={"username": phone, "password": PASSWORD}).status_code == 302


def _just_outside(app: Flask) -> tuple[float, float, float]:
    """A point south of HOME, a little beyond the service area's edge (lon, lat, metres)."""
    with app.app_context():
        area = geo.service_area()
        lon, lat = HOME
        while area.contains(lon, lat):
            lat -= 0.0005
        return lon, lat, area.distance_to_street_m(lon, lat)


def test_a_point_just_outside_is_moved_onto_the_nearest_street(app, client, db, make_resident) -> None:
    """Saved (302), the stored point inside the area, on a street, in a served district."""
    make_resident("13900000101")
    _login(client, "13900000101")
    lon, lat, off = _just_outside(app)
    assert 0 < off < 2_000
    answer = client.post("/r/addresses", data={"lon": str(lon), "lat": str(lat), "detail": "7栋 302"})
    assert answer.status_code == 302
    stored = db.exec(select(ResidentAddress).where(ResidentAddress.detail == "7栋 302")).one()
    with app.app_context():
        area = geo.service_area()
        assert area.contains(stored.lon, stored.lat)
        assert area.distance_to_street_m(stored.lon, stored.lat) < 1.0
    assert stored.district is not None and (stored.lon, stored.lat) != (lon, lat)
    page = client.get("/r/addresses").get_data(as_text=True)
    assert "米到最近的街道上" in page


def test_a_point_far_outside_is_still_refused(client, db, make_resident) -> None:
    """In the sea, kilometres from any street: 422 naming lon, nothing stored."""
    make_resident("13900000102")
    _login(client, "13900000102")
    before = len(db.exec(select(ResidentAddress)).all())
    answer = client.post("/r/addresses", data={"lon": "114.5", "lat": "22.2", "detail": "somewhere"})
    assert answer.status_code == 422 and 'data-field="lon"' in answer.get_data(as_text=True)
    assert len(db.exec(select(ResidentAddress)).all()) == before


def test_a_compound_is_found_by_name_and_gives_the_point(client, db, make_resident) -> None:
    """Searching finds the compound; picking it stores its point and district, named in the detail."""
    db.add(ResidentialCompound(name="福中花园", district="futian", lon=HOME[0], lat=HOME[1], households=800))
    db.add(ResidentialCompound(name="海岸家园", district="nanshan", lon=113.94, lat=22.52))
    db.commit()
    make_resident("13900000103")
    _login(client, "13900000103")
    page = client.get("/r/addresses?q=福中").get_data(as_text=True)
    assert "福中花园" in page and "海岸家园" not in page
    assert foreign_words(visible_text(page)) == []  # the picker reads in Chinese
    compound = db.exec(select(ResidentialCompound).where(ResidentialCompound.name == "福中花园")).one()
    answer = client.post("/r/addresses", data={"compound": str(compound.id), "detail": "2栋 801"})
    assert answer.status_code == 302
    stored = db.exec(select(ResidentAddress).where(ResidentAddress.detail == "福中花园 2栋 801")).one()
    assert (stored.lon, stored.lat, stored.district) == (HOME[0], HOME[1], "futian")


def test_an_unknown_compound_is_refused_naming_the_field(client, db, make_resident) -> None:
    """A compound id that is not in the list: 422 on compound."""
    make_resident("13900000104")
    _login(client, "13900000104")
    answer = client.post("/r/addresses", data={"compound": "999999", "detail": "1栋"})
    assert answer.status_code == 422 and 'data-field="compound"' in answer.get_data(as_text=True)
