"""Kiosk outlets and registered kiosks with their tokens: one builder for the kiosk tests'
fixtures, the back-office tests and the fuzzed and served worlds of other tests."""

from __future__ import annotations

from sqlmodel import Session

from webapp.api.tokens import issue
from webapp.models import ApiToken, Outlet, OutletKind, OutletStatus, TokenKind
from webapp.models.points import Kiosk


def kiosk_outlet(session: Session, *, code: str, name: str, capacity_l: int = 1000) -> Outlet:
    """An active kiosk outlet with no kiosk registered yet (staged and flushed)."""
    outlet = Outlet(
        code=code,
        name=name,
        kind=OutletKind.KIOSK,
        status=OutletStatus.ACTIVE,
        lon=114.05,
        lat=22.54,
        capacity_l=capacity_l,
    )
    session.add(outlet)
    session.flush()
    return outlet


def registered_kiosk(
    session: Session, *, code: str, name: str, serial: str, capacity_l: int = 1000
) -> tuple[Outlet, Kiosk, ApiToken, str]:
    """A kiosk outlet, its registry row, its token row and the plain token it posts with (committed)."""
    outlet = kiosk_outlet(session, code=code, name=name, capacity_l=capacity_l)
    token, plain = issue(session, name=f"kiosk {code}", kind=TokenKind.KIOSK)
    kiosk = Kiosk(outlet_id=outlet.id, serial=serial, token_id=token.id)  # type: ignore[arg-type]
    session.add(kiosk)
    session.commit()
    return outlet, kiosk, token, plain


def kiosk_token(session: Session, *, code: str = "KIOSK-FUZZ", capacity_l: int = 1000) -> tuple[Kiosk, str]:
    """An active kiosk outlet, its registry row and the plain token it posts with (committed)."""
    _outlet, kiosk, _token, plain = registered_kiosk(
        session, code=code, name=f"Kiosk {code}", serial=f"SN-{code}", capacity_l=capacity_l
    )
    return kiosk, plain
