"""The ``reloop`` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlmodel import func, select

import geodata
from webapp.auth.operations import hash_password
from webapp.models import Facility, FillReading, Material, Outlet, OutletStatus, User


def test_users_create_adds_a_user_with_a_role(runner, db) -> None:
    """`reloop users create` creates a user with a hashed password."""
    result = runner.invoke(
        args=["users", "create", "zhang", "--role", "driver", "--password", "long-enough-1"]
    )
    assert result.exit_code == 0, result.output
    user = db.exec(select(User).where(User.username == "zhang")).one()
    assert user.role == "driver" and user.password_hash != "long-enough-1"


def test_users_create_refuses_a_short_password(runner) -> None:
    """A password under 8 characters is refused with a message."""
    result = runner.invoke(args=["users", "create", "li", "--role", "driver", "--password", "short"])
    assert result.exit_code != 0 and "8 characters" in result.output


def test_seed_reference_is_idempotent(runner, db) -> None:
    """Seeding materials twice adds nothing the second time, including the low-value ones."""
    assert "0 materials added" in runner.invoke(args=["seed", "reference"]).output
    low = set(db.exec(select(Material.name_zh).where(Material.low_value == True)).all())
    assert low == {"玻璃", "废旧纺织物", "低值塑料", "废木材", "复合包装"}


def test_seed_demo_puts_outlets_on_real_streets(runner, db, cache_dir) -> None:
    """Demo outlets lie on streets of the extract, with facilities, readings and logins."""
    result = runner.invoke(args=["seed", "demo", "--outlets", "40", "--days", "3"])
    assert result.exit_code == 0, result.output
    assert "driver-2026" in result.output and "demo sensor token: rl_" in result.output
    outlets = db.exec(select(Outlet)).all()
    assert len(outlets) == 40
    area = geodata.ServiceArea.from_graph(geodata.load_network(mode="walk", cache_dir=cache_dir))
    assert max(area.distance_to_street_m(o.lon, o.lat) for o in outlets) < 1.0
    assert {o.district for o in outlets} == {"futian", "nanshan"}
    assert db.exec(select(func.count()).select_from(Facility)).one() == 2
    active = [o for o in outlets if o.status == OutletStatus.ACTIVE]
    assert db.exec(select(func.count()).select_from(FillReading)).one() >= len(active) * 6
    again = runner.invoke(args=["seed", "demo", "--outlets", "40", "--days", "3"])
    assert "nothing added" in again.output


def test_a_second_demo_start_prints_the_logins_again(runner, db) -> None:
    """Starting the demo again lists its logins, with a changed password no longer shown."""
    assert runner.invoke(args=["seed", "demo", "--outlets", "20", "--days", "0"]).exit_code == 0
    driver = db.exec(select(User).where(User.username == "driver2")).one()
    driver.password_hash = hash_password("someone-changed-it")
    db.add(driver)
    db.commit()
    again = runner.invoke(args=["seed", "demo", "--outlets", "20", "--days", "0"])
    assert "nothing added" in again.output
    assert "driver1     driver-2026" in again.output
    assert "driver2     (password changed)" in again.output
    # The test app's own dispatcher account existed before the demo, with another password.
    assert "dispatcher  (password changed)" in again.output
    assert "/admin/tokens" in again.output


def test_make_demo_takes_a_port() -> None:
    """`make demo PORT=...` passes the port (and host) to `reloop demo`."""
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        ["make", "-n", "demo", "PORT=8123", "HOST=0.0.0.0"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "reloop demo --host 0.0.0.0 --port 8123" in out


def test_reloop_console_script_lists_the_project_groups() -> None:
    """The installed `reloop` command exposes db, seed, users and demo."""
    reloop = Path(sys.executable).parent / "reloop"
    out = subprocess.run([str(reloop), "--help"], capture_output=True, text=True, check=True).stdout
    for group in ("db", "seed", "users", "demo"):
        assert f"  {group} " in out


def test_solve_instance_prints_plans_feasible_in_double_precision(runner) -> None:
    """`routing solve-instance` on a Solomon file: no window broken in floats, unless dimacs is asked for."""
    from routing.instances import check_routes, read_instance

    path = Path(__file__).parents[1] / "routing" / "data" / "R104.txt"
    args = ["routing", "solve-instance", str(path), "--time-limit-s", "3", "--json"]
    default = json.loads(runner.invoke(args=args).output)
    assert default["convention"] == "exact" and default["violations"] == []
    assert check_routes(read_instance(path), default["routes"]) == []
    dimacs = json.loads(runner.invoke(args=[*args, "--convention", "dimacs"]).output)
    assert dimacs["convention"] == "dimacs"
    assert dimacs["violations"] == check_routes(read_instance(path), dimacs["routes"])
