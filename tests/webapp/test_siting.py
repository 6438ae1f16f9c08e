"""Siting scenarios: CLI answer, the page through a job, adopting sites, comparing, bad files."""

from __future__ import annotations

import io
import json

import pytest
from sqlmodel import func, select

from webapp.models import Outlet, OutletStatus, Role, SitingScenario
from webapp.seed import seed_demo

KEYS = {
    "model",
    "selected",
    "objective",
    "bound",
    "gap",
    "status",
    "covered_households",
    "total_households",
    "solve_seconds",
}
COMPOUNDS = "id,lon,lat,households\nA,114.0552,22.5410,800\nB,114.0600,22.5450,600\nC,113.9800,22.5300,900\n"


@pytest.fixture
def demo(db, cache_dir):
    seed_demo(db, outlets=30, days=0, seed=5, cache_dir=cache_dir)


def test_cli_prints_one_json_object_with_the_issue_keys(runner, demo, tmp_path) -> None:
    """`reloop siting solve --json` answers with exactly the documented keys, optimally."""
    demand = tmp_path / "compounds.csv"
    demand.write_text(COMPOUNDS)
    result = runner.invoke(
        args=[
            "siting",
            "solve",
            "--model",
            "mclp",
            "--radius-m",
            "500",
            "--p",
            "2",
            "--demand",
            str(demand),
            "--time-limit-s",
            "20",
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert set(answer) == KEYS and answer["status"] == "optimal" and len(answer["selected"]) == 2
    assert answer["total_households"] == 2300 and answer["covered_households"] >= 1400


def test_cli_names_the_bad_line_of_a_demand_file(runner, demo, tmp_path) -> None:
    """A demand row with a non-numeric longitude is refused with its line and field."""
    demand = tmp_path / "bad.csv"
    demand.write_text("id,lon,lat,households\nA,abc,22.54,10\n")
    result = runner.invoke(args=["siting", "solve", "--model", "lscp", "--demand", str(demand), "--json"])
    assert result.exit_code != 0 and "line 2" in result.output and "lon" in result.output


def _solve(client, **fields):
    data = {
        "model": "mclp",
        "radius_m": 500,
        "p": 2,
        "share": "1.00",
        "time_limit_s": 20,
        "fixed_existing": "y",
        "demand": (io.BytesIO(COMPOUNDS.encode()), "compounds.csv"),
        **fields,
    }
    return client.post("/siting/", data=data, content_type="multipart/form-data", follow_redirects=True)


def test_a_scenario_runs_as_a_job_and_shows_sites_and_coverage(client, auth, db, demo) -> None:
    """Submitting the form solves in the background; the result page lists sites and coverage."""
    auth.login(Role.DISPATCHER)
    page = _solve(client).get_data(as_text=True)
    assert 'id="scenario-ready"' in page
    scenario = db.exec(select(SitingScenario)).one()
    assert scenario.result["status"] == "optimal"
    shown = client.get(f"/siting/{scenario.id}").get_data(as_text=True)
    assert 'id="siting-summary"' in shown and "覆盖" in shown
    data = json.loads(shown.split('id="map-data">')[1].split("</script>")[0])
    assert {f["properties"]["role"] for f in data["features"]} >= {"existing", "added"}


def test_adopting_creates_planned_outlets_once(client, auth, db, demo) -> None:
    """Adopt turns the added sites into planned outlets; a second adopt is refused."""
    auth.login(Role.DISPATCHER)
    _solve(client)
    scenario = db.exec(select(SitingScenario)).one()
    added = len(scenario.result["added_sites"])
    before = db.exec(
        select(func.count()).select_from(Outlet).where(Outlet.status == OutletStatus.PLANNED)
    ).one()
    client.post(f"/siting/{scenario.id}/adopt")
    client.post(f"/siting/{scenario.id}/adopt")
    after = db.exec(
        select(func.count()).select_from(Outlet).where(Outlet.status == OutletStatus.PLANNED)
    ).one()
    assert added > 0 and after - before == added


def test_two_scenarios_side_by_side(client, auth, db, demo) -> None:
    """The compare page shows both scenarios' figures."""
    auth.login(Role.DISPATCHER)
    _solve(client, name="两个网点")
    _solve(client, name="一个网点", p=1, demand=(io.BytesIO(COMPOUNDS.encode()), "c.csv"))
    a, b = db.exec(select(SitingScenario.id).order_by(SitingScenario.id)).all()
    page = client.get(f"/siting/compare?a={a}&b={b}").get_data(as_text=True)
    assert "两个网点" in page and "一个网点" in page


def test_a_bad_upload_is_reported_and_nothing_is_queued(client, auth, db, demo) -> None:
    """A demand file with a bad row is named in the job's failure and no result is stored."""
    auth.login(Role.DISPATCHER)
    page = _solve(client, demand=(io.BytesIO(b"id,lon,lat,households\nA,114.05,22.54,-3\n"), "bad.csv"))
    assert "households" in page.get_data(as_text=True)
    assert db.exec(select(SitingScenario)).one().result is None


def test_the_answer_carries_served_demand_and_the_sbt_rate_check(client, auth, db, demo) -> None:
    """The result lists households newly within reach and checks one outlet per 2,000 households."""
    auth.login(Role.DISPATCHER)
    _solve(client)
    result = db.exec(select(SitingScenario)).one().result
    assert result["served_points"] and all(len(p) == 2 for p in result["served_points"])
    overall = next(c for c in result["outlet_rate"] if c["district"] == "all")
    assert overall["households"] == 2300 and overall["required"] == 2  # ceil(2300 / 2000)
    page = client.get(f"/siting/{db.exec(select(SitingScenario.id)).one()}").get_data(as_text=True)
    assert 'id="outlet-rate"' in page


def test_compounds_can_be_uploaded_as_geojson(client, auth, db, demo) -> None:
    """A GeoJSON FeatureCollection of compounds with households is read like the CSV."""
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [114.0552, 22.5410]},
                "properties": {"name": "景田小区", "households": 900},
            }
        ],
    }
    auth.login(Role.DISPATCHER)
    _solve(client, demand=(io.BytesIO(json.dumps(geojson).encode()), "compounds.geojson"))
    result = db.exec(select(SitingScenario)).one().result
    assert result["total_households"] == 900 and result["covered_households"] == 900


