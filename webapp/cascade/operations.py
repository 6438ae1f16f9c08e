"""Regrouping as the technician does it: a spec, a proposal, hand swaps, confirmation.

:func:`confirm` builds the products of a proposal in one transaction: each gets a
new code, its source units (with the values they were matched on), a calibrated
rating from its end-of-line test, a label, and one ``regrouped`` log event naming
every source. When any unit or group is refused (another chemistry, unsafe, already
used, graded for recycling, a spread over the limit) or the log refuses an event,
nothing is written and every unit stays in stock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from traceability import ActorRole, EventKind
from webapp.cascade import engine, labels, stock
from webapp.cascade.codes import next_codes
from webapp.models import Battery
from webapp.models._types import utcnow
from webapp.models.cascade import CascadeProduct, ProductSpec, ProductUnit, RegroupProposal
from webapp.trace.inputs import EventInput
from webapp.trace.operations import RecordError, record_events


class CascadeError(ValueError):
    """Refused input; ``errors`` are ``(field, message)`` pairs, each naming the unit or field."""

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{f}: {m}" for f, m in self.errors))


@dataclass(frozen=True)
class EndOfLineTest:
    """A built product's end-of-line test: measured capacity and energy, equipment."""

    capacity_mah: int
    energy_wh: int
    equipment: str


def proposal_units(session: Session, proposal: RegroupProposal) -> dict[str, stock.StockUnit]:
    """Every unit a proposal names (in groups or left over), by code."""
    codes = [c for g in proposal.groups for c in g] + [item["code"] for item in proposal.leftover]
    return stock.units(session, codes)


def run_proposal(
    session: Session,
    spec: ProductSpec,
    *,
    actor_id: int | None,
    org_id: int | None = None,
    time_limit_s: float = 10.0,
    deterministic: bool = False,
) -> RegroupProposal:
    """Run the engine on the graded stock of the spec's chemistry and keep its proposal."""
    units = stock.graded_stock(session, spec.chemistry)
    found = engine.propose(spec, units, time_limit_s=time_limit_s, deterministic=deterministic)
    proposal = RegroupProposal(
        spec_id=spec.id or 0,
        engine_status=found.status,
        solve_ms=round(found.seconds * 1000),
        groups=found.groups,
        leftover=[{"code": c, "reason": r} for c, r in found.leftover],
        created_by_id=actor_id,
        org_id=org_id,
    )
    session.add(proposal)
    session.commit()
    return proposal


def swap(session: Session, proposal: RegroupProposal, group: int, out_code: str, in_code: str) -> None:
    """Put ``in_code`` into group ``group`` in place of ``out_code``; the group is checked again.

    ``in_code`` may come from the leftovers, another group (the two swap places) or
    anywhere in stock. Raises :class:`CascadeError` naming the unit; nothing changes then.
    """
    _open(proposal)
    spec = session.get(ProductSpec, proposal.spec_id)
    assert spec is not None  # nosec B101 # the foreign key guarantees it
    groups = [list(g) for g in proposal.groups]
    if not 0 <= group < len(groups):
        raise CascadeError([("group", _("no group %(n)s in this proposal", n=group + 1))])
    if out_code not in groups[group]:
        raise CascadeError([("out_code", _("%(code)s is not in group %(n)s", code=out_code, n=group + 1))])
    if in_code == out_code:
        raise CascadeError([("in_code", _("%(code)s is the unit being replaced", code=in_code))])
    other = next((i for i, g in enumerate(groups) if in_code in g), None)
    if other == group:
        raise CascadeError([("in_code", _("%(code)s is already in this group", code=in_code))])
    groups[group][groups[group].index(out_code)] = in_code
    if other is not None:
        groups[other][groups[other].index(in_code)] = out_code
    touched = [group] if other is None else [group, other]
    units = stock.units(session, [c for i in touched for c in groups[i]])
    errors = _group_errors(spec, {i: groups[i] for i in touched}, units)
    if errors:
        raise CascadeError(errors)
    leftover = [item for item in proposal.leftover if item["code"] != in_code]
    if other is None:
        leftover.append({"code": out_code, "reason": "swapped_out"})
    proposal.groups, proposal.leftover = groups, leftover
    session.add(proposal)
    session.commit()


