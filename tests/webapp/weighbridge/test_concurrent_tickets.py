"""Gap-free ticket numbers when operators save at the same moment, some saves failing.

Real threads post the ticket form to the app served on loopback, each request on its
own database connection; the numbers taken must be 1..N for the N saved tickets, with
no gap (a refused save takes no number) and no duplicate. The figures go to
``make reliability``'s table as ``ticket-numbering-<backend>``.
"""

from __future__ import annotations

import requests
from sqlmodel import select

from reliability import figures
from tests.webapp.concurrently import burst, serving
from tests.webapp.conftest import PASSWORD
from webapp.models import Facility, FacilityKind
from webapp.models.weighbridge import WeighTicket

SAVES = 20
FAILING = 6  # tare above gross: refused after the lock is taken


def _login(url: str) -> dict[str, str]:
    with requests.Session() as session:
        response = session.post(
            url + "/login", data={"username": "weighbridge", "password": PASSWORD}, timeout=60
        )
        assert response.status_code in (200, 302)
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in session.cookies.items())}


def test_concurrent_saves_leave_no_gap_and_no_duplicate(app, db, world) -> None:
    """20 good and 6 refused saves at once, across two facilities: numbers 1..n per facility, 5xx none."""
    second = Facility(
        code="TS2", name="福田中转站", kind=FacilityKind.TRANSFER_STATION, lon=114.05, lat=22.53
    )
    db.add(second)
    db.commit()
    total = SAVES + FAILING
    with serving(app) as url:
        cookie = _login(url)

        def send(n: int) -> int:
            facility = world.centre.id if n % 2 == 0 else second.id
            tare = "12000" if n < FAILING else ""
            body = {
                "direction": "in",
                "vehicle_id": str(world.truck.id),
                "gross_kg": str(9000 + n),
                "tare_kg": tare,
            }
            response = requests.post(
                f"{url}/weighbridge/tickets/new?facility_id={facility}",
                data=body,
                headers=cookie,
                allow_redirects=False,
                timeout=120,
            )
            return response.status_code

        statuses = burst(total, send)
    db.expire_all()
    rows = list(db.exec(select(WeighTicket)))
    gaps = duplicates = 0
    for facility in {r.facility_id for r in rows}:
        seqs = sorted(r.seq for r in rows if r.facility_id == facility)
        duplicates += len(seqs) - len(set(seqs))
        gaps += max(seqs) - len(set(seqs))
    figures.report(
        f"ticket-numbering-{db.get_bind().dialect.name}",
        requests=total,
        duplicated=duplicates,
        server_errors=sum(s >= 500 for s in statuses),
        gaps=gaps,
        saved=len(rows),
        refused=sum(s == 422 for s in statuses),
    )
    assert sorted(statuses) == [303] * SAVES + [422] * FAILING, statuses
    assert (len(rows), gaps, duplicates) == (SAVES, 0, 0)
    assert len({(r.facility_id, r.number) for r in rows}) == SAVES
