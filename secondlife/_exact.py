"""Exact grouping with OR-Tools CP-SAT.

Each product is represented by its anchor, the unit first in capacity order (ties by
position), so a product has exactly one way to be written down and the model has no
symmetric copies of a solution: ``z[a]`` says unit a anchors a product and ``x[b, a]``
that unit b (later in the order, and able to share a product with a at all) is in it.
Capacity's minimum is then the anchor's own value. For resistance and OCV the model
chooses which member is the minimum (a "window" variable per candidate); every member
must lie in the chosen window, which is exact for OCV (an absolute range) and, for
resistance, leaves the mean-based limit as one linear inequality. Pairs of members
that can never share a product exclude each other. Every limit is the exact integer
inequality of :mod:`secondlife._scaled`, scaled by a share ``t`` (1 = the spec's
limits) so the same model also asks "is there a grouping with every spread within t
of its limit?".

A caller may narrow the members each anchor may take (``candidates``, from the
necessary tests of :mod:`secondlife._split`) and cap how many products are anchored in
a set of anchors (``caps``, upper bounds proven by earlier solves); both only remove
what no grouping within the limits uses, so an answer proven with them is proven.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Mapping, Sequence
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
    #: CP-SAT's deterministic time spent (about seconds, independent of the machine's load).
    work: float = 0.0
    #: When the most products were asked for: no grouping has more (proven, possibly not reached).
    bound: int | None = None


#: At most ``count`` products are anchored in ``anchors``.
Cap = tuple[frozenset[int], int]


def solve(
    s: Scaled,
    units: Sequence[int],
    *,
    time_limit_s: float,
    hint: Sequence[Group] = (),
    share: Fraction = Fraction(1),
    min_count: int | None = None,
    workers: int = 2,
    deterministic: bool = False,
    candidates: Mapping[int, Collection[int]] | None = None,
    caps: Sequence[Cap] = (),
) -> Answer:
    """Most products from ``units`` with every spread within ``share`` of its limit.

    With ``min_count`` the question is feasibility: at least that many products. With
    ``deterministic`` the limit is CP-SAT's deterministic time on one worker, so the same
    question gets the same answer however loaded the machine is. ``candidates`` (by
    anchor, the members it may take; an anchor not in it anchors nothing) and ``caps``
    narrow the model as the module docstring says.
    """
    started = time.perf_counter()
    try:
        deadline = float("inf") if deterministic else started + time_limit_s
        model = _Model(s, units, share, deadline, candidates)
    except _OutOfTime:
        return Answer([], Outcome.UNKNOWN)
    if min_count is None:
        model.m.maximize(sum(model.z.values()))
    else:
        model.m.add(sum(model.z.values()) >= min_count)
    for anchors, count in caps:
        model.m.add(sum(v for a, v in model.z.items() if a in anchors) <= count)
    model.add_hint(hint)
    solver = _solver(time_limit_s - (time.perf_counter() - started), workers, deterministic, time_limit_s)
    status = solver.solve(model.m)
    work = solver.deterministic_time
    if not model.z and min_count is None:
        return Answer([], Outcome.PROVEN, work, 0)
    if status == cp_model.INFEASIBLE:
        return Answer([], Outcome.INFEASIBLE, work, 0 if min_count is None else None)
    bound = _bound(solver) if min_count is None and status != cp_model.UNKNOWN else None
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Answer([], Outcome.UNKNOWN, work, bound)
    groups = model.read(solver)
    proven = status == cp_model.OPTIMAL
    return Answer(groups, Outcome.PROVEN if proven else Outcome.FOUND, work, bound)


def _bound(solver: cp_model.CpSolver) -> int:
    """CP-SAT's proven bound on the product count (an integer objective, reported as a float)."""
    return math.floor(solver.best_objective_bound + 1e-6)


def _solver(wall_left: float, workers: int, deterministic: bool, budget: float) -> cp_model.CpSolver:
    """A solver limited by the wall clock left (building the model counts against it), or
    in deterministic mode by deterministic time on a single worker and nothing else."""
    solver = cp_model.CpSolver()
    if deterministic:
        solver.parameters.num_workers = 1
        solver.parameters.max_deterministic_time = max(budget, 0.01)
    else:
        solver.parameters.max_time_in_seconds = max(wall_left, 0.01)
        solver.parameters.num_workers = workers
    solver.parameters.linearization_level = 2
    solver.parameters.random_seed = 7
    return solver


