"""Done-when of the sorting centre: a tonne followed in real Chromium from pickup to buyer.

The driver records the first trip's pickups (paper) on the phone; the weighbridge
operator weighs the truck in and out and prints the ticket; the ticket shows the
difference with the drivers' kg; the driver records the unload with the ticket number;
a sorting batch puts the paper into graded stock; the dispatcher registers a licensed
buyer and a price; the operator ships the stock to the buyer, weighed out, with an
invoice; the report's mass-balance page follows the paper from pickup to buyer.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from sqlmodel import Session, select

from tests.browser.conftest import login, serving
from tests.browser.test_driver_browser import _phone
from tests.webapp.conftest import make_app
from tests.webapp.driver.conftest import make_day
from traceability import china_today
from webapp.auth.operations import create_user
from webapp.models import Facility, FacilityKind, Material, OutletMaterial, PlannedStop, Role, User
from webapp.sorting.grades import seed_grades

pytestmark = pytest.mark.browser

OPERATOR, OPERATOR_PASSWORD = "weighbridge1", "weigh-2026"
PER_STOP_KG = 150
TARE_KG = 8000


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[tuple]:
    """Today's plan (driver1 on route 1), every outlet of route 1's first trip taking paper,
    a weighbridge operator and the grade catalogue."""
    app = make_app(database_url, tmp_path_factory.mktemp("sorting-live"), cache_dir, TESTING=False)
    with app.app_context():
        session = Session(app.extensions["reloop.engine"], expire_on_commit=False)
        day = make_day(session, cache_dir)
        route = day.routes["driver1"]
        stops = session.exec(
            select(PlannedStop).where(PlannedStop.route_id == route.id).order_by(PlannedStop.position)
        ).all()
        first_unload = next((s for s in stops if s.kind == "unload"), None) or _add_unload(session, stops)
        trip = [s for s in stops if s.kind == "outlet" and s.position < first_unload.position]
        paper = session.exec(select(Material).where(Material.code == "paper")).one()
        for stop in trip:
            if session.get(OutletMaterial, (stop.outlet_id, paper.id)) is None:
                session.add(OutletMaterial(outlet_id=stop.outlet_id, material_id=paper.id))
        dispatcher = session.exec(select(User).where(User.username == "dispatcher")).one()
        create_user(
            session,
            username=OPERATOR,
            password=OPERATOR_PASSWORD,
            role=Role.WEIGHBRIDGE,
            display_name="过磅员 周洁",
            org_id=dispatcher.org_id,
        )
        seed_grades(session)
        session.commit()
        session.close()
    with serving(app) as base:
        yield base, trip, first_unload


def _add_unload(session: Session, stops: list[PlannedStop]) -> PlannedStop:
    """The day needed no unload on the way: the dispatcher ends route 1 at the sorting centre."""
    centre = session.exec(select(Facility).where(Facility.kind == FacilityKind.SORTING_CENTRE)).first()
    if centre is None:
        centre = Facility(
            code="SC-NS", name="南山分拣中心", kind=FacilityKind.SORTING_CENTRE, lon=113.95, lat=22.53
        )
        session.add(centre)
        session.flush()
    last = stops[-1]
    unload = PlannedStop(
        route_id=last.route_id,
        position=last.position + 1,
        kind="unload",
        facility_id=centre.id,
        arrival_s=last.departure_s + 900,
        departure_s=last.departure_s + 900 + centre.unload_minutes * 60,
    )
    session.add(unload)
    session.flush()
    return unload


def _pick_up_paper(page: Page, stop_id: int) -> None:
    """Open a stop on the phone, arrive, type the paper's kg, save."""
    page.locator(f"li.stop[data-stop-id='{stop_id}'] a.stop-link").tap()
    page.locator("#arrive-button").tap()
    expect(page.locator("#arrived-at")).to_contain_text("到达")
    page.locator("#record-form input[data-material='paper']").first.fill(str(PER_STOP_KG))
    page.locator("#record-form button[type=submit]").tap()
    expect(page.locator(".route-block")).to_be_visible()


def _desk(browser: Browser) -> Page:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(20_000)
    return context.new_page()


