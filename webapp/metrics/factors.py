"""Emission factors and subsidy rates: seeding the shipped defaults, edits as new rows,
and the row in force on a day.

The defaults themselves (a Chinese study's figure where one was read from its text, US EPA
WARM as the fallback), their sources and what was searched for Chinese ones live in
:mod:`webapp.metrics._factor_defaults`; they are re-exported here.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import true
from sqlmodel import Session, col, or_, select

from webapp.metrics._factor_defaults import (
    DEFAULT_FACTORS,
    DEMO_BASIS,
    DEMO_DOCUMENT,
    DEMO_RATES,
    EXAMPLE_RATE_EN,
    EXAMPLE_RATE_ZH,
    GRID_FACTORS,
    PET_STUDY,
    SHORT_TONS_PER_TONNE,
    WARM_URL,
    WARM_V15,
    DefaultFactor,
    GridFactor,
    StudyFactor,
    WarmFactor,
)
from webapp.metrics.figures import MetricsInputError
from webapp.models import EmissionFactor, Material, RateKind, SubsidyRate

__all__ = [
    "DEFAULT_FACTORS",
    "DEMO_BASIS",
    "DEMO_DOCUMENT",
    "DEMO_RATES",
    "EXAMPLE_RATE_EN",
    "EXAMPLE_RATE_ZH",
    "GRID_FACTORS",
    "PET_STUDY",
    "SHORT_TONS_PER_TONNE",
    "WARM_URL",
    "WARM_V15",
    "DefaultFactor",
    "GridFactor",
    "History",
    "StudyFactor",
    "WarmFactor",
    "add_factor",
    "add_rate",
    "factor_history",
    "rate_history",
    "seed_demo_rates",
    "seed_factors",
]


def seed_factors(session: Session) -> int:
    """Add the shipped factor of each material that has no factor yet (no commit), with
    its own source address and the day its source was published."""
    ids = dict(session.exec(select(Material.code, Material.id)).all())
    have = set(session.exec(select(EmissionFactor.material_id)).all())
    added = 0
    for default in DEFAULT_FACTORS:
        material_id = ids.get(default.material)
        if material_id is None or material_id in have:
            continue
        session.add(
            EmissionFactor(
                material_id=material_id,
                kg_co2e_per_t=default.kg_co2e_per_t,
                source=default.source,
                source_url=default.source_url,
                note=default.note_en,
                note_zh=default.note_zh,
                example=True,
                valid_from=default.valid_from,
            )
        )
        added += 1
    return added


def seed_demo_rates(session: Session, *, org_id: int, valid_from: date) -> int:
    """Example subsidy rates for the demo organisation, once (no commit), marked as
    examples so that no page or report passes them off as official."""
    if session.exec(select(SubsidyRate.id).where(SubsidyRate.org_id == org_id)).first():
        return 0
    ids = dict(session.exec(select(Material.code, Material.id)).all())
    added = 0
    for kind, material, fen in DEMO_RATES:
        if material is not None and material not in ids:
            continue
        session.add(
            SubsidyRate(
                org_id=org_id,
                kind=kind,
                material_id=ids.get(material or ""),
                fen=fen,
                basis=DEMO_BASIS,
                document_title=DEMO_DOCUMENT,
                example=True,
                valid_from=valid_from,
            )
        )
        added += 1
    return added


def add_factor(
    session: Session,
    *,
    material: str,
    kg_co2e_per_t: int,
    source: str,
    valid_from: date,
    source_url: str = "",
    note: str = "",
    note_zh: str = "",
    example: bool = False,
    actor_id: int | None = None,
    org_id: int | None = None,
) -> EmissionFactor:
    """Record a new factor for ``material`` from ``valid_from`` on (no commit); the
    earlier rows stay and keep applying to the days before."""
    material_id = _material_id(session, material)
    if not isinstance(kg_co2e_per_t, int) or isinstance(kg_co2e_per_t, bool):
        raise MetricsInputError("kg_co2e_per_t", "must be a whole number of kilograms")
    if not source.strip():
        raise MetricsInputError("source", "name the source of the factor")
    row = EmissionFactor(
        material_id=material_id,
        kg_co2e_per_t=kg_co2e_per_t,
        source=source.strip()[:255],
        source_url=source_url.strip()[:255],
        note=note.strip()[:500],
        note_zh=note_zh.strip()[:500],
        example=example,
        valid_from=valid_from,
        created_by_id=actor_id,
        org_id=org_id,
    )
    session.add(row)
    return row


def add_rate(
    session: Session,
    *,
    kind: RateKind | str,
    fen: int,
    valid_from: date,
    basis: str = "",
    material: str | None = None,
    document_title: str = "",
    document_number: str = "",
    example: bool = False,
    source_url: str = "",
    actor_id: int | None = None,
    org_id: int | None = None,
) -> SubsidyRate:
    """Record a new subsidy rate in integer fen (no commit): per tonne of a low-value
    material, or per new outlet, in force from ``valid_from`` (the notice's effective
    date). The notice is named by ``document_title`` (文件名称) and ``document_number``
    (文号); ``basis`` adds the article or conditions. One of title and basis is needed."""
    kind = RateKind(kind)
    if not isinstance(fen, int) or isinstance(fen, bool) or fen < 0:
        raise MetricsInputError("fen", "must be a whole, non-negative number of fen")
    if not document_title.strip() and not basis.strip():
        raise MetricsInputError("document_title", "name the notice (文件名称) that sets the rate")
    material_id = None
    if kind is RateKind.LOW_VALUE_TONNE:
        if not material:
            raise MetricsInputError("material", "a per-tonne rate names its material")
        material_id = _material_id(session, material)
        if not session.get(Material, material_id).low_value:  # type: ignore[union-attr]
            raise MetricsInputError("material", f"{material} is not a low-value material")
    row = SubsidyRate(
        kind=kind,
        material_id=material_id,
        fen=fen,
        basis=basis.strip()[:255],
        document_title=document_title.strip()[:255],
        document_number=document_number.strip()[:100],
        example=example,
        source_url=source_url.strip()[:255],
        valid_from=valid_from,
        created_by_id=actor_id,
        org_id=org_id,
    )
    session.add(row)
    return row


def _material_id(session: Session, code: str) -> int:
    found = session.exec(select(Material.id).where(Material.code == code)).first()
    if found is None:
        raise MetricsInputError("material", f"no material with code {code!r}")
    return found


class History:
    """Rows of one table by key, each list ordered so the last row valid on a day wins:
    by ``valid_from``, then the organisation's own rows over shared ones, then newest."""

    def __init__(self, rows: Iterable[Any], key: Any) -> None:
        grouped: dict[Any, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[key(row)].append(row)
        self._rows = {
            k: sorted(v, key=lambda r: (r.valid_from, r.org_id is not None, r.id)) for k, v in grouped.items()
        }
        self._days = {k: [r.valid_from for r in v] for k, v in self._rows.items()}

    def on(self, key: Any, day: date) -> Any | None:
        """The row in force for ``key`` on ``day`` (``None`` before the first)."""
        days = self._days.get(key)
        if not days:
            return None
        index = bisect_right(days, day)
        return self._rows[key][index - 1] if index else None


def factor_history(session: Session, org_id: int | None) -> History:
    """Emission factors by material id (shared rows and ``org_id``'s own)."""
    return History(
        session.exec(select(EmissionFactor).where(_org(EmissionFactor, org_id))).all(),
        key=lambda r: r.material_id,
    )


def rate_history(session: Session, org_id: int | None) -> History:
    """Subsidy rates by ``(kind, material id)``."""
    return History(
        session.exec(select(SubsidyRate).where(_org(SubsidyRate, org_id))).all(),
        key=lambda r: (RateKind(r.kind), r.material_id),
    )


def _org(table: Any, org_id: int | None) -> Any:
    if org_id is None:
        return true()
    return or_(col(table.org_id).is_(None), table.org_id == org_id)
