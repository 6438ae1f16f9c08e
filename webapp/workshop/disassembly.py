"""Disassembly: a pack into modules (a module into cells), with masses and a mass balance.

The ``disassembled`` log event names the parts (each becomes a battery of its own,
held by the workshop, linked to its pack by ``battery_link``) with each part's mass,
the unit's mass and the scrap mass, so the log alone carries the mass balance; the
workshop keeps the same masses in ``disassembly_part``, and the pack page says
whether the two agree. Mass balance: parts + scrap against the
unit's mass, within the stated tolerance (default 1 %); a balance outside it is
recorded and shown, parts heavier than the unit are refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from traceability import EventKind
from webapp.models import Battery, TraceEventRow
from webapp.models._types import utcnow
from webapp.models.workshop import Disassembly, DisassemblyPart
from webapp.workshop import logbook
from webapp.workshop.errors import Problem, WorkshopInputError
from webapp.workshop.intake import check_code
from webapp.workshop.settings import WorkshopSettings

_CHILD_TYPE = {"P": ("M", "C"), "M": ("C",)}


@dataclass(frozen=True)
class MassBalance:
    """Parts + scrap against the unit's mass."""

    input_g: int
    parts_g: int
    scrap_g: int
    tolerance_permille: int
    parts: tuple[tuple[str, int], ...]
    #: The log event's id; whether its payload gives the same masses (``None``: an event
    #: recorded before the log carried part masses).
    event_id: str = ""
    logged: bool | None = None

    @property
    def difference_g(self) -> int:
        """Input minus outputs (positive: mass unaccounted for)."""
        return self.input_g - self.parts_g - self.scrap_g

    @property
    def within(self) -> bool:
        """True when the difference is within the tolerance."""
        return abs(self.difference_g) * 1000 <= self.tolerance_permille * self.input_g


def suggest_part_codes(code: str, count: int, product_type: str = "M") -> list[str]:
    """Codes for ``count`` parts of ``code``: its segments with the product type
    changed and the serial's last two characters numbering the parts. A suggestion
    for parts without a printed code; parts that carry one keep it."""
    count = max(0, min(count, 99))
    return [f"{code[:3]}{product_type}{code[4:17]}{code[17:22]}{i:02d}" for i in range(1, count + 1)]


def parse_parts(text: str) -> tuple[list[tuple[str, int]], list[Problem]]:
    """Lines of ``code,mass_g`` (or code and mass separated by blanks), numbered from 1."""
    parts, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        bits = line.replace("，", ",").replace(",", " ").split()
        if len(bits) != 2:
            problems.append(Problem("parts", "each line is a code and a mass in grams", number))
            continue
        try:
            code = check_code(bits[0], "parts")
        except WorkshopInputError as exc:
            problems += [Problem(p.field, p.message, number) for p in exc.problems]
            continue
        if not bits[1].isdigit() or int(bits[1]) <= 0:
            message = f"{code}: the mass must be a positive whole number of grams"
            problems.append(Problem("parts", message, number))
            continue
        parts.append((code, int(bits[1])))
    return parts, problems


