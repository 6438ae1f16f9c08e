"""The sorting centre's desk pages in real Chromium: a ticket corrected by a new ticket
that voids it (and a cancellation), a facility's own tolerance, the grade catalogue
edited, and a buyer's licence renewed with the earlier one kept in its history."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from tests.browser.conftest import login, serving
from tests.webapp.conftest import PASSWORD, make_app
from tests.webapp.weighbridge.conftest import make_world
from traceability import china_today
from webapp.auth.operations import create_user
from webapp.models import Role
from webapp.models.weighbridge import TicketDirection
from webapp.seed import seed_materials
from webapp.sorting import sales
from webapp.sorting.grades import seed_grades
from webapp.weighbridge.tickets import record_ticket

pytestmark = pytest.mark.browser

OLD_LICENCE, NEW_LICENCE = "粤深再生-2026-018", "粤深再生-2027-044"


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[tuple]:
    """The hand-made weighbridge day with one inbound ticket at the centre, the grade
    catalogue and a licensed buyer; a weighbridge operator and a dispatcher."""
    app = make_app(database_url, tmp_path_factory.mktemp("desk-live"), cache_dir, TESTING=False)
    with app.app_context():
        session = Session(app.extensions["reloop.engine"], expire_on_commit=False)
        seed_materials(session)
        for role in (Role.DRIVER, Role.WEIGHBRIDGE, Role.DISPATCHER):
            create_user(
                session, username=role.value, password=PASSWORD, role=role, display_name=f"{role.value} 用户"
            )
        session.commit()
        world = make_world(session)
        seed_grades(session)
        day = china_today()
        buyer = sales.add_buyer(
            session,
            name="深圳绿环再生资源有限公司",
            licence_no=OLD_LICENCE,
            licence_expiry=day + timedelta(days=365),
            materials=["low_value_plastic", "paper"],
            valid_from=day - timedelta(days=30),
        )
        with app.test_request_context():
            ticket = record_ticket(
                session,
                facility_id=world.centre.id,
                direction=TicketDirection.IN,
                vehicle_id=world.truck.id,
                gross_g=9_180_000,
                stop_id=world.stops[2].id,
            )
        session.close()
    with serving(app) as base:
        yield base, world, ticket, buyer


def _desk(browser: Browser, base: str, username: str) -> Page:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    login(page, base, username, PASSWORD)
    return page


def test_a_ticket_is_corrected_by_a_new_ticket_that_voids_it(browser: Browser, served: tuple) -> None:
    """Correct: a new number with the reason, the old ticket marked voided and linked; the
    new one, cancelled, keeps its number marked cancelled with the reason."""
    base, _world, ticket, _buyer = served
    desk = _desk(browser, base, "weighbridge")
    desk.goto(f"{base}/weighbridge/tickets/{ticket.id}")
    expect(desk.locator("h1")).to_contain_text(ticket.number)
    desk.click("#correct")
    desk.fill("#gross_kg", "9200")
    desk.fill("#void_reason", "毛重录错")
    desk.click("#save-ticket")
    expect(desk.locator("main")).to_contain_text(f"更正磅单 {ticket.number}")
    new_number = re.search(r"\d{4}-\d{6}", desk.locator("h1").first.inner_text()).group(0)
    assert new_number != ticket.number
    new_url = desk.url
    desk.goto(f"{base}/weighbridge/tickets/{ticket.id}")
    expect(desk.locator("h1 .voided")).to_be_visible()
    expect(desk.locator("main")).to_contain_text("毛重录错")
    expect(desk.locator("#correct")).to_have_count(0)
    desk.goto(new_url)
    desk.click("#cancel-ticket summary")
    desk.fill("#cancel-ticket input[name=reason]", "同一车次重复过磅")
    desk.click("#cancel-ticket button[type=submit]")
    expect(desk.locator("#cancelled")).to_contain_text("同一车次重复过磅")
    expect(desk.locator("h1")).to_contain_text(new_number)


def test_a_facility_gets_its_own_tolerance_and_a_bad_one_is_named(browser: Browser, served: tuple) -> None:
    """3.5 % from today shows in force at the centre; 'abc' comes back with the field's error."""
    base, world, _ticket, _buyer = served
    office = _desk(browser, base, "dispatcher")
    office.goto(f"{base}/weighbridge/tolerance")
    office.select_option("#tolerance-form select[name=facility_id]", str(world.centre.id))
    office.fill("#tolerance-form input[name=tolerance_percent]", "3.5")
    office.click("#tolerance-form button[type=submit]")
    row = office.locator("#tolerances tr", has_text=world.centre.name)
    expect(row.locator("td.num")).to_have_text("3.5")
    expect(row).to_contain_text(china_today().isoformat())
    office.fill("#tolerance-form input[name=tolerance_percent]", "abc")
    office.click("#tolerance-form button[type=submit]")
    expect(office.locator("#error-tolerance_permille")).to_be_visible()
    expect(row.locator("td.num")).to_have_text("3.5")


def test_a_grade_is_added_renamed_and_retired(browser: Browser, served: tuple) -> None:
    """A new HDPE grade under low-value plastics; renamed and taken out of use in its row."""
    base, _world, _ticket, _buyer = served
    office = _desk(browser, base, "dispatcher")
    office.goto(f"{base}/sorting/grades")
    office.fill("#grade-form input[name=code]", "lvp_hdpe")
    office.select_option("#grade-form select[name=material]", "low_value_plastic")
    office.fill("#grade-form input[name=name_zh]", "HDPE杂料")
    office.click("#grade-form button[type=submit]")
    row = office.locator("#grade-lvp_hdpe")
    expect(row.locator("input[name=name_zh]")).to_have_value("HDPE杂料")
    row.locator("input[name=name_zh]").fill("HDPE瓶料")
    row.locator("input[name=active]").uncheck()
    row.locator("button[type=submit]").click()
    expect(office.locator("#grade-lvp_hdpe input[name=name_zh]")).to_have_value("HDPE瓶料")
    expect(office.locator("#grade-lvp_hdpe input[name=active]")).not_to_be_checked()


def test_a_renewed_licence_keeps_the_old_one_in_its_history(browser: Browser, served: tuple) -> None:
    """No material ticked: refused naming the field; then a renewal from today lists both
    licences, newest first, with who recorded it and the note."""
    base, _world, _ticket, buyer = served
    office = _desk(browser, base, "dispatcher")
    office.goto(f"{base}/sorting/buyers")
    office.locator("#buyers tr", has_text=buyer.name).get_by_role("link").click()
    expect(office.locator("#licence-history tbody tr")).to_have_count(1)
    office.fill("#licence-form input[name=licence_no]", NEW_LICENCE)
    office.fill("#licence-form input[name=licence_expiry]", (china_today() + timedelta(days=730)).isoformat())
    for box in office.locator("#licence-form input[name=materials]").all():
        box.uncheck()
    office.click("#licence-form button[type=submit]")
    expect(office.locator("#form-errors li[data-field=materials]")).to_be_visible()
    office.check("#licence-form input[value=paper]")
    office.fill("#licence-form input[name=note]", "年检换证")
    office.click("#licence-form button[type=submit]")
    rows = office.locator("#licence-history tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(NEW_LICENCE)
    expect(rows.nth(0)).to_contain_text("dispatcher 用户")
    expect(rows.nth(0)).to_contain_text("年检换证")
    expect(rows.nth(1)).to_contain_text(OLD_LICENCE)
    office.goto(f"{base}/sorting/buyers")
    expect(office.locator("#buyers tr", has_text=buyer.name)).to_contain_text(NEW_LICENCE)
