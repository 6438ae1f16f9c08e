"""Demo outlets carry real street addresses: the nearest named street and crossing."""

from __future__ import annotations

from sqlmodel import select

from webapp.models import Outlet
from webapp.seed import seed_demo


def test_demo_outlets_are_named_and_addressed_by_real_streets(app, db, cache_dir) -> None:
    """No "无名路"; every address is in Shenzhen, and most name a crossing ("…与…交叉口附近")."""
    seed_demo(db, outlets=40, days=0, seed=11, cache_dir=cache_dir)
    outlets = db.exec(select(Outlet)).all()
    assert len(outlets) == 40
    assert not [o.name for o in outlets if "无名路" in o.name or "无名路" in o.address or " / " in o.name]
    assert all(o.address.startswith(("深圳市福田区", "深圳市南山区")) for o in outlets)
    crossings = [o.address for o in outlets if "与" in o.address and o.address.endswith("交叉口附近")]
    assert len(crossings) >= 30, [o.address for o in outlets]
