"""The points ledger: residents' prices in force, credits, reversals, redemptions, balances.

The public API other areas call (doorstep collections credit through
:func:`credit_for_collection`, the resident app shows :func:`balance`,
:func:`history` and :func:`resident_prices`). Nothing here commits: the caller's
transaction writes the ledger rows together with what caused them, or nothing.

Every write to one resident's ledger first takes that resident's lock
(:func:`lock_resident`: a PostgreSQL advisory lock, SQLite's write lock), then numbers
its row ``max(seq) + 1``. The balance read under the lock is the balance the row is
written against, so two redemptions of the same points cannot both pass; the unique
``(resident_id, seq)`` makes the database refuse a second writer even if one skipped
the lock.

Amounts: points = grams x points per kg / 1000, fen = grams x fen per kg / 1000, both
rounded half up to a whole number (a 499 g deposit at 10 points/kg is 5 points).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func
from sqlmodel import Session, col, select

from traceability.deadlines import CHINA_TZ
from webapp.db import lock_for_write
from webapp.models import Material
from webapp.models.points import EntryKind, PointsEntry, ResidentPrice

# "RLPT" in ASCII: the advisory-lock class of the points ledger (the resident id is the object).
LOCK_CLASS = 0x524C5054
#: A single credit beyond this many grams (1 t) is a typo or an attack, not a deposit.
MAX_GRAMS = 1_000_000


class LedgerError(ValueError):
    """A ledger write was refused; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class InsufficientPointsError(LedgerError):
    """A redemption asked for more points than the balance holds."""


@dataclass(frozen=True)
class PriceLine:
    """A material's resident price in force on a day."""

    price_id: int
    material_id: int
    material_code: str
    name_zh: str
    name_en: str
    fen_per_kg: int
    points_per_kg: int
    valid_from: date

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


def shenzhen_day(moment: datetime) -> date:
    """The Shenzhen calendar day of an aware moment."""
    return moment.astimezone(CHINA_TZ).date()


def per_kg(grams: int, rate: int) -> int:
    """``grams`` at ``rate`` per kilogram, rounded half up to a whole unit."""
    return (grams * rate + 500) // 1000


class PriceHistory:
    """Resident prices by material id; the row in force on a day is the last one by
    ``valid_from``, the organisation's own row over a shared one, then the newest."""

    def __init__(self, rows: Iterable[ResidentPrice]) -> None:
        grouped: dict[int, list[ResidentPrice]] = defaultdict(list)
        for row in rows:
            grouped[row.material_id].append(row)
        self._rows = {
            k: sorted(v, key=lambda r: (r.valid_from, r.org_id is not None, r.id)) for k, v in grouped.items()
        }
        self._days = {k: [r.valid_from for r in v] for k, v in self._rows.items()}

    def on(self, material_id: int, day: date) -> ResidentPrice | None:
        """The row in force for ``material_id`` on ``day`` (None before the first)."""
        days = self._days.get(material_id)
        index = bisect_right(days, day) if days else 0
        return self._rows[material_id][index - 1] if index else None


def price_history(session: Session, org_id: int | None = None) -> PriceHistory:
    """Resident prices by material id, for looking up the row in force on any day."""
    query = select(ResidentPrice)
    if org_id is not None:
        query = query.where((col(ResidentPrice.org_id).is_(None)) | (ResidentPrice.org_id == org_id))
    return PriceHistory(session.exec(query).all())


def resident_prices(session: Session, on_date: date, *, org_id: int | None = None) -> list[PriceLine]:
    """The price list residents see on ``on_date``: each active material with a price in force."""
    history = price_history(session, org_id)
    materials = session.exec(
        select(Material)
        .where(col(Material.active).is_(True))
        .order_by(col(Material.sort_order), col(Material.id))
    ).all()
    lines = []
    for material in materials:
        row = history.on(material.id, on_date)
        if row is not None:
            lines.append(
                PriceLine(
                    row.id,
                    material.id,  # type: ignore[arg-type]
                    material.code,
                    material.name_zh,
                    material.name_en,
                    row.fen_per_kg,
                    row.points_per_kg,
                    row.valid_from,
                )
            )
    return lines


