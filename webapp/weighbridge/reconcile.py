"""Reconciliation: the drivers' recorded weights beside the weighbridge's net, per trip,
driver and day.

A trip is over tolerance when ``|net - collected| * 1000 > tolerance_permille *
collected`` (integer arithmetic, no rounding); a weighed load with no recorded pickup
at all is always over. The tolerance is the facility's on the ticket's day
(:mod:`webapp.weighbridge.tolerance`), else the setting
``RELOOP_WEIGHBRIDGE_TOLERANCE_PERMILLE`` (30 ‰ = 3 % by default), passed in as
``tolerance_permille``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from traceability import CHINA_TZ
from webapp.models.weighbridge import TicketDirection, WeighTicket
from webapp.weighbridge import tolerance
from webapp.weighbridge.tickets import tickets_between
from webapp.weighbridge.trips import collected_by_ticket


def over_tolerance(collected_g: int, net_g: int, tolerance_permille: int) -> bool:
    """Whether the difference is beyond the tolerance, relative to the drivers' weight."""
    if collected_g <= 0:
        return net_g > 0
    return abs(net_g - collected_g) * 1000 > tolerance_permille * collected_g


def permille(collected_g: int, diff_g: int) -> int | None:
    """The difference in per mille of the drivers' weight (None when they recorded nothing)."""
    return round(diff_g * 1000 / collected_g) if collected_g > 0 else None


@dataclass(frozen=True)
class TripBalance:
    """One inbound ticket beside what the drivers recorded on its trip."""

    ticket: WeighTicket
    day: date
    collected_g: int
    flagged: bool
    tolerance_permille: int = 0

    @property
    def net_g(self) -> int:
        return self.ticket.net_g

    @property
    def diff_g(self) -> int:
        return self.ticket.net_g - self.collected_g

    @property
    def diff_permille(self) -> int | None:
        return permille(self.collected_g, self.diff_g)


@dataclass(frozen=True)
class Subtotal:
    """Trips summed under one key (a driver and day, or a day)."""

    key: tuple[int | None, date]
    trips: int
    flagged: int
    collected_g: int
    net_g: int

    @property
    def diff_g(self) -> int:
        return self.net_g - self.collected_g

    @property
    def diff_permille(self) -> int | None:
        return permille(self.collected_g, self.diff_g)


def balances(
    session: Session, start: date, end: date, *, tolerance_permille: int, facility_id: int | None = None
) -> list[TripBalance]:
    """Every inbound ticket in force weighed on Shenzhen days ``start <= day < end``, reconciled."""
    tickets = tickets_between(session, start, end, direction=TicketDirection.IN, facility_id=facility_id)
    return of_tickets(session, tickets, tolerance_permille=tolerance_permille)


def of_tickets(
    session: Session, tickets: Iterable[WeighTicket], *, tolerance_permille: int
) -> list[TripBalance]:
    """The given inbound tickets, reconciled with their trips; ``tolerance_permille`` is the
    default for a facility with no tolerance of its own on the day."""
    tickets = [t for t in tickets if t.direction == TicketDirection.IN]
    collected = collected_by_ticket(session, tickets)
    tolerance_of = tolerance.lookup(session, tolerance_permille)
    result = []
    for ticket in tickets:
        grams = sum(collected.get(ticket.id, {}).values())  # type: ignore[arg-type]
        day = ticket.weighed_at.astimezone(CHINA_TZ).date()
        allowed = tolerance_of(ticket.facility_id, day)
        result.append(
            TripBalance(
                ticket=ticket,
                day=day,
                collected_g=grams,
                flagged=over_tolerance(grams, ticket.net_g, allowed),
                tolerance_permille=allowed,
            )
        )
    return result


def by_driver_day(trips: Iterable[TripBalance]) -> list[Subtotal]:
    """Sums per driver and day, in day then driver order."""
    return _sum(trips, lambda t: (t.ticket.driver_id, t.day))


def by_day(trips: Iterable[TripBalance]) -> list[Subtotal]:
    """Sums per day (the driver part of the key is None)."""
    return _sum(trips, lambda t: (None, t.day))


def _sum(trips: Iterable[TripBalance], key_of: object) -> list[Subtotal]:
    groups: dict[tuple[int | None, date], list[TripBalance]] = {}
    for trip in trips:
        groups.setdefault(key_of(trip), []).append(trip)  # type: ignore[operator]
    return [
        Subtotal(
            key=key,
            trips=len(group),
            flagged=sum(t.flagged for t in group),
            collected_g=sum(t.collected_g for t in group),
            net_g=sum(t.net_g for t in group),
        )
        for key, group in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0] or 0))
    ]
