"""Demo batteries: a few dozen retired EV packs sent through the real log.

Packs are received at the demo's battery collection outlets, handed over to the
company's cascade-use workshop at the Nanshan sorting centre and tested there; the
healthy ones are regrouped in pairs into storage products for 5G base stations and
shipped, the others go to a recycler and are recycled. A few cases are made wrong
on purpose so the regulator's lists have something to show: handovers never
received, a battery retired and never collected, a test recorded at the wrong site,
a recycling mass balance off, lithium recovered under 90 %, a corrected test, and
reports to the national platform that are late or missing. Those cases are picked by
hand among the first :data:`SHOWCASE` packs; a longer history (the demo year) adds
ordinary packs after them, where such cases are as rare as they are in practice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import has_app_context
from sqlmodel import Session, col, select

from traceability import CHINA_TZ, DEFAULT_SPEC, ActorRole, EventKind
from webapp.models import Outlet, OutletKind, OutletStatus, TraceReport
from webapp.models._types import utcnow
from webapp.trace import keys
from webapp.trace.inputs import EventInput
from webapp.trace.operations import record_events
from webapp.trace.treeheads import issue_tree_head

COLLECTOR = "深圳市绿环再生资源有限公司（演示）回收网点"
DISMANTLER, DISMANTLER_SITE = "深圳市某报废汽车回收拆解企业（演示）", "D-BA-01"
CASCADE, WORKSHOP = "绿环梯次利用车间（演示）", "SC-NS-01"
RECYCLER, WORKS = "广东某再生利用企业（演示）", "REC-GD-01"
CUSTOMERS = ["某铁塔公司深圳分公司（演示）", "某通信运营商南山基站（演示）"]
_YEARS = {"H": 2017, "J": 2018, "K": 2019}
_K, _R = EventKind, ActorRole
SHOWCASE = 36


@dataclass
class _Plan:
    """Events generated for the demo, recorded in the order they happened."""

    events: list[tuple[datetime, EventInput]] = field(default_factory=list)
    late: set[str] = field(default_factory=set)
    unreported: set[str] = field(default_factory=set)

    def add(
        self,
        kind: EventKind,
        code: str,
        when: datetime,
        actor: str,
        role: ActorRole,
        location: str,
        payload: dict[str, Any] | None = None,
        **extra: Any,
    ) -> str:
        event_id = extra.pop("event_id", f"DEMO-{code[-7:]}-{len(self.events):04d}")
        self.events.append(
            (when, EventInput(event_id, kind, code, actor, role, location, when, payload or {}, **extra))
        )
        return event_id


def seed_batteries(
    session: Session,
    *,
    count: int = SHOWCASE,
    seed: int = 2022,
    cache_dir: Path | None = None,
    span_days: int = 80,
    now: datetime | None = None,
) -> int:
    """Record ``count`` demo packs retired over the last ``span_days`` days (and their
    products), signing a tree head at each month's end and one now.

    Returns the number of entries recorded. ``cache_dir`` is unused: the demo
    batteries need no geodata; it is accepted so the seed can call every part alike.
    """
    rng = random.Random(seed)  # nosec B311 # reproducible demo data, not a secret
    outlets = _battery_outlets(session)
    now = now or utcnow()
    plan = _Plan()
    healthy: list[tuple[str, datetime, int]] = []
    for index in range(count):
        code, soh, when = _collect(plan, rng, index, outlets, now, span_days)
        if code is None:
            continue
        if soh >= 760 and index % 7 != 3 and index not in (4, 6, 15, 26):
            healthy.append((code, when, index))
        else:
            _recycle(plan, rng, code, when, index)
    _regroup(plan, rng, healthy, now)
    # The signing key lives with the app; without one, heads are signed later.
    # The demo enterprise keeps this log: its entries count in its own indicators.
    org_id = session.exec(select(Outlet.org_id).where(col(Outlet.org_id).is_not(None)).limit(1)).first()
    recorded = _record(session, plan, now, sign=has_app_context(), org_id=org_id)
    _reports(session, rng, plan, now)
    if has_app_context():
        issue_tree_head(session, keys.signing_key(), timestamp_ms=int(now.timestamp() * 1000))
    return recorded


def _case(rng: random.Random, index: int, every: int, at: int, rate: float) -> bool:
    """A hand-picked case among the showcase packs; after them, one as rare as ``rate``."""
    return index % every == at if index < SHOWCASE else rng.random() < rate


def _battery_outlets(session: Session) -> list[str]:
    rows = session.exec(
        select(Outlet.code)
        .where(Outlet.kind == OutletKind.BATTERY_POINT, Outlet.status == OutletStatus.ACTIVE)
        .order_by(Outlet.code)
    ).all()
    if not rows:  # a small demo may have drawn no battery point: use ordinary outlets
        rows = session.exec(
            select(Outlet.code).where(Outlet.status == OutletStatus.ACTIVE).order_by(Outlet.code).limit(3)
        ).all()
    return list(rows) or ["NS-0001"]


def _code(rng: random.Random, index: int, chemistry: str) -> str:
    maker = rng.choice(["S01", "S02"])
    year = rng.choice(list(_YEARS))
    month, day = rng.choice("123456789ABC"), rng.choice("123456789ABCDEFGH")
    return (
        f"{maker}P{chemistry}{rng.choice(['A1', 'B2', 'C3'])}{rng.randrange(10**6, 10**7)}"
        f"{year}{month}{day}{index + 1:07d}"
    )


def _collect(
    plan: _Plan, rng: random.Random, index: int, outlets: list[str], now: datetime, span_days: int
) -> tuple[str | None, int, datetime]:
    """Retirement, receipt at an outlet, handover and receipt at the workshop, a test."""
    code = _code(rng, index, rng.choice("BBE"))
    # Showcase packs are old enough for their cases to show; ordinary ones may be in progress.
    days_ago = 60 if index == 5 else rng.randrange(25 if index < SHOWCASE else 1, span_days)
    start = now - timedelta(days=days_ago, hours=rng.randrange(0, 10))
    outlet = rng.choice(outlets)
    plan.add(
        _K.RETIRED_FROM_VEHICLE,
        code,
        start,
        DISMANTLER,
        _R.DISMANTLER,
        DISMANTLER_SITE,
        {"vin": f"LDEMO{rng.randrange(10**11, 10**12)}", "reason": "整车报废"},
    )
    if index == 5:
        return None, 0, start  # retired and never collected: an anomaly
    mass = rng.randrange(280, 460) * 1000
    at = start + timedelta(days=rng.randrange(2, 6))
    plan.add(_K.RECEIVED_AT_OUTLET, code, at, COLLECTOR, _R.COLLECTOR, outlet, {"mass_g": mass})
    at += timedelta(days=rng.randrange(1, 4))
    plan.add(
        _K.HANDED_OVER,
        code,
        at,
        COLLECTOR,
        _R.COLLECTOR,
        outlet,
        {
            "to_actor": CASCADE,
            "to_location": WORKSHOP,
            "to_role": "cascade_user",
            "waybill": f"YD{rng.randrange(10**8, 10**9)}",
        },
    )
    at += timedelta(hours=rng.randrange(3, 30))
    received = plan.add(
        _K.RECEIVED_BY_ENTERPRISE, code, at, CASCADE, _R.CASCADE_USER, WORKSHOP, {"mass_g": mass}
    )
    if _case(rng, index, 8, 0, 0.01):
        plan.unreported.add(received)  # never reported to the national platform
    at += timedelta(days=rng.randrange(1, 5))
    soh = rng.randrange(620, 900)
    site = "SC-FT-02" if index == 9 else WORKSHOP  # index 9: tested away from the battery
    test = plan.add(
        _K.CAPACITY_TESTED,
        code,
        at,
        CASCADE,
        _R.CASCADE_USER,
        site,
        {
            "soh_permille": soh,
            "capacity_wh": soh * 60,
            "method": "GB/T 34015-2017",
            "equipment": "BTS-4000 #2",
            "internal_resistance_uohm": rng.randrange(900, 2500),
        },
    )
    if index == 2:  # a misread channel, corrected with a reason
        soh = soh - 40
        plan.add(
            _K.CAPACITY_TESTED,
            code,
            at,
            CASCADE,
            _R.CASCADE_USER,
            WORKSHOP,
            {
                "soh_permille": soh,
                "capacity_wh": soh * 60,
                "method": "GB/T 34015-2017",
                "equipment": "BTS-4000 #2",
            },
            corrects=test,
            correction_reason="检测通道读数错误，复测更正",
        )
    return code, soh, at


def _recycle(plan: _Plan, rng: random.Random, code: str, when: datetime, index: int) -> None:
    """Handover to the recycler, receipt, recycling with output masses, disposal."""
    at = when + timedelta(days=rng.randrange(1, 4))
    plan.add(
        _K.HANDED_OVER,
        code,
        at,
        CASCADE,
        _R.CASCADE_USER,
        WORKSHOP,
        {"to_actor": RECYCLER, "to_location": WORKS, "to_role": "recycler"},
    )
    if index in (4, 15):
        return  # handed over, never received: an anomaly
    mass = rng.randrange(280, 460) * 1000
    at += timedelta(days=rng.randrange(1, 3))
    received = plan.add(_K.RECEIVED_BY_ENTERPRISE, code, at, RECYCLER, _R.RECYCLER, WORKS, {"mass_g": mass})
    if _case(rng, index, 5, 1, 0.03):
        plan.late.add(received)
    at += timedelta(days=rng.randrange(2, 8))
    fed = mass - 40_000 if index == 6 else mass  # index 6: 40 kg unaccounted for
    li_in, li_rate = mass // 100, 0.82 if _case(rng, index, 9, 7, 0.02) else 0.93
    plan.add(
        _K.RECYCLED,
        code,
        at,
        RECYCLER,
        _R.RECYCLER,
        WORKS,
        {
            "input_mass_g": fed,
            "li_g": int(li_in * li_rate),
            "input_li_g": li_in,
            "ni_g": mass * 6 // 100,
            "input_ni_g": mass * 6 // 100 * 100 // 99,
            "co_g": mass * 2 // 100,
            "mn_g": mass * 2 // 100,
            "electrode_powder_g": mass * 30 // 100,
            "process": "湿法冶金",
        },
    )
    plan.add(
        _K.DISPOSED,
        code,
        at + timedelta(days=1),
        RECYCLER,
        _R.RECYCLER,
        WORKS,
        {"method": "残渣交有资质单位处置", "mass_g": mass * 40 // 100},
    )


def _regroup(
    plan: _Plan, rng: random.Random, healthy: list[tuple[str, datetime, int]], now: datetime
) -> None:
    """Pairs of healthy packs of one chemistry, tested about the same time, become a
    storage product; most are shipped."""
    by_chem: dict[str, list[tuple[str, datetime, int]]] = {}
    for code, when, index in sorted(healthy, key=lambda h: h[1]):
        by_chem.setdefault(code[4], []).append((code, when, index))
    number = 0
    for chemistry, packs in sorted(by_chem.items()):
        for first, second in zip(packs[::2], packs[1::2], strict=False):
            number += 1
            at = max(first[1], second[1]) + timedelta(days=rng.randrange(1, 4))
            product = f"SRLP{chemistry}S1{number:07d}{_date_code(at)}{number:07d}"
            plan.add(
                _K.REGROUPED,
                product,
                at,
                CASCADE,
                _R.CASCADE_USER,
                WORKSHOP,
                {
                    "sources": [first[0], second[0]],
                    "rated_energy_wh": 50_000,
                    "mass_g": 520_000,
                    "application": "5G基站备电储能",
                },
            )
            ship = at + timedelta(days=rng.randrange(2, 6))
            if number % 4 != 0 and ship < now - timedelta(hours=2):
                shipped = plan.add(
                    _K.CASCADE_SHIPPED,
                    product,
                    ship,
                    CASCADE,
                    _R.CASCADE_USER,
                    WORKSHOP,
                    {
                        "customer": rng.choice(CUSTOMERS),
                        "application": "5G基站备电储能",
                        "to_location": "深圳市南山区5G基站",
                    },
                )
                showcase = max(first[2], second[2]) < SHOWCASE
                if number % 3 == 0 if showcase else rng.random() < 0.02:
                    plan.unreported.add(shipped)


def _date_code(moment: datetime) -> str:
    """GB/T 34014 year, month and day characters of a (China) date."""
    day = moment.astimezone(CHINA_TZ).date()
    reverse = [
        {v: k for k, v in table.items()}
        for table in (DEFAULT_SPEC.years, DEFAULT_SPEC.months, DEFAULT_SPEC.days)
    ]
    return reverse[0][day.year] + reverse[1][day.month] + reverse[2][day.day]


def _record(session: Session, plan: _Plan, now: datetime, *, sign: bool, org_id: int | None) -> int:
    """Record day by day, each day's events as entered that evening (China time); with
    ``sign``, a tree head is signed after the last day of each month."""
    ordered = sorted((e for e in plan.events if e[0] <= now), key=lambda e: e[0])
    days: dict[date, list[EventInput]] = {}
    for when, event in ordered:
        days.setdefault(when.astimezone(CHINA_TZ).date(), []).append(event)
    total = 0
    months = [day.month for day in days]
    for number, (day, events) in enumerate(days.items()):
        entered = min(max(e.occurred_at for e in events) + timedelta(hours=2), now)
        total += len(record_events(session, events, actor_id=None, org_id=org_id, now=entered))
        if sign and number + 1 < len(months) and months[number + 1] != day.month:
            issue_tree_head(session, keys.signing_key(), timestamp_ms=int(entered.timestamp() * 1000))
    return total


def _reports(session: Session, rng: random.Random, plan: _Plan, now: datetime) -> None:
    """Most duty events reported within days; some late, some not at all."""
    recent = now - timedelta(days=10)
    for when, event in plan.events:
        if (
            event.kind
            not in (
                _K.RETIRED_FROM_VEHICLE,
                _K.RECEIVED_BY_ENTERPRISE,
                _K.CASCADE_SHIPPED,
                _K.RECYCLED,
                _K.HANDED_OVER,
            )
            or event.event_id in plan.unreported
            or when > now
        ):
            continue
        if when > recent and rng.random() < 0.6:
            continue  # recent: not yet reported, some nearly due
        delay = 60 if event.event_id in plan.late else rng.randrange(1, 8)
        reported = min(when + timedelta(days=delay), now)
        session.add(
            TraceReport(
                event_id=event.event_id, reported_at=reported, reference=f"NP{rng.randrange(10**9, 10**10)}"
            )
        )
    session.commit()
