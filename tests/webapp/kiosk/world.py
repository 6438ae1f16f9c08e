"""A registered kiosk with its token, for the fuzzed and served worlds of other tests."""

from __future__ import annotations

from sqlmodel import Session

from webapp.api.tokens import issue
from webapp.models import Outlet, OutletKind, OutletStatus, TokenKind
from webapp.models.points import Kiosk


def kiosk_token(session: Session, *, code: str = "KIOSK-FUZZ", capacity_l: int = 1000) -> tuple[Kiosk, str]:
    """An active kiosk outlet, its registry row and the plain token it posts with (committed)."""
    outlet = Outlet(
        code=code,
        name=f"Kiosk {code}",
        kind=OutletKind.KIOSK,
        status=OutletStatus.ACTIVE,
        lon=114.05,
        lat=22.54,
        capacity_l=capacity_l,
    )
    session.add(outlet)
    session.flush()
    token, plain = issue(session, name=f"kiosk {code}", kind=TokenKind.KIOSK)
    kiosk = Kiosk(outlet_id=outlet.id, serial=f"SN-{code}", token_id=token.id)  # type: ignore[arg-type]
    session.add(kiosk)
    session.commit()
    return kiosk, plain