SITES = "id,lon,lat\nS-A,114.0553,22.5411\nS-B,114.0601,22.5449\nS-C,113.9801,22.5301\nS-D,114.0400,22.5350\n"
UPLOADED = {"S-A", "S-B", "S-C", "S-D"}


def _siting_cli(runner, tmp_path, *extra: str):
    demand = tmp_path / "compounds.csv"
    demand.write_text(COMPOUNDS)
    args = ["siting", "solve", "--model", "mclp", "--p", "2", "--demand", str(demand), "--json", *extra]
    return runner.invoke(args=args)


def test_cli_only_candidates_chooses_among_the_uploaded_sites(runner, demo, tmp_path) -> None:
    """`--only-candidates`: every chosen site is an uploaded one, none a street intersection."""
    sites = tmp_path / "sites.csv"
    sites.write_text(SITES)
    result = _siting_cli(runner, tmp_path, "--candidates", str(sites), "--only-candidates")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert len(answer["selected"]) == 2 and set(answer["selected"]) <= UPLOADED


def test_cli_default_still_offers_street_intersections(runner, demo, tmp_path) -> None:
    """Without the flag an uploaded site competes with intersections: with one site, p=2 takes a street."""
    sites = tmp_path / "sites.csv"
    sites.write_text("id,lon,lat\nS-D,114.0400,22.5350\n")
    result = _siting_cli(runner, tmp_path, "--candidates", str(sites))
    assert result.exit_code == 0, result.output
    assert any(site.startswith("node-") for site in json.loads(result.output)["selected"])


def test_cli_only_candidates_without_a_file_is_refused(runner, demo, tmp_path) -> None:
    """`--only-candidates` with no `--candidates` file is a usage error naming both options."""
    result = _siting_cli(runner, tmp_path, "--only-candidates")
    assert result.exit_code == 2 and "--only-candidates" in result.output and "--candidates" in result.output
    assert "Traceback" not in result.output


def test_web_only_my_candidate_sites_adds_uploaded_sites_only(client, auth, db, demo) -> None:
    """The form's "only my candidate sites" solves over the upload: every added site is an uploaded one."""
    auth.login(Role.DISPATCHER)
    _solve(client, only_candidates="y", candidates=(io.BytesIO(SITES.encode()), "sites.csv"))
    scenario = db.exec(select(SitingScenario)).one()
    added = {site["id"] for site in scenario.result["added_sites"]}
    assert scenario.params["only_candidates"] is True and added and added <= UPLOADED
    assert 'id="only-candidates"' in client.get(f"/siting/{scenario.id}").get_data(as_text=True)


def test_web_only_my_candidate_sites_without_an_upload_is_refused(client, auth, db, demo) -> None:
    """Ticking "only my candidate sites" with no file answers 422 naming the field; nothing is queued."""
    auth.login(Role.DISPATCHER)
    response = _solve(client, only_candidates="y")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "只用我的候选点位：没有上传候选点位。" in page
    assert 'data-field="candidates"' in page
    assert db.exec(select(SitingScenario)).first() is None


def test_adopted_sites_are_named_after_their_street_with_an_address(client, auth, db, demo) -> None:
    """A new site reads 深南大道规划网点 with a 深圳市…附近 address, not node-<osm id>."""
    auth.login(Role.DISPATCHER)
    _solve(client)
    scenario = db.exec(select(SitingScenario)).one()
    shown = client.get(f"/siting/{scenario.id}").get_data(as_text=True)
    assert "node-" not in shown.split('id="map-data">')[0]
    before = set(db.exec(select(Outlet.id)).all())
    client.post(f"/siting/{scenario.id}/adopt")
    planned = [o for o in db.exec(select(Outlet)).all() if o.id not in before]
    assert planned and all(o.name.endswith("规划网点") and "node-" not in o.name for o in planned)
    assert all(o.address.startswith("深圳市") and o.address.endswith("附近") for o in planned)


def test_the_demand_line_is_said_in_chinese(client, auth, db, demo) -> None:
    """The uploaded-compounds line reads 上传居住小区 3 个, not "uploaded: 3 compounds"."""
    auth.login(Role.DISPATCHER)
    _solve(client)
    scenario = db.exec(select(SitingScenario)).one()
    shown = client.get(f"/siting/{scenario.id}").get_data(as_text=True)
    assert "上传居住小区 3 个，其中 0 个标记为超出地图数据范围。" in shown and "uploaded:" not in shown
