"""Exact grouping with OR-Tools CP-SAT.

Each product is represented by its anchor, the unit first in capacity order (ties by
position), so a product has exactly one way to be written down and the model has no
symmetric copies of a solution: ``z[a]`` says unit a anchors a product and ``x[b, a]``
that unit b (later in the order, and able to share a product with a at all) is in it.
Capacity's minimum is then the anchor's own value; resistance and OCV get min/max
variables bound by the members. Every limit is the exact integer inequality of
:mod:`secondlife._scaled`, scaled by a share ``t`` (1 = the spec's limits) so the same
model also asks "is there a grouping with every spread within t of its limit?".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from ortools.sat.python import cp_model

from secondlife._scaled import Scaled

Group = list[int]


class Outcome(Enum):
    """What a solve established."""

    PROVEN = "proven"  # optimal (or, for a feasibility question, answered)
    FOUND = "found"  # a solution, no proof
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Answer:
    """Groups found (index lists) and what the solve proved."""

    groups: list[Group]
    outcome: Outcome


def solve(
    s: Scaled,
    units: Sequence[int],
    *,
    time_limit_s: float,
    hint: Sequence[Group] = (),
    share: Fraction = Fraction(1),
    min_count: int | None = None,
    workers: int = 2,
) -> Answer:
    """Most products from ``units`` with every spread within ``share`` of its limit.

    With ``min_count`` the question is feasibility: at least that many products.
    """
    model = _Model(s, units, share)
    if min_count is None:
        model.m.maximize(sum(model.z.values()))
    else:
        model.m.add(sum(model.z.values()) >= min_count)
    model.add_hint(hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit_s, 0.01)
    solver.parameters.num_workers = workers
    solver.parameters.linearization_level = 2
    solver.parameters.random_seed = 7
    status = solver.solve(model.m)
    if status == cp_model.INFEASIBLE:
        return Answer([], Outcome.INFEASIBLE)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Answer([], Outcome.UNKNOWN)
    groups = model.read(solver)
    proven = status == cp_model.OPTIMAL
    return Answer(groups, Outcome.PROVEN if proven else Outcome.FOUND)


class _Model:
    def __init__(self, s: Scaled, units: Sequence[int], share: Fraction) -> None:
        self.s = s
        self.m = cp_model.CpModel()
        self.order = sorted(units, key=lambda i: (s.cap[i], i))
        self.z: dict[int, cp_model.IntVar] = {}
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.uses: dict[int, list[cp_model.IntVar]] = {}
        k = s.size
        cap_num, cap_den = _scaled_limit(s.cap_limit.num, s.cap_limit.den, share)
        res_num, res_den = _scaled_limit(s.res_limit.num, s.res_limit.den, share)
        ocv = s.ocv_limit * share
        for p, a in enumerate(self.order):
            partners = [b for b in self.order[p + 1 :] if s.compatible(a, b)]
            if len(partners) < k - 1:
                continue
            self._anchor(a, partners, (cap_num, cap_den), (res_num, res_den), ocv)
        for uses in self.uses.values():
            if len(uses) > 1:
                self.m.add_at_most_one(uses)

    def _anchor(
        self,
        a: int,
        partners: list[int],
        cap: tuple[int, int],
        res: tuple[int, int],
        ocv: Fraction,
    ) -> None:
        s, m, k = self.s, self.m, self.s.size
        z = m.new_bool_var(f"z{a}")
        self.z[a] = z
        xs = {b: m.new_bool_var(f"x{b}_{a}") for b in partners}
        self.x.update({(b, a): v for b, v in xs.items()})
        self.uses.setdefault(a, []).append(z)
        for b, v in xs.items():
            self.uses.setdefault(b, []).append(v)
        m.add(sum(xs.values()) == (k - 1) * z)
        members = [a, *partners]
        # capacity: the anchor is the minimum
        hi_c = m.new_int_var(s.cap[a], max(s.cap[b] for b in members), f"hc{a}")
        for b, v in xs.items():
            m.add(hi_c >= s.cap[b]).only_enforce_if(v)
        total_c = s.cap[a] * z + sum(s.cap[b] * v for b, v in xs.items())
        m.add(100 * k * cap[1] * (hi_c - s.cap[a]) <= cap[0] * total_c).only_enforce_if(z)
        # resistance and OCV: both ends are variables
        for values, limit in ((s.res, res), (s.ocv, None)):
            low = min(values[b] for b in members)
            high = max(values[b] for b in members)
            lo = m.new_int_var(low, values[a], f"lo{a}")
            hi = m.new_int_var(values[a], high, f"hi{a}")
            for b, v in xs.items():
                m.add(lo <= values[b]).only_enforce_if(v)
                m.add(hi >= values[b]).only_enforce_if(v)
            if limit is None:
                m.add((hi - lo) * ocv.denominator <= ocv.numerator).only_enforce_if(z)
            else:
                total = values[a] * z + sum(values[b] * v for b, v in xs.items())
                m.add(100 * k * limit[1] * (hi - lo) <= limit[0] * total).only_enforce_if(z)

    def add_hint(self, groups: Sequence[Group]) -> None:
        chosen: dict[int, int] = {}
        for group in groups:
            anchor = min(group, key=lambda i: (self.s.cap[i], i))
            if anchor not in self.z or any((b, anchor) not in self.x for b in group if b != anchor):
                continue
            chosen[anchor] = anchor
            chosen.update({b: anchor for b in group})
        for a, var in self.z.items():
            self.m.add_hint(var, chosen.get(a) == a)
        for (b, a), var in self.x.items():
            self.m.add_hint(var, chosen.get(b) == a and b != a)

    def read(self, solver: cp_model.CpSolver) -> list[Group]:
        groups: dict[int, Group] = {a: [a] for a, v in self.z.items() if solver.boolean_value(v)}
        for (b, a), v in self.x.items():
            if solver.boolean_value(v):
                groups[a].append(b)
        return list(groups.values())


def _scaled_limit(num: int, den: int, share: Fraction) -> tuple[int, int]:
    value = Fraction(num, den) * share
    return value.numerator, value.denominator
