"""Every page of the demo, opened in Chinese by every role, shows no English words and no
snake_case codes in its visible text (issue 17, "Done when").

One seeded world for the module: the demo (outlets, fleet, two days of plans and pickups,
batteries through the log), today's accepted plan with driver1 and driver2 on it, and a
siting scenario. Every GET route of ``app.url_map`` is filled from that world and opened
by each role it admits (and anonymously when public); links on those pages to more pages
of the app (record tables, battery pages, passports) are followed one level deep.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from tests.webapp.conftest import make_app, wipe
from tests.webapp.driver.conftest import make_day
from traceability import CHINA_TZ
from webapp.access import access_table
from webapp.models import (
    Driver,
    Facility,
    Job,
    PlannedRoute,
    PlannedStop,
    SitingScenario,
    TraceEventRow,
    Vehicle,
)
from webapp.residents.accounts import create_resident
from webapp.seed import DEMO_USERS, seed_demo

#: Words a Chinese page may show as they are: the product's and data's proper names,
#: units, standards, file formats and abbreviations a Chinese reader uses as such.
ALLOWED = {
    # names
    "ReLoop",
    "OpenStreetMap",
    "OSM",
    "ODbL",
    "Leaflet",
    "MapLibre",
    "Amap",
    "Baidu",
    "Apple",
    "Google",
    "English",
    "VIN",
    "GPS",
    "TCL",
    "SRL",
    "Catena",
    "WARM",
    "EPA",
    "IPCC",
    "EU",
    "Battery",
    "Pass",
    "ReLoop's",
    # formats and protocols
    "CSV",
    "PDF",
    "XLSX",
    "JSON",
    "JSONL",
    "Excel",
    "Ctrl",
    "Authorization",
    "Bearer",
    "contributors",
    "GeoJSON",
    "GPX",
    "API",
    "MQTT",
    "QR",
    "HTTP",
    "HTTPS",
    "URL",
    "PEM",
    "SHA",
    "Ed25519",
    "Merkle",
    "RFC",
    "WGS",
    "GCJ",
    "BD",
    "zip",
    "UTC",
    "ID",
    # recyclers' trade names of sorted grades (PET bottles, PP, HDPE, old corrugated cardboard)
    "PET",
    "PP",
    "HDPE",
    "OCC",
    # units
    "kg",
    "km",
    "m",
    "t",
    "h",
    "min",
    "s",
    "kWh",
    "Wh",
    "Ah",
    "V",
    "mV",
    "L",
    "CO",
    "CO2e",
    "tCO2e",
    "kgCO2e",
    "mm",
    "m²",
    "m³",
    "km²",
    "MWh",
    "MPa",
    "dBm",  # a sensor's radio signal, as its modem reports it
    "fen",
    # standards and domain abbreviations
    "GB",
    "ACEF",  # T/ACEF: China Environmental Protection Federation group standards
    "CACE",  # T/CACE: China Association of Circular Economy group standards
    "DOI",  # an article's identifier, printed so by Chinese journals (DOI：10.12153/...)
    "T",
    "SB",
    "SOH",
    "SOC",
    "BMS",
    "LFP",
    "NCM",
    "NCA",
    "LMO",
    "LCO",
    "Li",
    "Ni",
    "Co",
    "Mn",
    "VRP",
    "MCLP",
    "LSCP",
    "P",
    "M",
    "C",
    "A",
    "B",
    "D",
    "E",
    "F",
    "G",
    "Z",
    "R",
    "N",
    "S",
    "PIPL",
    "EV",
    "5G",
    "SHA256",
    # the UNFCCC CDM methodology AMS-III.AJ, cited by its designation like GB/T numbers
    "CDM",
    "AMS",
    "III",
    "AJ",
}
#: Demo login names: what a person types to log in, shown as typed.
ALLOWED |= {username for username, *_ in DEMO_USERS}

# A run of Latin letters, digits and joiners; one with a digit in it is a code or a number.
TOKEN = re.compile(r"[A-Za-z0-9_]+(?:[-./:'][A-Za-z0-9_]+)*")
SNAKE = re.compile(r"[A-Za-z]+_[A-Za-z0-9_]+")
FILE = re.compile(r"\.(csv|jsonl?|pdf|xlsx|pem|zip|gpx|geojson|webmanifest|js|ico)$")
# Machine text shown literally (command lines, file names, key fingerprints) is no prose.
HIDDEN_TAGS = {"script", "style", "template", "noscript", "head", "pre", "code", "kbd", "samp"}
URL = re.compile(r"(?:https?://|urn:)\S+")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _VisibleText(HTMLParser):
    """Text a person sees: no script, style, attributes or hidden elements; button values kept."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[bool] = []  # per open element: is it hidden?
        self.title = ""
        self._in_title = False

    def _hidden(self) -> bool:
        return any(self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        style = (a.get("style") or "").replace(" ", "")
        hidden = (
            tag in HIDDEN_TAGS
            or "hidden" in a
            or a.get("aria-hidden") == "true"
            or "display:none" in style
            or (tag == "input" and a.get("type") == "hidden")
        )
        if tag == "title":
            self._in_title = True
            hidden = False
        if tag == "input" and a.get("type") in ("submit", "button") and not self._hidden() and not hidden:
            self.parts.append(a.get("value") or "")
        if tag not in VOID:
            self._stack.append(hidden)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag not in VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if not self._hidden():
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The visible text of a page, its title first."""
    parser = _VisibleText()
    parser.feed(html)
    return " ".join([parser.title, *parser.parts])


def foreign_words(text: str) -> list[str]:
    """English words and snake_case codes in ``text`` outside the allow-list."""
    found = []
    for token in TOKEN.findall(URL.sub(" ", text)):
        if SNAKE.fullmatch(token) or any(SNAKE.fullmatch(part) for part in re.split(r"[-./:']", token)):
            found.append(token)
        elif any(ch.isdigit() for ch in token):
            continue  # codes, plates, numbers and dates
        else:
            found += [w for w in re.split(r"[-./:']", token) if w and w not in ALLOWED and len(w) > 1]
    return found


# --- the world ------------------------------------------------------------------------------

COMPOUNDS = "id,lon,lat,households\nA,114.0552,22.5410,800\nB,114.0600,22.5450,600\nC,113.9800,22.5300,900\n"
# A resident of the Internet+ channel logs in with their mobile number (made in the world).
RESIDENT = ("13800138001", "resident-zh-1")
PASSWORDS = {username: password for username, _n, _r, password in DEMO_USERS} | dict([RESIDENT])
ROLES = {
    "resident": RESIDENT[0],
    "admin": "admin",
    "dispatcher": "dispatcher",
    "driver": "driver1",
    "regulator": "regulator",
    "technician": "technician",
    "weighbridge": "weighbridge",
}


@dataclass
class World:
    app: Flask
    values: dict[str, str]
    clients: dict[str, FlaskClient]


@pytest.fixture(scope="module")
def world(database_url: str, tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[World]:
    """The demo with history, today's accepted plan and a solved siting scenario, in Chinese."""
    app = make_app(database_url, tmp_path_factory.mktemp("zh-pages"), cache_dir, PROPAGATE_EXCEPTIONS=False)
    with Session(app.extensions["reloop.engine"], expire_on_commit=False) as db:
        seed_demo(db, outlets=40, days=2, seed=11, cache_dir=cache_dir)
        day = make_day(db, cache_dir)
        with app.app_context():
            create_resident(db, *RESIDENT)
            db.commit()
        clients = {}
        for role, username in ROLES.items():
            client = app.test_client()
            response = client.post("/login", data={"username": username, "password": PASSWORDS[username]})
            assert response.status_code == 302, username
            client.get("/lang/zh")
            clients[role] = client
        clients["anonymous"] = app.test_client()
        response = clients["dispatcher"].post(
            "/siting/",
            data={
                "model": "mclp",
                "radius_m": 500,
                "p": 2,
                "share": "1.00",
                "time_limit_s": 10,
                "fixed_existing": "y",
                "demand": (io.BytesIO(COMPOUNDS.encode()), "compounds.csv"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
        route = day.routes["driver1"]
        values = {
            "plan_id": str(day.plan_id),
            "number": str(route.number),
            "route_id": str(route.id),
            "stop_id": str(day.stops["driver1"][0].id),
            "outlet_id": str(day.stops["driver1"][0].outlet_id),
            "scenario_id": str(db.exec(select(SitingScenario.id)).first()),
            "job_id": str(db.exec(select(Job.id).order_by(Job.id.desc())).first()),  # type: ignore[union-attr]
            "code": db.exec(select(TraceEventRow.battery_code).order_by(TraceEventRow.seq)).first(),
            "driver_id": str(db.exec(select(Driver.id)).first()),
            "vehicle_id": str(db.exec(select(Vehicle.id)).first()),
            "facility_id": str(db.exec(select(Facility.id)).first()),
        }
        assert db.exec(select(PlannedStop.id)).first() and db.exec(select(PlannedRoute.id)).first()
        values["week_id"] = str(_plan_week(app, db, day.plan_id))
    yield World(app=app, values=values, clients=clients)
    wipe(app)
    app.extensions["reloop.engine"].dispose()


def _plan_week(app: Flask, db: Session, plan_id: int) -> int:
    """A two-day week plan from today for the accepted plan's depot (its routes kept), as the board does."""
    from webapp.db import db_session
    from webapp.dispatch.weekplans import PlanWeekParams
    from webapp.jobs.operations import enqueue
    from webapp.models import CollectionPlan

    plan = db.get(CollectionPlan, plan_id)
    params = PlanWeekParams(first_day=plan.day, depot_id=plan.depot_id, days=2, time_limit_s=2)
    with app.app_context():
        job_id = enqueue(db_session(), params, actor_id=None).id
    job = db.get(Job, job_id)
    db.refresh(job)
    assert job.result, job.error
    return int(job.result["week_plan_id"])


def _pages(world: World) -> list[tuple[str, str]]:
    """(role, URL) for every GET route each role may open, path parameters filled from the world."""
    table = access_table(world.app)
    pages = []
    for rule in world.app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "main.set_language"):
            continue
        if rule.rule.startswith("/api/") or set(rule.arguments) - set(world.values):
            continue  # machine APIs answer JSON; rules with file names (<fmt>, evidence) are files
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{name}>", world.values[name], url)
        access = table[rule.endpoint]
        if access.kind == "public":
            pages.append(("anonymous", url))
        elif access.kind == "roles":
            pages += [(role, url) for role in ROLES if access.allows(role)]
    return pages


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("/") and not href.startswith("//"):
            self.hrefs.append(href)


def _shape(url: str) -> str:
    """One page per shape of URL: ids and codes stand for any other."""
    parts = urlsplit(url)
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(sorted(parts.query.split("&")))


def _walk(world: World, role: str, start: list[str]) -> dict[str, str]:
    """Open the pages and, once, the app's pages they link to; HTML pages only."""
    client = world.clients[role]
    seen: dict[str, str] = {}
    shapes: set[str] = set()
    queue = [(url, True) for url in start]
    while queue:
        url, follow = queue.pop(0)
        if _shape(url) in shapes or url.startswith(("/api/", "/static/", "/lang/", "/logout")):
            continue
        if FILE.search(urlsplit(url).path):
            continue  # downloads: their contents are checked by the export tests
        shapes.add(_shape(url))
        response = client.get(url)
        response.close()
        assert response.status_code < 500, (role, url, response.status_code)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        seen[url] = html
        if follow:
            links = _Links()
            links.feed(html)
            queue += [(href.split("#")[0], False) for href in links.hrefs]
    return seen


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_every_page_a_role_opens_is_in_chinese(world: World, role: str) -> None:
    """No English word or snake_case code in the visible text of any page the role can open."""
    start = [url for r, url in _pages(world) if r == role]
    pages = _walk(world, role, start)
    assert len(pages) >= (3 if role in ("anonymous", "driver") else 8), sorted(pages)
    offending = {url: sorted(set(foreign_words(visible_text(html)))) for url, html in pages.items()}
    offending = {url: words for url, words in offending.items() if words}
    assert offending == {}, "\n".join(f"{role} {url}: {' '.join(w)}" for url, w in sorted(offending.items()))


def test_the_checker_finds_english_words_and_codes() -> None:
    """The detector flags English words and snake_case, and passes Chinese, units and codes."""
    html = (
        "<html><head><title>回收</title><style>.a{}</style></head><body><script>var x_y=1</script>"
        "<p>质量 417.0 kg · S01PE0A1234567S5A0000123 · SOH 66.6 %</p><p hidden>secret_code</p>"
        "<p title='english'>Pending skip_reason</p></body></html>"
    )
    assert foreign_words(visible_text(html)) == ["Pending", "skip_reason"]


def _text(world: World, role: str, url: str) -> str:
    response = world.clients[role].get(url)
    assert response.status_code == 200, (url, response.status_code)
    return visible_text(response.get_data(as_text=True))


def test_record_tables_name_outlet_kinds_statuses_and_filters(world: World) -> None:
    """The outlets drill shows 回收亭/在用 and 行政区 = 福田区, not kiosk/active/district = futian."""
    today = datetime.now(CHINA_TZ).date()
    scope = f"from={today - timedelta(days=364)}&to={today}"
    text = _text(
        world, "dispatcher", f"/reports/records?kind=outlets&active_on={today}&district=futian&{scope}"
    )
    assert "行政区 = 福田区" in text and f"在用日期 = {today}" in text
    assert "kiosk" not in text and "active" not in text and "futian" not in text


def test_battery_timeline_labels_payload_fields_with_units(world: World) -> None:
    """A tested battery's timeline reads 质量 ... kg and SOH ... %, never mass_g or soh_permille."""
    with Session(world.app.extensions["reloop.engine"]) as db:
        code = db.exec(
            select(TraceEventRow.battery_code).where(TraceEventRow.kind == "capacity_tested")
        ).first()
    text = _text(world, "regulator", f"/audit/batteries/{code}")
    assert re.search(r"质量\s+\d+\.\d kg", text) and re.search(r"SOH\s+\d+\.\d %", text)
    assert "mass_g" not in text and "soh_permille" not in text


def test_passport_shows_the_national_record_first_in_chinese(world: World) -> None:
    """编码, 生产企业, 类型, 化学体系, 额定容量, 当前状态, 责任主体 come before the EU view."""
    text = _text(world, "regulator", f"/passport/{world.values['code']}")
    fields = ["编码", "生产企业", "类型", "化学体系", "额定容量", "当前状态", "责任主体", "欧盟电池护照视图"]
    positions = [text.find(f) for f in fields]
    assert -1 not in positions and positions == sorted(positions), positions
    assert "电池包" in text and "ev" not in text.split()


def test_rate_kinds_are_offered_in_chinese(world: World) -> None:
    """The admin's rate form offers 每吨低值可回收物 and 每个新建网点, labelled per request."""
    text = world.clients["admin"].get("/reports/factors").get_data(as_text=True)
    assert "每吨低值可回收物" in text and "每个新建网点" in text
    assert "Per tonne of low-value recyclables" not in text


def test_the_demo_rates_example_basis_is_said_once_in_chinese(world: World) -> None:
    """An example rate reads 示例费率，非官方标准… in Chinese, without its English twin."""
    text = _text(world, "dispatcher", "/reports/factors")
    assert "示例费率，非官方标准" in text and "not an official standard" not in text
