"""Kiosk deposits: store once per deposit id, hold the suspicious, credit the rest, fill the kiosk.

:func:`record_deposits` writes a whole batch in the caller's transaction or raises;
the caller commits. A deposit is held for review (stored, not credited) when its
weight is an outlier, its photo was seen before, or it would take its resident or its
kiosk over the day's cap; :func:`review_deposit` approves (credits) or rejects it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from traceability.deadlines import CHINA_TZ
from webapp.changelog import record
from webapp.kiosk import ledger
from webapp.kiosk.deposits import DepositIn
from webapp.models import Material, Outlet, ReadingSource
from webapp.models.points import DepositReview, HoldReason, Kiosk, KioskDeposit, PointsEntry
from webapp.models.residents import ResidentAccount
from webapp.outlets.operations import record_fill


@dataclass(frozen=True)
class Limits:
    """Fraud controls and redemption terms; each from ``RELOOP_KIOSK_<NAME>`` when set."""

    resident_daily_g: int = 50_000
    kiosk_daily_g: int = 1_000_000
    outlier_g: int = 30_000
    fen_per_point: int = 1
    min_cash_out_points: int = 100

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Limits:
        """Read overrides; a value that is not a positive whole number names its variable."""
        values: dict[str, int] = {}
        for name in cls.__dataclass_fields__:
            variable = f"RELOOP_KIOSK_{name.upper()}"
            if variable in env:
                text = env[variable].strip()
                if not text.isdigit() or int(text) <= 0:
                    raise ValueError(f"{variable} must be a positive whole number, not {text!r}")
                values[name] = int(text)
        return cls(**values)


class DepositError(ValueError):
    """A deposit was refused; ``field`` names the input and ``index`` its place in the batch."""

    def __init__(self, index: int | None, field: str, message: str, *, conflict: bool = False) -> None:
        self.index, self.field, self.message, self.conflict = index, field, message, conflict
        super().__init__(f"{field}: {message}")

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


class DepositsRefusedError(ValueError):
    """Some deposits of a batch were refused: nothing was stored."""

    def __init__(self, errors: Sequence[DepositError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in errors))

    @property
    def status(self) -> int:
        """409 when every problem is a reused deposit id, else 422."""
        return 409 if all(e.conflict for e in self.errors) else 422


@dataclass
class DepositResult:
    """What the kiosk is told about one deposit."""

    deposit: KioskDeposit
    created: bool
    points: int
    balance: int
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        held = self.deposit.hold_reason
        return {
            "deposit_id": self.deposit.deposit_id,
            "id": self.deposit.id,
            "status": "created" if self.created else "duplicate",
            "state": "held" if held else "credited",
            "hold_reason": held.value if held else None,
            "points": self.points,
            "balance": self.balance,
        }


def find_resident(session: Session, *, card: str | None, qr: str | None) -> ResidentAccount | None:
    """The open account with this card number, or whose QR secret the QR text carries.

    A QR text is the bare secret or ends with it after a ``:``, ``/`` or ``=``
    (``reloop:resident:<secret>``, a URL ending ``?r=<secret>``).
    """
    if card is not None:
        condition = ResidentAccount.card_no == card.strip()
    else:
        text = (qr or "").strip()
        for mark in (":", "/", "="):
            text = text.rsplit(mark, 1)[-1]
        condition = ResidentAccount.qr_secret == text
    return session.exec(
        select(ResidentAccount).where(condition, col(ResidentAccount.closed_at).is_(None))
    ).first()


def kiosk_of_token(session: Session, token_id: int) -> Kiosk | None:
    """The active kiosk a token is registered to."""
    return session.exec(select(Kiosk).where(Kiosk.token_id == token_id, col(Kiosk.active).is_(True))).first()


def record_deposits(
    session: Session,
    kiosk: Kiosk,
    deposits: Sequence[tuple[int, DepositIn]],
    *,
    limits: Limits,
    token_id: int,
) -> list[DepositResult]:
    """Store, check and credit a batch (no commit); raises :class:`DepositsRefusedError`."""
    outlet = session.get(Outlet, kiosk.outlet_id)
    materials = {m.code: m for m in session.exec(select(Material).where(col(Material.active).is_(True)))}
    stored = {
        d.deposit_id: d
        for d in session.exec(
            select(KioskDeposit).where(col(KioskDeposit.deposit_id).in_([d.deposit_id for _i, d in deposits]))
        )
    }
    errors: list[DepositError] = []
    todo: list[tuple[int, DepositIn, ResidentAccount, Material]] = []
    results: dict[int, DepositResult] = {}
    seen: dict[str, str] = {}
    for index, item in deposits:
        if seen.setdefault(item.deposit_id, item.fingerprint()) != item.fingerprint():
            errors.append(_conflict(index, item.deposit_id))
            continue
        if item.deposit_id in stored:
            old = stored[item.deposit_id]
            if old.body_sha256 != item.fingerprint() or old.kiosk_id != kiosk.id:
                errors.append(_conflict(index, item.deposit_id))
            else:
                results[index] = _replay(session, old)
            continue
        resident = find_resident(session, card=item.resident_card, qr=item.resident_qr)
        material = materials.get(item.material)
        if resident is None:
            name = "resident_card" if item.resident_card is not None else "resident_qr"
            errors.append(DepositError(index, name, "no open resident account has this card or QR code"))
        if material is None:
            errors.append(DepositError(index, "material", f"unknown material {item.material!r}"))
        if resident is not None and material is not None:
            todo.append((index, item, resident, material))
    if errors:
        raise DepositsRefusedError(errors)
    for resident_id in sorted({r.id for _i, _d, r, _m in todo}):
        ledger.lock_resident(session, resident_id)  # type: ignore[arg-type]
    for index, item, resident, material in todo:
        if item.deposit_id in {r.deposit.deposit_id for r in results.values()}:
            continue
        results[index] = _store(
            session, kiosk, outlet, item, resident, material, limits=limits, token_id=token_id
        )
    return [results[index] for index in sorted(results)]


def _conflict(index: int, deposit_id: str) -> DepositError:
    return DepositError(
        index, "deposit_id", f"deposit {deposit_id} was already stored with other content", conflict=True
    )


def _replay(session: Session, deposit: KioskDeposit) -> DepositResult:
    credited = session.exec(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.key.like(f"credit:deposit:{deposit.deposit_id}:%")  # type: ignore[attr-defined]
        )
    ).one()
    return DepositResult(deposit, False, int(credited), ledger.balance(session, deposit.resident_id))


def _store(
    session: Session,
    kiosk: Kiosk,
    outlet: Outlet | None,
    item: DepositIn,
    resident: ResidentAccount,
    material: Material,
    *,
    limits: Limits,
    token_id: int,
) -> DepositResult:
    hold = _hold_reason(session, kiosk, item, resident, limits)
    deposit = KioskDeposit(
        org_id=kiosk.org_id,
        deposit_id=item.deposit_id,
        kiosk_id=kiosk.id,  # type: ignore[arg-type]
        resident_id=resident.id,  # type: ignore[arg-type]
        material_id=material.id,  # type: ignore[arg-type]
        grams=item.grams,
        kiosk_time=item.kiosk_time,
        photo_sha256=item.photo_sha256,
        body_sha256=item.fingerprint(),
        hold_reason=hold,
        token_id=token_id,
    )
    session.add(deposit)
    session.flush()
    points = 0
    if hold is None:
        points = sum(e.points for e in _credit(session, deposit, material.code))
    if outlet is not None:
        _fill(session, outlet, material, item, token_id)
    return DepositResult(deposit, True, points, ledger.balance(session, resident.id))  # type: ignore[arg-type]


def _credit(session: Session, deposit: KioskDeposit, material_code: str) -> list[PointsEntry]:
    return ledger.credit_for_collection(
        session,
        deposit.resident_id,
        material_code,
        deposit.grams,
        f"deposit:{deposit.deposit_id}",
        deposit.kiosk_time,
        org_id=deposit.org_id,
    )


def _hold_reason(
    session: Session, kiosk: Kiosk, item: DepositIn, resident: ResidentAccount, limits: Limits
) -> HoldReason | None:
    if item.grams > limits.outlier_g:
        return HoldReason.OUTLIER
    if (
        item.photo_sha256
        and session.exec(
            select(KioskDeposit.id).where(KioskDeposit.photo_sha256 == item.photo_sha256)
        ).first()
    ):
        return HoldReason.PHOTO_REPEAT
    day = item.kiosk_time.astimezone(CHINA_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    credited = select(func.coalesce(func.sum(KioskDeposit.grams), 0)).where(
        col(KioskDeposit.hold_reason).is_(None),
        KioskDeposit.kiosk_time >= day,
        KioskDeposit.kiosk_time < day + timedelta(days=1),
    )
    if session.exec(credited.where(KioskDeposit.resident_id == resident.id)).one() + item.grams > (
        limits.resident_daily_g
    ):
        return HoldReason.RESIDENT_CAP
    kiosk_cap = kiosk.daily_cap_g or limits.kiosk_daily_g
    if session.exec(credited.where(KioskDeposit.kiosk_id == kiosk.id)).one() + item.grams > kiosk_cap:
        return HoldReason.KIOSK_CAP
    return None


def _fill(session: Session, outlet: Outlet, material: Material, item: DepositIn, token_id: int) -> None:
    """Raise the kiosk's fill by the deposit's volume (weight over the material's bulk density)."""
    litres = item.grams / material.density_kg_m3  # g / (kg/m3) = litres
    fill = min(100.0, (outlet.last_fill_pct or 0.0) + 100.0 * litres / outlet.capacity_l)
    reading_id = f"kiosk:{item.deposit_id}"
    if len(reading_id) > 64:
        reading_id = "kiosk:" + hashlib.sha256(item.deposit_id.encode()).hexdigest()[:40]
    record_fill(
        session,
        outlet,
        reading_id=reading_id,
        fill_pct=fill,
        measured_at=item.kiosk_time,
        source=ReadingSource.SENSOR,
        token_id=token_id,
    )


def held_deposits(session: Session, *, limit: int = 200) -> list[KioskDeposit]:
    """Held deposits with no review yet, oldest first."""
    reviewed = select(DepositReview.deposit_id)
    return list(
        session.exec(
            select(KioskDeposit)
            .where(col(KioskDeposit.hold_reason).is_not(None), col(KioskDeposit.id).not_in(reviewed))
            .order_by(col(KioskDeposit.received_at), col(KioskDeposit.id))
            .limit(limit)
        ).all()
    )


def review_deposit(
    session: Session, deposit_id: int, *, approve: bool, reason: str, reviewer_id: int | None
) -> DepositReview:
    """Approve (credit now, at the deposit's price) or reject a held deposit, once (no commit)."""
    deposit = session.get(KioskDeposit, deposit_id)
    if deposit is None or deposit.hold_reason is None:
        raise ledger.LedgerError("deposit", "no held deposit with this id")
    if not approve and not reason.strip():
        raise ledger.LedgerError("reason", "say why the deposit is rejected")
    ledger.lock_resident(session, deposit.resident_id)
    if session.exec(select(DepositReview).where(DepositReview.deposit_id == deposit_id)).first():
        raise ledger.LedgerError("deposit", "this deposit was reviewed already")
    review = DepositReview(
        deposit_id=deposit_id, approved=approve, reason=reason.strip()[:255], reviewer_id=reviewer_id
    )
    session.add(review)
    session.flush()
    if approve:
        material = session.get(Material, deposit.material_id)
        _credit(session, deposit, material.code)  # type: ignore[union-attr]
    record(
        session,
        "approve" if approve else "reject",
        deposit,
        after={"reason": review.reason},
        user_id=reviewer_id,
    )
    return review


def register_kiosk(
    session: Session, *, outlet: Outlet, serial: str, token_id: int | None, daily_cap_g: int | None = None
) -> Kiosk:
    """Add a kiosk to the registry (no commit): a kiosk outlet, its serial and its token."""
    from webapp.models import OutletKind

    if outlet.kind != OutletKind.KIOSK:
        raise ledger.LedgerError("outlet", f"outlet {outlet.code} is not a kiosk")
    if not serial.strip():
        raise ledger.LedgerError("serial", "give the kiosk's serial number")
    row = Kiosk(outlet_id=outlet.id, serial=serial.strip()[:40], token_id=token_id, daily_cap_g=daily_cap_g)  # type: ignore[arg-type]
    row.org_id = outlet.org_id
    session.add(row)
    session.flush()
    return row


def now_shenzhen() -> datetime:
    """Now in Shenzhen."""
    return datetime.now(CHINA_TZ)
