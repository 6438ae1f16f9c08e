"""Text on maps is text: names, codes and candidate ids shaped like HTML show literally in
Leaflet popups and tooltips, in real Chromium, and no element of theirs reaches the DOM."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from sqlmodel import Session, col, select

from tests.browser.conftest import login
from webapp.models import Facility, Outlet, OutletStatus, SitingScenario, TraceEventRow

pytestmark = pytest.mark.browser

DEMO_PASSWORDS = {"regulator": "audit-2026", "dispatcher": "dispatch-2026"}
HOSTILE = '<img src=x class="injected"><b class="injected">x</b>'

# Keeps every map a page makes, so the test can open each layer's popup or tooltip.
CAPTURE_MAPS = """
(() => {
  window.__maps = [];
  let make;
  Object.defineProperty(window, "ReLoopBasemap", {
    configurable: true,
    get() { return make && function (el) { const map = make(el); window.__maps.push(map); return map; }; },
    set(fn) { make = fn; },
  });
})();
"""

# Opens every popup and tooltip of every layer; returns the inner HTML and text of each.
OPEN_ALL = """
() => {
  const shown = [];
  for (const map of window.__maps) {
    const layers = [];
    map.eachLayer((layer) => layers.push(layer));
    for (const layer of layers) {
      if (layer.getLayers) layers.push(...layer.getLayers());
      for (const [get, open] of [["getPopup", "openPopup"], ["getTooltip", "openTooltip"]]) {
        if (!layer[get] || !layer[get]()) continue;
        // A marker inside a cluster is not on the map: open its popup on the map directly.
        if (layer._map) layer[open](); else layer[get]().setLatLng(layer.getLatLng()).openOn(map);
        const node = layer[get]().getElement();
        if (node) shown.push({ html: node.innerHTML, text: node.textContent,
                               injected: node.querySelectorAll(".injected, img").length });
      }
    }
  }
  return { shown: shown };
}
"""


@pytest.fixture(scope="module")
def world(live_server: str, database_url: str) -> dict[str, object]:
    """Rename outlets and facilities to HTML; add a siting scenario whose added site id is HTML."""
    from webapp.db import make_engine

    engine = make_engine(database_url)
    with Session(engine) as db:
        for model in (Outlet, Facility):
            for row in db.exec(select(model)):
                row.name = f"{HOSTILE} {row.code}"
                db.add(row)
        codes = {o.code for o in db.exec(select(Outlet))} | {f.code for f in db.exec(select(Facility))}
        battery = db.exec(
            select(TraceEventRow.battery_code).where(col(TraceEventRow.location).in_(codes)).limit(1)
        ).first()
        outlet = db.exec(select(Outlet).where(Outlet.status == OutletStatus.ACTIVE)).first()
        coverage = {"radii_m": [500], "shares": []}
        scenario = SitingScenario(
            name="hostile",
            result={
                "status": "optimal",
                "added_sites": [
                    {"id": HOSTILE, "lon": outlet.lon + 0.002, "lat": outlet.lat, "district": "futian"}
                ],
                "covered_households": 10,
                "total_households": 100,
                "params": {"radius_m": 500, "households_per_outlet": 2000},
                "gap": 0.0,
                "solve_seconds": 0.1,
                "coverage_before": coverage,
                "coverage_after": coverage,
                "outlet_rate": [],
                "served_points": [],
                "uncovered": [],
                "demand_note": "",
            },
        )
        db.add(scenario)
        db.commit()
        found = {"battery": battery, "scenario": scenario.id}
    engine.dispose()
    return found


def _shown_on(page: Page, base: str, role: str, path: str, ready: str) -> dict[str, object]:
    page.add_init_script(CAPTURE_MAPS)
    login(page, base, role, DEMO_PASSWORDS[role])
    page.goto(base + path)
    page.wait_for_function(ready)
    return page.evaluate(OPEN_ALL)


def _literal(result: dict[str, object]) -> None:
    shown = result["shown"]
    assert shown, "no popup or tooltip on the map"
    assert all(item["injected"] == 0 for item in shown)
    assert any(HOSTILE in item["text"] for item in shown)  # the markup shows as typed
    assert all("<img" not in item["html"] for item in shown)


def test_the_custody_map_tooltip_shows_an_outlet_name_as_text(page: Page, live_server: str, world) -> None:
    """The regulator's custody map: a place named with tags shows them literally."""
    assert world["battery"], "the demo log has a battery at an outlet or facility"
    path = f"/audit/batteries/{world['battery']}"
    _literal(
        _shown_on(
            page,
            live_server,
            "regulator",
            path,
            "() => document.querySelector('#custody-map')?.dataset.points_drawn",
        )
    )


def test_the_siting_map_popup_shows_a_candidate_id_as_text(page: Page, live_server: str, world) -> None:
    """An added site whose id came from an uploaded CSV shows the id literally."""
    path = f"/siting/{world['scenario']}"
    _literal(
        _shown_on(
            page, live_server, "dispatcher", path, "() => document.querySelector('#map')?.dataset.features"
        )
    )


def test_the_outlet_map_popup_shows_a_name_as_text(page: Page, live_server: str, world) -> None:
    """The outlet registry's clustered markers: names with tags show literally."""
    ready = "() => Number(document.querySelector('#map')?.dataset.outletCount) > 0"
    _literal(_shown_on(page, live_server, "dispatcher", "/outlets/", ready))
