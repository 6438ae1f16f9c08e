"""The demo's kiosks and residents' deposits: prices, registered kiosks, a rewards
catalogue and a year of deposits credited through the points ledger.

Written straight into the tables through the ledger (no HTTP, no fill readings: the
year's fill levels come from the simulated sensors). Runs once: nothing is added when
any kiosk is registered already.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from traceability import CHINA_TZ
from webapp.api.tokens import issue
from webapp.auth.operations import hash_password
from webapp.kiosk import ledger
from webapp.kiosk.deposits import DepositIn
from webapp.models import Material, Outlet, OutletKind, TokenKind
from webapp.models.points import Kiosk, KioskDeposit, RewardItem, RewardStockMove
from webapp.models.residents import ResidentAccount

#: Demo prices (示例价格): fen per kg and points per kg, by material code.
DEMO_PRICES = {
    "paper": (80, 8),
    "plastic": (60, 6),
    "metal": (150, 15),
    "glass": (10, 2),
    "low_value_plastic": (20, 4),
    "composite_packaging": (20, 4),
    "textile": (30, 3),
}
DEMO_REWARDS = (
    ("tote_bag", "环保购物袋", "Tote bag", 300, 2, 200),
    ("dish_soap", "洗洁精", "Dish soap", 500, 2, 200),
    ("rice_5kg", "大米5公斤", "Rice, 5 kg", 3000, 1, 50),
)
DEMO_RESIDENTS = 120


@dataclass
class KioskYear:
    """What the kiosk demo added."""

    kiosks: int = 0
    residents: int = 0
    deposits: int = 0
    points: int = 0


def seed_kiosk_year(session: Session, *, org_id: int, days: int, seed: int, now: datetime) -> KioskYear:
    """Prices from the span's first day, a kiosk per kiosk outlet, demo residents when the
    organisation has none, rewards with stock, and ``days`` days of deposits. Commits."""
    year = start_kiosk_year(session, org_id=org_id, days=days, seed=seed, now=now)
    if year is None:
        return KioskYear()
    for offset in range(days):
        year.day(session, year.first + timedelta(days=offset))
        session.commit()
    return year.found


@dataclass
class KioskDays:
    """The kiosks and residents of the demo, ready to deposit day by day (the year seed
    runs :meth:`day` beside its routes, so a resident's ledger is in time order)."""

    first: date
    kiosks: list[Kiosk]
    residents: list[ResidentAccount]
    materials: dict[str, Material]
    rng: random.Random
    found: KioskYear

    def day(self, session: Session, day: date) -> int:
        """The deposits of ``day`` (staged); how many."""
        if not (self.kiosks and self.residents):
            return 0
        made = _day(session, day, self.kiosks, self.residents, self.materials, self.rng, self.found)
        self.found.deposits += made
        return made


def start_kiosk_year(
    session: Session, *, org_id: int, days: int, seed: int, now: datetime
) -> KioskDays | None:
    """Prices from the span's first day, a kiosk per kiosk outlet, demo residents when the
    organisation has none, and rewards with stock (committed); None when any kiosk is
    registered already (the demo was seeded)."""
    if session.exec(select(Kiosk.id).limit(1)).first() is not None:
        return None
    rng = random.Random(f"reloop-kiosk-year-{seed}")  # nosec B311 # reproducible demo data
    today = now.astimezone(CHINA_TZ).date()
    first = today - timedelta(days=max(days, 1))
    materials = {m.code: m for m in session.exec(select(Material))}
    for code, (fen, points) in DEMO_PRICES.items():
        if code in materials:
            ledger.add_price(
                session,
                material=code,
                fen_per_kg=fen,
                points_per_kg=points,
                valid_from=first,
                note="示例价格",
                org_id=org_id,
            )
    kiosks = _kiosks(session, org_id)
    residents = _residents(session, org_id)
    _rewards(session, org_id)
    session.commit()
    return KioskDays(first, kiosks, residents, materials, rng, KioskYear(len(kiosks), len(residents)))


def _kiosks(session: Session, org_id: int) -> list[Kiosk]:
    outlets = session.exec(
        select(Outlet)
        .where(Outlet.kind == OutletKind.KIOSK, Outlet.org_id == org_id)
        .order_by(col(Outlet.id))
    ).all()
    rows = []
    for outlet in outlets:
        token, _plain = issue(session, name=f"智能回收箱 {outlet.code}", kind=TokenKind.KIOSK, org_id=org_id)
        kiosk = Kiosk(org_id=org_id, outlet_id=outlet.id, serial=f"KX-{outlet.code}", token_id=token.id)  # type: ignore[arg-type]
        session.add(kiosk)
        rows.append(kiosk)
    session.flush()
    return rows


def _residents(session: Session, org_id: int) -> list[ResidentAccount]:
    from webapp.residents.accounts import create_resident

    found = list(session.exec(select(ResidentAccount).where(col(ResidentAccount.closed_at).is_(None))).all())
    if found:
        return found
    digest = hash_password("demo-resident-1")
    for n in range(DEMO_RESIDENTS):
        account = create_resident(session, f"1995{n:07d}", "demo-resident-1", password_hash=digest)
        account.org_id = org_id
        found.append(account)
    session.flush()
    return found


def _rewards(session: Session, org_id: int) -> None:
    for code, zh, en, points, limit, stock in DEMO_REWARDS:
        if session.exec(select(RewardItem.id).where(RewardItem.code == code)).first() is None:
            item = RewardItem(
                org_id=org_id, code=code, name_zh=zh, name_en=en, points=points, monthly_limit=limit
            )
            session.add(item)
            session.flush()
            session.add(RewardStockMove(item_id=item.id, quantity=stock, note="demo stock"))  # type: ignore[arg-type]


def _day(
    session: Session,
    day: date,
    kiosks: list[Kiosk],
    residents: list[ResidentAccount],
    materials: dict[str, Material],
    rng: random.Random,
    found: KioskYear,
) -> int:
    """A few deposits per kiosk between 07:00 and 21:00 (Shenzhen), each credited."""
    codes = [c for c in DEMO_PRICES if c in materials]
    written = 0
    for kiosk in kiosks:
        for n in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
            moment = datetime.combine(day, time(7), CHINA_TZ) + timedelta(minutes=rng.randint(0, 14 * 60))
            resident = rng.choice(residents)
            code = rng.choice(codes)
            grams = rng.randint(300, 6000)
            deposit_id = f"demo-{kiosk.serial}-{day:%Y%m%d}-{n}"
            body = DepositIn(deposit_id, resident.card_no, None, code, grams, moment, "")
            deposit = KioskDeposit(
                org_id=kiosk.org_id,
                deposit_id=deposit_id,
                kiosk_id=kiosk.id,  # type: ignore[arg-type]
                resident_id=resident.id,  # type: ignore[arg-type]
                material_id=materials[code].id,  # type: ignore[arg-type]
                grams=grams,
                kiosk_time=moment,
                photo_sha256=hashlib.sha256(deposit_id.encode()).hexdigest(),
                body_sha256=body.fingerprint(),
                token_id=kiosk.token_id,
            )
            session.add(deposit)
            session.flush()
            for entry in ledger.credit_for_collection(
                session,
                resident.id,
                code,
                grams,
                f"deposit:{deposit_id}",
                moment,
                org_id=kiosk.org_id,  # type: ignore[arg-type]
            ):
                found.points += entry.points
            written += 1
    return written
