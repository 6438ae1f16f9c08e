"""Emission factors and subsidy rates: the shipped defaults, edits as new rows, and the
row in force on a day.

Shipped emission factors
------------------------
US EPA WARM gives, per material, the emissions of recycling and of landfilling one
short ton, in metric tonnes CO2e (MTCO2E) relative to the point of discard. The
avoided emissions of collecting a tonne for recycling instead of landfilling it are

    kg CO2e per metric tonne = (landfilling - recycling) MTCO2E/short ton x 1,102.311

(1 metric tonne = 1.102311 short tons; 1 MTCO2E = 1,000 kg). The values below are
WARM **version 15** (November 2020) figures as transcribed, not copied from EPA's
workbook in this build (it has no network): the v16 tables (December 2023) could not
be checked here, so the shipped rows say v15 and every row's ``note`` asks for the
value to be checked against the EPA tables before a report is filed. Where WARM has
no category, the proxy used is named; materials without a defensible proxy (waste
textiles, waste wood, household batteries) ship with no factor and are reported as
"no factor" rather than guessed.

Subsidy rates
-------------
No rate ships for production: the amounts differ by year and district notice, and a
made-up rate would turn into a made-up claim. ``reloop seed demo`` adds clearly
labelled placeholder rates for the demo organisation only.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import true
from sqlmodel import Session, col, or_, select

from webapp.metrics.figures import MetricsInputError
from webapp.models import EmissionFactor, Material, RateKind, SubsidyRate

WARM_URL = "https://www.epa.gov/warm/versions-waste-reduction-model-warm"
SHORT_TONS_PER_TONNE = 1.102311
WARM_V15 = date(2020, 11, 1)
_CHECK = "Transcribed WARM v15 value: check against EPA's current WARM tables before filing."


@dataclass(frozen=True)
class DefaultFactor:
    """A shipped factor: the WARM category (or proxy) and its two MTCO2E/short ton values."""

    material: str
    warm_category: str
    recycling: float
    landfilling: float
    proxy_note: str = ""

    @property
    def kg_co2e_per_t(self) -> int:
        """Avoided kg CO2e per metric tonne, rounded to the kilogram."""
        return round((self.landfilling - self.recycling) * SHORT_TONS_PER_TONNE * 1000)

    @property
    def source(self) -> str:
        return (
            f"US EPA WARM v15 (Nov 2020), {self.warm_category}: recycling "
            f"{self.recycling:+.2f}, landfilling {self.landfilling:+.2f} MTCO2E/short ton; "
            f"({self.landfilling:+.2f} - {self.recycling:+.2f}) x 1,102.311 = "
            f"{self.kg_co2e_per_t:,} kg CO2e/t"
        )


DEFAULT_FACTORS: tuple[DefaultFactor, ...] = (
    DefaultFactor("paper", "Mixed Paper (general)", -3.55, 0.07),
    DefaultFactor("metal", "Mixed Metals", -4.39, 0.02),
    DefaultFactor("plastic", "Mixed Plastics", -0.93, 0.02),
    DefaultFactor("glass", "Glass", -0.28, 0.02),
    DefaultFactor(
        "low_value_plastic",
        "Mixed Plastics",
        -0.93,
        0.02,
        "Proxy: WARM has no low-value plastics category; Mixed Plastics used.",
    ),
    DefaultFactor(
        "composite_packaging",
        "Mixed Paper (general)",
        -3.55,
        0.07,
        "Proxy: WARM has no composite (aseptic carton) category; Mixed Paper (general) "
        "used for the fibre, which is about three quarters of a carton, so this may "
        "overstate.",
    ),
)

#: Placeholder rates for the demo organisation (fen), never for production.
DEMO_RATES: tuple[tuple[RateKind, str | None, int], ...] = (
    (RateKind.LOW_VALUE_TONNE, "glass", 20_000),
    (RateKind.LOW_VALUE_TONNE, "textiles", 30_000),
    (RateKind.LOW_VALUE_TONNE, "low_value_plastic", 30_000),
    (RateKind.LOW_VALUE_TONNE, "waste_wood", 20_000),
    (RateKind.LOW_VALUE_TONNE, "composite_packaging", 30_000),
    (RateKind.NEW_OUTLET, None, 1_000_000),
)
DEMO_BASIS = "演示用示例费率，非官方标准 / demo placeholder, not an official rate"


def seed_factors(session: Session) -> int:
    """Add the shipped factor of each material that has no factor yet (no commit)."""
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
                source_url=WARM_URL,
                note=" ".join(filter(None, (default.proxy_note, _CHECK))),
                valid_from=WARM_V15,
            )
        )
        added += 1
    return added


def seed_demo_rates(session: Session, *, org_id: int, valid_from: date) -> int:
    """Placeholder subsidy rates for the demo organisation, once (no commit)."""
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
    basis: str,
    valid_from: date,
    material: str | None = None,
    source_url: str = "",
    actor_id: int | None = None,
    org_id: int | None = None,
) -> SubsidyRate:
    """Record a new subsidy rate in integer fen (no commit): per tonne of a low-value
    material, or per new outlet."""
    kind = RateKind(kind)
    if not isinstance(fen, int) or isinstance(fen, bool) or fen < 0:
        raise MetricsInputError("fen", "must be a whole, non-negative number of fen")
    if not basis.strip():
        raise MetricsInputError("basis", "name the notice or basis of the rate")
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