def disassemble(
    session: Session,
    code: str,
    parts: Sequence[tuple[str, int]],
    *,
    scrap_mass_g: int,
    settings: WorkshopSettings,
    input_mass_g: int | None = None,
    occurred_at: datetime | None = None,
    actor_id: int | None = None,
    org_id: int | None = None,
) -> Disassembly:
    """Take ``code`` apart into ``parts`` (code, mass in grams), all or nothing (commits)."""
    battery = session.exec(select(Battery).where(Battery.code == code)).first()
    problems: list[Problem] = []
    if battery is None:
        raise WorkshopInputError.one("battery_code", f"{code} is not in the log")
    mass = input_mass_g if input_mass_g is not None else battery.mass_g
    if not mass or mass <= 0:
        problems.append(Problem("input_mass_g", f"{code} has no recorded mass: weigh it and give the mass"))
    if scrap_mass_g < 0:
        problems.append(Problem("scrap_mass_g", "must not be negative"))
    if not parts:
        problems.append(Problem("parts", "name at least one part"))
    codes = [p for p, _ in parts]
    if len(set(codes)) != len(codes):
        problems.append(Problem("parts", "a part is listed twice"))
    allowed = _CHILD_TYPE.get(battery.product_type, ())
    for index, (part, grams) in enumerate(parts, start=1):
        if part[3] not in allowed:
            holds = "/".join(allowed) or "no parts"
            problems.append(Problem("parts", f"{part}: a {battery.product_type} unit holds {holds}", index))
        if part == code:
            problems.append(Problem("parts", f"{part} is the unit itself", index))
        if grams <= 0:
            problems.append(Problem("parts", f"{part}: the mass must be positive", index))
    total = sum(g for _, g in parts)
    if mass and total > mass:
        problems.append(Problem("parts", f"the parts weigh {total} g, more than the unit's {mass} g"))
    if problems:
        raise WorkshopInputError(problems)
    when = occurred_at or utcnow()
    payload = {
        "parts": codes,
        "part_masses_g": [grams for _, grams in parts],
        "input_mass_g": mass,
        "residue_mass_g": scrap_mass_g,
        "note": f"拆解前 {mass} 克，部件 {total} 克，废料 {scrap_mass_g} 克",
    }
    event = logbook.event(settings, EventKind.DISASSEMBLED, code, when, payload)
    row = Disassembly(
        battery_code=code,
        event_id=event.event_id,
        input_mass_g=mass or 0,
        scrap_mass_g=scrap_mass_g,
        tolerance_permille=settings.mass_tolerance_permille,
        disassembled_at=when,
        recorded_by_id=actor_id,
        org_id=org_id,
    )
    session.add(row)
    session.flush()
    for part, grams in parts:
        session.add(DisassemblyPart(disassembly_id=row.id, part_code=part, mass_g=grams))  # type: ignore[arg-type]
    session.flush()
    logbook.record(session, [event], actor_id=actor_id, org_id=org_id)
    return row


def mass_balance(session: Session, code: str) -> MassBalance | None:
    """The mass balance of ``code``'s disassembly (``None`` if not taken apart)."""
    row = session.exec(
        select(Disassembly).where(Disassembly.battery_code == code).order_by(col(Disassembly.id).desc())
    ).first()
    if row is None:
        return None
    parts = session.exec(
        select(DisassemblyPart.part_code, DisassemblyPart.mass_g)
        .where(DisassemblyPart.disassembly_id == row.id)
        .order_by(col(DisassemblyPart.id))
    ).all()
    return MassBalance(
        input_g=row.input_mass_g,
        parts_g=sum(g for _, g in parts),
        scrap_g=row.scrap_mass_g,
        tolerance_permille=row.tolerance_permille,
        parts=tuple((c, g) for c, g in parts),
        event_id=row.event_id,
        logged=_agrees_with_log(session, row, parts),
    )


def _agrees_with_log(session: Session, row: Disassembly, parts: Sequence[tuple[str, int]]) -> bool | None:
    """Whether the ``disassembled`` event carries the masses the workshop kept."""
    logged = select(TraceEventRow.payload).where(TraceEventRow.event_id == row.event_id)
    payload = session.exec(logged).first()
    if not payload or "part_masses_g" not in payload:
        return None
    return (
        list(zip(payload["parts"], payload["part_masses_g"], strict=False)) == [tuple(p) for p in parts]
        and payload.get("input_mass_g") == row.input_mass_g
        and payload.get("residue_mass_g") == row.scrap_mass_g
    )


def parts_of(session: Session, code: str) -> list[Battery]:
    """The units taken out of ``code`` as the log has them."""
    return list(session.exec(select(Battery).where(Battery.parent_code == code).order_by(col(Battery.code))))
