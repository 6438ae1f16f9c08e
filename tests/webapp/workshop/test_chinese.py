"""Every workshop page, opened in Chinese after a day's work, shows no English words or codes."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.webapp.test_chinese_pages import foreign_words, visible_text
from webapp.models import Outlet, OutletKind, OutletStatus
from webapp.workshop import checklist, disassembly, handover, intake, testing

from .conftest import GOOD_TEST, INSPECTED, OTHER, PACK, START, hand_over

SAFE = {
    **dict.fromkeys(("deformation", "swelling", "leakage", "corrosion", "burn_marks"), "pass"),
    **{"ocv": "350", "insulation": "20", "temperature": "24", "self_discharge": "5"},
}


def _day_of_work(ws: Session, settings) -> list[str]:
    """One pack passed, tested and taken apart, one failed and handed over for recycling."""
    ws.add(
        Outlet(
            code="NS-0001",
            name="南山电池回收点",
            kind=OutletKind.BATTERY_POINT,
            status=OutletStatus.ACTIVE,
            lon=113.9,
            lat=22.5,
        )
    )
    ws.commit()
    for code in (PACK, OTHER):
        hand_over(ws, settings, code)
        intake.receive(ws, code, settings=settings, mass_g=300_000, occurred_at=START.replace(day=5))
    checklist.record_inspection(ws, PACK, SAFE, settings=settings, inspector="李工", inspected_at=INSPECTED)
    checklist.record_inspection(
        ws, OTHER, {**SAFE, "swelling": "fail"}, settings=settings, inspector="李工", inspected_at=INSPECTED
    )
    test, _ = testing.parse_test({**GOOD_TEST, "battery_code": PACK, "tested_at": "2026-11-06 10:00"})
    testing.record_tests(ws, [test], settings=settings)  # type: ignore[list-item]
    modules = disassembly.suggest_part_codes(PACK, 2)
    disassembly.disassemble(
        ws,
        PACK,
        [(c, 140_000) for c in modules],
        scrap_mass_g=20_000,
        settings=settings,
        occurred_at=START.replace(day=7),
    )
    handover.hand_over_for_recycling(
        ws, OTHER, recycler="广东某再生利用企业", recycler_site="REC-GD-01", settings=settings
    )
    return modules


@pytest.mark.parametrize("role", ["technician", "admin", "dispatcher", "regulator"])
def test_workshop_pages_are_in_chinese(client, auth, ws: Session, settings, role: str) -> None:
    """Queue, unit pages, sheet, import, stock, rules, checklist and compliance: no English."""
    modules = _day_of_work(ws, settings)
    auth.login(role)
    urls = [
        "/workshop/",
        "/workshop/?done=1",
        f"/workshop/units/{PACK}",
        f"/workshop/units/{OTHER}",
        f"/workshop/units/{modules[0]}",
        f"/workshop/units/{OTHER}/handover-sheet",
        "/workshop/stock",
        "/workshop/rules",
        "/workshop/checklist",
        "/workshop/compliance",
        "/workshop/units/S01PBA12026001K1A0000000",
    ]
    if role in ("technician", "admin"):
        urls.append("/workshop/tests/import")
    offending = {}
    for url in urls:
        answer = client.get(url)
        assert answer.status_code in (200, 404), url
        # The fixture's users are called "<role> user" (the demo's have Chinese names).
        words = sorted(set(foreign_words(visible_text(answer.get_data(as_text=True)))) - {role, "user"})
        if words:
            offending[url] = words
    assert offending == {}