def add_price(
    session: Session,
    *,
    material: str,
    fen_per_kg: int,
    points_per_kg: int,
    valid_from: date,
    note: str = "",
    actor_id: int | None = None,
    org_id: int | None = None,
) -> ResidentPrice:
    """Record a new price for ``material`` from ``valid_from`` on (no commit).

    Earlier rows stay and keep applying to the days before; credits already written
    keep the price they were written with.
    """
    material_id = _material_id(session, material)
    for field, value in (("fen_per_kg", fen_per_kg), ("points_per_kg", points_per_kg)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1_000_000:
            raise LedgerError(field, "must be a whole number from 0 to 1,000,000")
    row = ResidentPrice(
        material_id=material_id,
        fen_per_kg=fen_per_kg,
        points_per_kg=points_per_kg,
        valid_from=valid_from,
        note=note.strip()[:255],
        created_by_id=actor_id,
        org_id=org_id,
    )
    session.add(row)
    session.flush()
    return row


def lock_resident(session: Session, resident_id: int) -> None:
    """Serialize writes to one resident's ledger until the transaction ends."""
    lock_for_write(session, LOCK_CLASS, resident_id)


def balance(session: Session, resident_id: int) -> int:
    """The resident's points: the sum of their ledger rows."""
    total = session.exec(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(PointsEntry.resident_id == resident_id)
    ).one()
    return int(total)


def history(session: Session, resident_id: int, *, limit: int = 50) -> list[PointsEntry]:
    """The resident's latest ledger rows, newest first."""
    return list(
        session.exec(
            select(PointsEntry)
            .where(PointsEntry.resident_id == resident_id)
            .order_by(col(PointsEntry.seq).desc())
            .limit(limit)
        ).all()
    )


def by_key(session: Session, key: str) -> PointsEntry | None:
    """The ledger row written under ``key``, if any."""
    return session.exec(select(PointsEntry).where(PointsEntry.key == key)).first()


def append(session: Session, entry: PointsEntry) -> PointsEntry:
    """Number ``entry`` after the resident's last row and add it (the caller holds the lock)."""
    last = session.exec(
        select(func.max(PointsEntry.seq)).where(PointsEntry.resident_id == entry.resident_id)
    ).one()
    entry.seq = (last or 0) + 1
    session.add(entry)
    session.flush()
    return entry


def credit_for_collection(
    session: Session,
    resident_id: int,
    material_code: str,
    grams: int,
    source_ref: str,
    at: datetime,
    *,
    org_id: int | None = None,
    actor_id: int | None = None,
) -> list[PointsEntry]:
    """Credit a resident for ``grams`` of a material collected at ``at`` (no commit).

    The price is the one in force on the Shenzhen day of ``at``. Idempotent by
    ``(source_ref, material_code)``: a repeat returns the rows of the first call, and
    the same reference with another weight is refused. No price in force, or an amount
    worth no points, credits nothing (an empty list).
    """
    if not isinstance(grams, int) or isinstance(grams, bool) or not 0 < grams <= MAX_GRAMS:
        raise LedgerError("grams", f"must be a whole number of grams from 1 to {MAX_GRAMS:,}")
    if not source_ref or len(source_ref) > 120:
        raise LedgerError("source_ref", "must name what the credit is for (at most 120 characters)")
    if at.tzinfo is None:
        raise LedgerError("at", "needs a time zone")
    material_id = _material_id(session, material_code)
    lock_resident(session, resident_id)
    key = f"credit:{source_ref}:{material_code}"
    existing = by_key(session, key)
    if existing is not None:
        if existing.grams != grams or existing.resident_id != resident_id:
            raise LedgerError("source_ref", f"{source_ref} was already credited with another weight")
        return [existing]
    price = price_history(session, org_id).on(material_id, shenzhen_day(at))
    if price is None or per_kg(grams, price.points_per_kg) == 0:
        return []
    entry = PointsEntry(
        org_id=org_id,
        resident_id=resident_id,
        seq=0,
        kind=EntryKind.CREDIT,
        points=per_kg(grams, price.points_per_kg),
        key=key,
        source_ref=source_ref,
        material_id=material_id,
        grams=grams,
        fen=per_kg(grams, price.fen_per_kg),
        price_id=price.id,
        at=at,
        created_by_id=actor_id,
    )
    return [append(session, entry)]


def reverse(
    session: Session, entry_id: int, *, reason: str, actor_id: int | None = None, at: datetime | None = None
) -> PointsEntry:
    """Cancel a ledger row by a new row of the opposite points (no commit); once per row."""
    original = session.get(PointsEntry, entry_id)
    if original is None:
        raise LedgerError("entry_id", f"no ledger row {entry_id}")
    if not reason.strip():
        raise LedgerError("reason", "say why the row is reversed")
    lock_resident(session, original.resident_id)
    if original.kind == EntryKind.REVERSAL:
        raise LedgerError("entry_id", "a reversal is not reversed; credit or redeem anew")
    if by_key(session, f"reversal:{original.id}") is not None:
        raise LedgerError("entry_id", f"ledger row {entry_id} is reversed already")
    entry = PointsEntry(
        org_id=original.org_id,
        resident_id=original.resident_id,
        seq=0,
        kind=EntryKind.REVERSAL,
        points=-original.points,
        key=f"reversal:{original.id}",
        source_ref=original.source_ref,
        material_id=original.material_id,
        grams=original.grams,
        fen=-original.fen if original.fen is not None else None,
        reverses_id=original.id,
        note=reason.strip()[:255],
        at=at or datetime.now(CHINA_TZ),
        created_by_id=actor_id,
    )
    return append(session, entry)


def reverse_source(
    session: Session, source_ref: str, *, reason: str, actor_id: int | None = None
) -> list[PointsEntry]:
    """Reverse every credit written for ``source_ref`` not reversed yet (a corrected collection)."""
    credits = session.exec(
        select(PointsEntry).where(PointsEntry.source_ref == source_ref, PointsEntry.kind == EntryKind.CREDIT)
    ).all()
    return [
        reverse(session, c.id, reason=reason, actor_id=actor_id)  # type: ignore[arg-type]
        for c in credits
        if by_key(session, f"reversal:{c.id}") is None
    ]


def debit(
    session: Session,
    resident_id: int,
    points: int,
    *,
    key: str,
    source_ref: str,
    fen: int | None = None,
    note: str = "",
    org_id: int | None = None,
    actor_id: int | None = None,
) -> PointsEntry:
    """Take ``points`` from the balance for a redemption (no commit); refused above the balance."""
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise LedgerError("points", "must be a positive whole number")
    lock_resident(session, resident_id)
    held = balance(session, resident_id)
    if points > held:
        raise InsufficientPointsError(
            "points", _("%(asked)s points asked, the balance is %(held)s", asked=points, held=held)
        )
    entry = PointsEntry(
        org_id=org_id,
        resident_id=resident_id,
        seq=0,
        kind=EntryKind.REDEMPTION,
        points=-points,
        key=key,
        source_ref=source_ref,
        fen=fen,
        note=note[:255],
        at=datetime.now(CHINA_TZ),
        created_by_id=actor_id,
    )
    return append(session, entry)


def verify(session: Session) -> list[str]:
    """Problems of the ledger as a whole: empty when every resident's rows run 1..n with
    no gap or repeat and no balance is below zero."""
    rows = session.exec(
        select(
            PointsEntry.resident_id,
            func.count(),
            func.min(PointsEntry.seq),
            func.max(PointsEntry.seq),
            func.sum(PointsEntry.points),
        ).group_by(PointsEntry.resident_id)
    ).all()
    problems = []
    for resident_id, count, first, last, total in rows:
        if first != 1 or last != count:
            problems.append(f"resident {resident_id}: {count} rows numbered {first}..{last}")
        if total < 0:
            problems.append(f"resident {resident_id}: balance {total} below zero")
    return problems


def _material_id(session: Session, code: str) -> int:
    found = session.exec(select(Material.id).where(Material.code == code)).first()
    if found is None:
        raise LedgerError("material", f"no material with code {code!r}")
    return found