class _OutOfTime(Exception):
    """Building the model passed its deadline."""


class _Model:
    def __init__(
        self,
        s: Scaled,
        units: Sequence[int],
        share: Fraction,
        deadline: float,
        candidates: Mapping[int, Collection[int]] | None = None,
    ) -> None:
        self.s = s
        self.m = cp_model.CpModel()
        self.order = sorted(units, key=lambda i: (s.cap[i], i))
        self.z: dict[int, cp_model.IntVar] = {}
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.uses: dict[int, list[cp_model.IntVar]] = {}
        self.windows: list[tuple[int, Sequence[int], dict[int, cp_model.IntVar]]] = []
        k = s.size
        cap_num, cap_den = _scaled_limit(s.cap_limit.num, s.cap_limit.den, share)
        res_num, res_den = _scaled_limit(s.res_limit.num, s.res_limit.den, share)
        ocv = s.ocv_limit * share
        self.compatible = {a: {b for b in units if b != a and s.compatible(a, b)} for a in units}
        for p, a in enumerate(self.order):
            if time.perf_counter() > deadline:
                raise _OutOfTime
            allowed = self.compatible[a] if candidates is None else candidates.get(a, ())
            partners = [b for b in self.order[p + 1 :] if b in allowed and b in self.compatible[a]]
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
        # resistance and OCV: which member is the group's minimum is a choice (a window)
        res_low = self._windows(a, z, xs, s.res, lambda low, high: _pair_ok(res, k, low, high))
        self._windows(a, z, xs, s.ocv, lambda low, high: (high - low) <= ocv)
        hi_r = m.new_int_var(s.res[a], max(s.res[b] for b in members), f"hr{a}")
        for b, v in xs.items():
            m.add(hi_r >= s.res[b]).only_enforce_if(v)
        total_r = s.res[a] * z + sum(s.res[b] * v for b, v in xs.items())
        for low, y in res_low.items():
            m.add(100 * k * res[1] * (hi_r - s.res[low]) <= res[0] * total_r).only_enforce_if(y)
        # members that can never share a product with each other
        for i, b in enumerate(partners):
            near = self.compatible[b]
            for c in partners[i + 1 :]:
                if c not in near:
                    m.add_bool_or([xs[b].Not(), xs[c].Not()])

    def _windows(
        self,
        a: int,
        z: cp_model.IntVar,
        xs: dict[int, cp_model.IntVar],
        values: Sequence[int],
        fits: Callable[[int, int], bool],
    ) -> dict[int, cp_model.IntVar]:
        """One choice per possible minimum member; every member must fit above it."""
        m = self.m
        picked = {a: z, **xs}
        lows = [b for b in picked if values[b] <= values[a] and fits(values[b], values[a])]
        chosen = {low: m.new_bool_var(f"w{a}_{low}") for low in lows}
        self.windows.append((a, values, chosen))
        m.add(sum(chosen.values()) == z)
        for low, y in chosen.items():
            m.add_implication(y, picked[low])
        for b, v in xs.items():
            covering = [
                y for low, y in chosen.items() if values[low] <= values[b] and fits(values[low], values[b])
            ]
            m.add(v <= sum(covering))
        return chosen

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
        for a, values, options in self.windows:
            members = [u for u, anchor in chosen.items() if anchor == a]
            low = min(members, key=lambda u: (values[u], u)) if members else None
            for u, var in options.items():
                self.m.add_hint(var, u == low)

    def read(self, solver: cp_model.CpSolver) -> list[Group]:
        groups: dict[int, Group] = {a: [a] for a, v in self.z.items() if solver.boolean_value(v)}
        for (b, a), v in self.x.items():
            if solver.boolean_value(v):
                groups[a].append(b)
        return list(groups.values())


def _pair_ok(limit: tuple[int, int], size: int, low: int, high: int) -> bool:
    """Necessary test of :meth:`Limit.pair_ok` for a limit given as (num, den)."""
    num, den = limit
    slack = 100 * den * size - num * (size - 1)
    return slack <= 0 or high * slack <= low * (100 * den * size + num)


def _scaled_limit(num: int, den: int, share: Fraction) -> tuple[int, int]:
    value = Fraction(num, den) * share
    return value.numerator, value.denominator
