"""200 residents booking the last 10 places of one slot at the same instant, through gunicorn.

Section ``booking-slot-race-<backend>`` of the figures table: ``accepted`` must be 10,
every other answer a refusal saying "full", ``oversold`` (bookings beyond the slot's
capacity, counted in the database) 0, and nothing lost, duplicated or answered 5xx.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import requests
from sqlmodel import Session, func, select

from reliability.figures import report
from reliability.server import serve
from traceability.deadlines import CHINA_TZ
from webapp.auth.operations import hash_password
from webapp.db import make_engine, scratch_postgres, upgrade
from webapp.models import Material
from webapp.models._types import utcnow
from webapp.models.residents import Booking, ResidentAddress, Slot
from webapp.residents import accounts
from webapp.seed import seed_materials

RESIDENTS = 200
LAST_PLACES = 10
CAPACITY = 200
PASSWORD = "race-resident-1"
HOME = (114.0603, 22.5383)
_CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


@contextmanager
def own_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database of this run's backend, for this race only."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'bookings.db'}"
        upgrade(url)
        yield url
        return
    with scratch_postgres(os.environ["DATABASE_URL"], prefix="reloop_bookings") as url:
        yield url


def _arrange(session: Session) -> tuple[int, int, list[tuple[str, int]]]:
    """A slot tomorrow with its last 10 places free; 200 residents with an address each."""
    seed_materials(session)
    area = next(a for a in accounts.ensure_service_areas(session) if a.district == "futian")
    start = (
        (utcnow() + timedelta(days=1))
        .astimezone(CHINA_TZ)
        .replace(hour=10, minute=0, second=0, microsecond=0)
    )
    slot = Slot(
        service_area_id=area.id,  # type: ignore[arg-type]
        day=start.date(),
        start=start.time(),
        end=(start + timedelta(hours=2)).time(),
        capacity=CAPACITY,
        booked=CAPACITY - LAST_PLACES,
    )
    session.add(slot)
    digest = hash_password(PASSWORD)  # one hash for all: the race is about slots, not scrypt
    people = []
    for number in range(RESIDENTS):
        account = accounts.create_resident(session, f"134{number:08d}", PASSWORD, password_hash=digest)
        address = ResidentAddress(
            resident_id=account.id,  # type: ignore[arg-type]
            service_area_id=area.id,  # type: ignore[arg-type]
            detail=f"race {number}",
            district="futian",
            lon=HOME[0],
            lat=HOME[1],
        )
        session.add(address)
        session.flush()
        people.append((account.phone or "", address.id))
    session.commit()
    material = session.exec(select(Material.id).order_by(Material.id)).first()
    return slot.id, material, people  # type: ignore[return-value]


def _logged_in(url: str, phone: str) -> tuple[requests.Session, str]:
    """A resident's browser session through the login form, and a CSRF token for posting."""
    browser = requests.Session()
    token = _CSRF.search(browser.get(f"{url}/login", timeout=60).text)
    assert token, "the login form has no CSRF token"
    answer = browser.post(
        f"{url}/login",
        data={"csrf_token": token.group(1), "username": phone, "password": PASSWORD},
        allow_redirects=False,
        timeout=60,
    )
    assert answer.status_code == 302, f"login of {phone} failed with HTTP {answer.status_code}"
    browser.get(f"{url}/lang/en", timeout=60)  # the refusals are read for the word "full"
    page = browser.get(f"{url}/r/book", timeout=60)
    token = _CSRF.search(page.text)
    assert token, "the booking form has no CSRF token"
    return browser, token.group(1)


def test_two_hundred_bookings_for_the_last_ten_places(backend: str, tmp_path: Path, cache_dir: Path) -> None:
    """200 bookings at once for 10 places: exactly 10 accepted, 190 refused 'full', none oversold."""
    with own_database(backend, tmp_path) as url:
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            slot_id, material_id, people = _arrange(session)
        with serve(url, tmp_path / "instance", workers=4, env={"RELOOP_CACHE_DIR": str(cache_dir)}) as server:
            with ThreadPoolExecutor(max_workers=8) as pool:
                sessions = list(pool.map(lambda person: _logged_in(server.url, person[0]), people))
            gate = threading.Barrier(RESIDENTS)
            answers: list[tuple[int, dict]] = [(0, {})] * RESIDENTS

            def book(index: int) -> None:
                browser, token = sessions[index]
                form = {
                    "csrf_token": token,
                    "address_id": people[index][1],
                    "slot_id": slot_id,
                    "material": material_id,
                    f"bags_{material_id}": 1,
                }
                gate.wait(timeout=120)
                try:
                    answer = browser.post(
                        f"{server.url}/r/book",
                        data=form,
                        headers={"Accept": "application/json"},
                        timeout=120,
                    )
                except requests.RequestException as exc:
                    answers[index] = (0, {"error": str(exc)})
                    return
                try:
                    answers[index] = (answer.status_code, answer.json())
                except ValueError:
                    answers[index] = (answer.status_code, {"text": answer.text[:200]})

            threads = [threading.Thread(target=book, args=(i,)) for i in range(RESIDENTS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        with Session(engine) as session:
            slot = session.get(Slot, slot_id)
            assert slot is not None
            ids = session.exec(select(Booking.id).where(Booking.slot_id == slot_id)).all()
            rows = session.exec(select(func.count()).select_from(Booking)).one()
        engine.dispose()
    statuses = Counter(status for status, _ in answers)
    accepted_ids = [body.get("id") for status, body in answers if status == 201]
    full = sum(
        1
        for status, body in answers
        if status == 422 and any("full" in e.get("message", "") for e in body.get("errors", []))
    )
    figures = {
        "requests": RESIDENTS,
        "accepted": len(accepted_ids),
        "refused_full": full,
        "oversold": max(0, slot.booked - slot.capacity) + max(0, len(ids) - LAST_PLACES),
        "lost": len(set(accepted_ids) - set(ids)),
        "duplicated": len(ids) - len(set(accepted_ids) & set(ids)) if len(ids) > len(accepted_ids) else 0,
        "server_errors": sum(n for status, n in statuses.items() if status >= 500 or status == 0),
        "answers": "/".join(f"{status}:{n}" for status, n in sorted(statuses.items())),
        "slot_booked": f"{slot.booked}/{slot.capacity}",
    }
    report(f"booking-slot-race-{backend}", **figures)
    assert (figures["accepted"], figures["refused_full"], figures["oversold"]) == (10, 190, 0), figures
    assert (figures["lost"], figures["duplicated"], figures["server_errors"]) == (0, 0, 0), figures
    assert rows == LAST_PLACES and slot.booked == CAPACITY
