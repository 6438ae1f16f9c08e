"""Buyers' licences kept as history: the licence in force on a day, and recording a new one.

A licence (number, expiry, the materials it covers) is evidence a sale was lawful, so it
is never overwritten: a renewal or a correction is a new ``buyer_licence`` row from its
``valid_from`` day on, with who recorded it. A sale is checked against the row in force
on the sale's day (the latest ``valid_from`` on or before it; the later row of a day
wins). The buyer row and its ``buyer_material`` links repeat the newest licence so that
lists need not read the history; :func:`record_licence` is the one writer of both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, col, select

from webapp.models.sorting import Buyer, BuyerLicence, BuyerMaterial


def in_force(session: Session, buyer_id: int, day: date) -> BuyerLicence | None:
    """The buyer's licence in force on ``day``, or None before its first one."""
    return session.exec(
        select(BuyerLicence)
        .where(BuyerLicence.buyer_id == buyer_id, col(BuyerLicence.valid_from) <= day)
        .order_by(col(BuyerLicence.valid_from).desc(), col(BuyerLicence.id).desc())
    ).first()


def history(session: Session, buyer_id: int) -> list[BuyerLicence]:
    """The buyer's licences, newest first."""
    return list(
        session.exec(
            select(BuyerLicence)
            .where(BuyerLicence.buyer_id == buyer_id)
            .order_by(col(BuyerLicence.valid_from).desc(), col(BuyerLicence.id).desc())
        )
    )


def record_licence(
    session: Session,
    buyer: Buyer,
    *,
    licence_no: str,
    licence_expiry: date,
    materials: Sequence[str],
    material_ids: dict[str, int],
    valid_from: date,
    note: str = "",
    actor_id: int | None = None,
) -> BuyerLicence:
    """Append a licence row for a validated buyer and bring the buyer's copy of the newest
    licence in step; flushes, the caller commits."""
    codes = sorted(dict.fromkeys(materials))
    row = BuyerLicence(
        org_id=buyer.org_id,
        buyer_id=buyer.id,  # type: ignore[arg-type]
        licence_no=licence_no.strip()[:64],
        licence_expiry=licence_expiry,
        materials=codes,
        valid_from=valid_from,
        note=note.strip()[:200],
        recorded_by_id=actor_id,
    )
    session.add(row)
    session.flush()
    newest = history(session, buyer.id)[0]  # type: ignore[arg-type]
    buyer.licence_no, buyer.licence_expiry = newest.licence_no, newest.licence_expiry
    wanted = {material_ids[c] for c in newest.materials if c in material_ids}
    links = list(session.exec(select(BuyerMaterial).where(BuyerMaterial.buyer_id == buyer.id)))
    for link in links:
        if link.material_id not in wanted:
            session.delete(link)
    for material_id in sorted(wanted - {link.material_id for link in links}):
        session.add(BuyerMaterial(buyer_id=buyer.id, material_id=material_id))  # type: ignore[arg-type]
    session.add(buyer)
    session.flush()
    return row