def confirm(
    session: Session,
    proposal: RegroupProposal,
    tests: Mapping[int, EndOfLineTest],
    *,
    actor_id: int | None,
    org_id: int | None = None,
    now: datetime | None = None,
) -> list[CascadeProduct]:
    """Build the groups named in ``tests`` (index -> end-of-line test), all or none.

    Raises :class:`CascadeError` naming every refused unit or group; nothing is written then.
    """
    _open(proposal)
    spec = session.get(ProductSpec, proposal.spec_id)
    assert spec is not None  # nosec B101 # the foreign key guarantees it
    chosen = {i: proposal.groups[i] for i in sorted(tests) if 0 <= i < len(proposal.groups)}
    if not chosen:
        raise CascadeError([("groups", _("choose at least one group to build"))])
    units = stock.units(session, [c for g in chosen.values() for c in g])
    errors = _group_errors(spec, chosen, units)
    errors += [(f"groups[{i}].eol", m) for i, t in tests.items() if (m := _eol_problem(t))]
    if errors:
        raise CascadeError(errors)
    now = now or utcnow()
    holders = _holders(session, [c for g in chosen.values() for c in g])
    products, events = [], []
    try:
        for offset, (index, codes) in enumerate(chosen.items()):
            product, event = _build(
                session, spec, proposal, codes, units, tests[index], holders, now, offset, (actor_id, org_id)
            )
            products.append(product)
            events.append(event)
        proposal.status, proposal.confirmed_at = "confirmed", now
        session.add(proposal)
        # Commits the products with their events, or rolls both back.
        record_events(session, events, actor_id=actor_id, org_id=org_id, now=now)
    except RecordError as exc:
        raise CascadeError([(e.event_id, e.message) for e in exc.errors]) from exc
    except BaseException:
        session.rollback()
        raise
    return products


def _open(proposal: RegroupProposal) -> None:
    if proposal.status != "proposed":
        raise CascadeError([("proposal", _("this proposal was confirmed already"))])


def _group_errors(
    spec: ProductSpec, groups: Mapping[int, Sequence[str]], units: Mapping[str, stock.StockUnit]
) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, codes in groups.items():
        where = f"groups[{index}]"
        for code in codes:
            if code in seen:
                errors.append((code, _("%(code)s: named in two groups", code=code)))
            seen.add(code)
            message = stock.problem(units.get(code), spec.chemistry, code=code)
            if message:
                errors.append((code, message))
        if not any(f == c for f, _m in errors for c in codes):
            errors += [(where, m) for m in engine.group_problems(spec, [units[c] for c in codes])]
    return errors


def _eol_problem(test: EndOfLineTest) -> str | None:
    if test.capacity_mah <= 0:
        return _("end-of-line capacity must be positive")
    if test.energy_wh <= 0:
        return _("end-of-line energy must be positive")
    if not test.equipment.strip():
        return _("name the end-of-line test equipment")
    return None


def _holders(session: Session, codes: Sequence[str]) -> dict[str, Battery]:
    return {b.code: b for b in session.exec(select(Battery).where(col(Battery.code).in_(list(codes)))).all()}


def _build(
    session: Session,
    spec: ProductSpec,
    proposal: RegroupProposal,
    codes: Sequence[str],
    units: Mapping[str, stock.StockUnit],
    test: EndOfLineTest,
    holders: Mapping[str, Battery],
    now: datetime,
    offset: int,
    who: tuple[int | None, int | None],
) -> tuple[CascadeProduct, EventInput]:
    actor_id, org_id = who
    product_type = units[codes[0]].product_type if len({units[c].product_type for c in codes}) == 1 else "P"
    code, short = next_codes(session, chemistry=spec.chemistry, product_type="P", when=now, offset=offset)
    first = holders[codes[0]]
    masses = [holders[c].mass_g for c in codes]
    mass = sum(m for m in masses if m) if all(masses) else 0
    found = engine.spreads([units[c] for c in codes])
    product = CascadeProduct(
        code=code,
        short_code=short,
        spec_id=spec.id or 0,
        proposal_id=proposal.id,
        regroup_event_id=f"CAS-{code}-RG",
        chemistry=spec.chemistry,
        rated_capacity_mah=test.capacity_mah,
        rated_energy_wh=test.energy_wh,
        nominal_voltage_mv=spec.nominal_voltage_mv,
        capacity_spread_bp=found.capacity_bp,
        resistance_spread_bp=found.resistance_bp,
        ocv_spread_mv=found.ocv_mv,
        eol_equipment=test.equipment.strip(),
        eol_tested_at=now,
        mass_g=mass,
        warranty_months=spec.warranty_months,
        producer=first.holder,
        built_at=now,
        built_by_id=actor_id,
        org_id=org_id,
    )
    product.label = labels.fields(product, spec, source_type=product_type)
    session.add(product)
    session.flush()
    for position, unit_code in enumerate(codes):
        unit = units[unit_code]
        session.add(
            ProductUnit(
                product_id=product.id or 0,
                unit_code=unit_code,
                position=position,
                grade=unit.grade,
                capacity_mah=unit.capacity_mah or 0,
                dcir_uohm=unit.dcir_uohm or 0,
                ocv_mv=unit.ocv_mv or 0,
                soh_permille=unit.soh_permille,
                org_id=org_id,
            )
        )
    payload: dict[str, object] = {"sources": list(codes), "rated_energy_wh": test.energy_wh}
    if mass:
        payload["mass_g"] = mass
    event = EventInput(
        product.regroup_event_id,
        EventKind.REGROUPED,
        code,
        first.holder,
        ActorRole.CASCADE_USER,
        first.location,
        now,
        payload,
    )
    return product, event
