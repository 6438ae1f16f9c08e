"""Drivers: every driver login has a profile, and the pages create and link them."""

from __future__ import annotations

from sqlmodel import select

from tests.webapp.conftest import PASSWORD
from webapp.fleet.validation import licence_check_char
from webapp.models import AuditRecord, Driver, Role, User

LICENCE = "44030519850312421" + licence_check_char("44030519850312421")


def _profile(db, username: str) -> Driver | None:
    user = db.exec(select(User).where(User.username == username)).one()
    return db.exec(select(Driver).where(Driver.user_id == user.id)).first()


def test_a_driver_user_made_on_the_admin_page_gets_a_driver_profile(client, auth, db) -> None:
    """The admin users page links a new driver login to a new profile at once."""
    auth.login(Role.ADMIN)
    response = client.post(
        "/admin/users",
        data={"username": "zhaojun", "display_name": "赵军", "password": PASSWORD, "role": "driver"},
    )
    assert response.status_code == 302
    driver = _profile(db, "zhaojun")
    assert driver is not None and driver.name == "赵军" and driver.active


def test_reloop_users_create_with_the_driver_role_links_a_profile(runner, db) -> None:
    """`reloop users create --role driver` leaves a driver dispatch can assign."""
    result = runner.invoke(args=["users", "create", "liqiang", "--role", "driver", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert _profile(db, "liqiang") is not None


def test_a_dispatcher_creates_a_driver_linked_to_a_login(client, auth, db) -> None:
    """The driver form stores licence and phone, links the login and writes the change log."""
    user = db.exec(select(User).where(User.username == "driver")).one()
    auth.login(Role.DISPATCHER)
    response = client.post(
        "/fleet/drivers/new",
        data={
            "name": "张伟",
            "phone": "138 0000 1234",
            "licence_no": LICENCE,
            "licence_class": "C1",
            "licence_expiry": "2030-05-01",
            "user_id": str(user.id),
        },
    )
    assert response.status_code == 302
    driver = db.exec(select(Driver).where(Driver.name == "张伟")).one()
    assert (driver.user_id, driver.phone, driver.licence_no) == (user.id, "13800001234", LICENCE)
    logged = db.exec(select(AuditRecord).where(AuditRecord.object_type == "driver")).one()
    assert logged.action == "create" and logged.after["licence_class"] == "C1"


def test_a_login_links_to_one_driver_only(client, auth, db) -> None:
    """A second profile for the same login is refused on the linked-login field."""
    user = db.exec(select(User).where(User.username == "driver")).one()
    db.add(Driver(user_id=user.id, name="已有"))
    db.commit()
    auth.login(Role.DISPATCHER)
    response = client.post("/fleet/drivers/new", data={"name": "张伟", "user_id": str(user.id)})
    assert response.status_code == 422
    assert 'data-field="user_id"' in response.get_data(as_text=True)
    assert db.exec(select(Driver).where(Driver.name == "张伟")).first() is None


def test_a_bad_licence_number_is_refused_and_nothing_is_written(client, auth, db) -> None:
    """422 naming the licence field; no driver and no change record."""
    auth.login(Role.DISPATCHER)
    response = client.post("/fleet/drivers/new", data={"name": "张伟", "licence_no": LICENCE[:-1] + "Y"})
    assert response.status_code == 422
    assert 'data-field="licence_no"' in response.get_data(as_text=True)
    assert db.exec(select(Driver)).first() is None
    assert db.exec(select(AuditRecord).where(AuditRecord.object_type == "driver")).first() is None


def test_the_driver_list_masks_phone_numbers(client, auth, db) -> None:
    """Lists show 138****1234, never the whole number."""
    db.add(Driver(name="张伟", phone="13800001234"))
    db.commit()
    auth.login(Role.DISPATCHER)
    page = client.get("/fleet/drivers").get_data(as_text=True)
    assert "138****1234" in page and "13800001234" not in page


def test_the_driver_list_is_in_chinese_by_default(client, auth, db) -> None:
    """Headings and actions of the fleet pages are Chinese without choosing a language."""
    auth.login(Role.DISPATCHER)
    page = client.get("/fleet/drivers").get_data(as_text=True)
    assert "新增司机" in page and "驾驶证" in page


def test_drivers_and_regulators_cannot_open_the_fleet_pages(client, auth) -> None:
    """The fleet is for dispatchers and admins: others get 403."""
    for role in (Role.DRIVER, Role.REGULATOR):
        auth.login(role)
        assert client.get("/fleet/drivers").status_code == 403
        assert client.post("/fleet/vehicles/new", data={}).status_code == 403
        auth.logout()