def test_a_tonne_from_pickup_to_buyer(browser: Browser, served: tuple) -> None:
    """Pickups, ticket, unload, sorting, sale with invoice, and the report's mass-balance page."""
    base, trip, unload = served
    collected_kg = PER_STOP_KG * len(trip)
    net_kg = collected_kg - 12  # the weighbridge finds 12 kg less than the drivers typed
    sorted_out_kg, residue_kg = net_kg - 20, 20

    # The driver finishes the trip on the phone.
    phone = _phone(browser)
    driver = phone.new_page()
    login(driver, base, "driver1", "driver-2026")
    driver.locator("#open-route").tap()
    expect(driver.locator("html")).to_have_attribute("data-device-token", "1")
    for stop in trip:
        _pick_up_paper(driver, stop.id)
    expect(driver.locator("#sync-banner")).to_contain_text("全部记录已发送")

    # The weighbridge operator weighs the truck in (gross) and out (tare), and prints.
    desk = _desk(browser)
    login(desk, base, OPERATOR, OPERATOR_PASSWORD)
    desk.goto(f"{base}/weighbridge/tickets/new?facility_id={unload.facility_id}&stop_id={unload.id}")
    desk.fill("#gross_kg", str(TARE_KG + net_kg))
    desk.fill("#tare_kg", str(TARE_KG))
    desk.click("#save-ticket")
    expect(desk.locator("#trip-balance")).to_contain_text(f"{collected_kg:,.1f}")
    expect(desk.locator("#trip-balance")).to_contain_text(f"{net_kg:,.1f}")
    expect(desk.locator("#trip-balance")).to_contain_text("-12.0")
    number = re.search(r"\d{4}-\d{6}", desk.locator("h1").first.inner_text()).group(0)
    with desk.expect_popup() as popup:
        desk.click("#print-a5")
    printed = popup.value
    expect(printed.locator("body")).to_contain_text(number)
    printed.close()

    # The driver records the unload with the ticket number: the trip is closed.
    driver.goto(f"{base}/driver/unloads/{unload.id}")
    expect(driver.locator("#ticket_number")).to_have_value(number)
    expect(driver.locator("html")).to_have_attribute("data-forms-ready", "1")
    driver.locator("#record-unload").tap()
    expect(driver.locator(f"li.stop.unload[data-position='{unload.position}']")).to_contain_text(number)

    # Sorting: the paper becomes OCC cardboard in stock, with a little residue.
    desk.goto(f"{base}/sorting/")
    desk.select_option("#batch-form select[name=facility_id]", str(unload.facility_id))
    desk.select_option("#batch-material", "paper")
    desk.fill("#batch-form input[name=input_kg]", str(net_kg))
    desk.fill("#batch-form input[name='output-paper_occ']", str(sorted_out_kg))
    desk.fill("#batch-form input[name=residue_kg]", str(residue_kg))
    desk.click("#batch-form button[type=submit]")
    expect(desk.locator("#stock tr[data-grade='paper_occ']")).to_contain_text(f"{sorted_out_kg:,.1f}")

    # The dispatcher registers the licensed buyer and its price.
    office = _desk(browser)
    login(office, base, "dispatcher", "dispatch-2026")
    office.goto(f"{base}/sorting/buyers")
    office.fill("#buyer-form input[name=name]", "东莞玖龙纸业回收有限公司")
    office.fill("#buyer-form input[name=licence_no]", "粤莞再生-2026-031")
    office.fill(
        "#buyer-form input[name=licence_expiry]",
        china_today().replace(year=china_today().year + 1).isoformat(),
    )
    office.check("#buyer-form input[value=paper]")
    office.click("#buyer-form button[type=submit]")
    expect(office.locator("#buyers")).to_contain_text("粤莞再生-2026-031")
    office.select_option("#price-form select[name=grade]", "paper_occ")
    office.fill("#price-form input[name=yuan_per_t]", "1650")
    office.click("#price-form button[type=submit]")
    expect(office.locator("#prices")).to_contain_text("1,650.00")

    # The operator ships the cardboard to the buyer, weighing the buyer's truck out.
    desk.goto(f"{base}/sorting/sales")
    desk.select_option("#sale-form select[name=facility_id]", str(unload.facility_id))
    desk.select_option("#sale-form select[name=grade]", "paper_occ")
    desk.fill("#sale-form input[name=plate]", "粤S·B2231")
    desk.fill("#sale-form input[name=gross_kg]", str(9000 + sorted_out_kg))
    desk.fill("#sale-form input[name=tare_kg]", "9000")
    desk.click("#sale-form button[type=submit]")
    expect(desk.locator("#sale-kg")).to_have_text(f"{sorted_out_kg:,.1f}")
    amount = sorted_out_kg * 1650 / 1000
    expect(desk.locator("#sale-amount")).to_have_text(f"{amount:,.2f}")
    expect(desk.locator("#sale-ticket")).to_contain_text(f"{china_today().year}-")
    desk.fill("#invoice-form input[name=invoice_no]", "44031100")
    desk.click("#invoice-form button[type=submit]")
    expect(desk.locator("#sale-invoice")).to_contain_text("44031100")
    expect(desk.locator("#sale-invoice")).to_contain_text(f"{amount:,.2f}")
    desk.goto(f"{base}/sorting/")
    expect(desk.locator("#stock")).not_to_contain_text("黄板纸")

    # The report's mass-balance page: collected -> weighed -> sorted -> sold, nothing left.
    day = china_today().isoformat()
    response = office.request.get(f"{base}/reports/report.pdf?from={day}&to={day}")
    assert response.ok, response.status
    text = PdfReader(io.BytesIO(response.body())).pages[-1].extract_text()
    assert "物料平衡" in text
    figures = re.findall(r"\d+\.\d{3}", text.split("paper", 1)[1])[:7]
    tonnes = [f"{kg / 1000:.3f}" for kg in (collected_kg, net_kg, net_kg, sorted_out_kg, 0, 0, residue_kg)]
    assert figures == tonnes
