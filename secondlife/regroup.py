"""Regroup graded units into cascade products: most products, then the smallest worst spread.

:func:`regroup` works in three steps.

1. Units of another chemistry, or too weak for the product's rated capacity, are set
   aside; so are units that cannot share a product with k − 1 others at all (a pairwise
   necessary test on each quantity, repeated until nothing changes).
2. Quick groupings — sort-and-slide and anchor-greedy upwards and downwards in
   capacity (:mod:`secondlife._heuristic`) — give a first answer; the best is kept.
3. Small stock (``exact_max_units``, 400 by default) goes to CP-SAT
   (:mod:`secondlife._exact`), split into parts whose units no product can mix
   (:mod:`secondlife._split`: each anchor's possible members by necessary tests, then
   the anchors whose members meet). In each part, first the most products, proven: one
   short try, and when that leaves a gap, upper bounds on the products anchored below
   and above a few capacity cuts (each a smaller proven solve, helped by the bounds
   before it) are added to the model as caps and it is solved again. Then, with every
   part at its most, a bisection on the worst spread: "is there a grouping with every
   spread within t of its limit?" until the best found and the largest t proven
   impossible are within :data:`SHARE_RESOLUTION` of each other (the part with the
   worst spread first; another part stops once it is below what the first proved).
   Larger stock is improved by CP-SAT on slices of neighbouring capacity (a
   large-neighbourhood search) until the time limit.

The time limit bounds the whole call. The search (steps 2 and 3) stops at a deadline
set before the limit by a reserve for what follows it — one CP-SAT call's overshoot of
its own limit, explaining the leftovers and building the result — of 0.3 s plus
45 µs a unit (at most a quarter of the limit). A greedy pass stops at the deadline
(keeping the products built so far), the downward pass runs only if the upward one
left it as much time as it took, and building a CP-SAT model counts against it (a
model not built in time answers nothing). Only the sort-and-slide pass cannot be
stopped (about 0.4 s on 20,000 units here): a 10 s call on 20,000 units returns
after about 9.3 s here. When a search cut short leaves many units over, explaining them
could outlast the reserve: the units not reached by the limit are marked
``not_examined`` rather than the limit passed.

With ``deterministic=True`` the answer depends on the stock and the spec alone, never on
the machine's load: CP-SAT runs on one worker and the limit is counted in its
deterministic time (about seconds), the greedy passes always run to their end and
every leftover is explained. The wall-clock time is then only roughly the limit plus
the Python passes (the demo's seed uses it, so a seeded year is the same every time).

``status`` is ``optimal`` only when both steps of 3 were proven (the worst spread to
within :data:`SHARE_RESOLUTION` of its limit), or when no product can be built at all.
Every bound used is a proof: the candidates and parts remove only what no product
within the limits uses, a cap is CP-SAT's proven bound on a sub-model whose groupings
are groupings of the whole, and the most products of the whole is the sum of its
parts' most (tests/secondlife/test_split.py checks each against brute force).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

from secondlife import _exact, _split
from secondlife._heuristic import anchor_greedy
from secondlife._scaled import Scaled
from secondlife.baselines import slide
from secondlife.model import (
    Leftover,
    LeftoverReason,
    ProductSpec,
    Regrouping,
    Status,
    Unit,
    check_unique_ids,
)

__all__ = ["SHARE_RESOLUTION", "regroup"]

#: The worst spread is proven minimal to within this share of its limit (0.1 %).
SHARE_RESOLUTION = Fraction(1, 1000)

Group = list[int]


def regroup(
    stock: Sequence[Unit],
    spec: ProductSpec,
    *,
    time_limit_s: float = 10.0,
    exact_max_units: int = 400,
    workers: int = 2,
    deterministic: bool = False,
) -> Regrouping:
    """Group ``stock`` into products of ``spec``; see the module docstring for the method."""
    started = time.perf_counter()
    clock = _Clock.start(started, time_limit_s - _reserve(len(stock), time_limit_s), deterministic, workers)
    check_unique_ids(stock)
    floor = spec.min_unit_capacity_ah
    aside: list[Leftover] = []
    eligible: list[Unit] = []
    for unit in stock:
        if unit.chemistry != spec.chemistry:
            aside.append(Leftover(unit.unit_id, LeftoverReason.CHEMISTRY))
        elif floor is not None and unit.capacity_ah < floor:
            aside.append(Leftover(unit.unit_id, LeftoverReason.BELOW_TARGET))
        else:
            eligible.append(unit)
    s = Scaled.build(eligible, spec)
    pool = _prune(s) if len(s) <= exact_max_units else list(range(len(s)))
    groups = _quick(s, pool, clock)
    proven = len(pool) < s.size
    method = "heuristic"
    if not proven and len(pool) <= exact_max_units:
        groups, proven = _exact_search(s, pool, groups, clock)
        method = "cp-sat"
    elif not proven:
        groups = _neighbourhoods(s, groups, clock)
        method = "heuristic+cp-sat"
    end = float("inf") if deterministic else started + time_limit_s
    return _result(s, groups, aside, proven, method, started, end)


@dataclass
class _Clock:
    """What is left of the search's limit: wall-clock seconds to ``deadline``, or, when
    ``deterministic``, CP-SAT deterministic seconds in ``budget`` (the Python passes are
    then not timed at all, so the answer never depends on the machine's load)."""

    deadline: float
    budget: float
    deterministic: bool
    workers: int

    @classmethod
    def start(cls, started: float, seconds: float, deterministic: bool, workers: int) -> _Clock:
        return cls(started + seconds, seconds, deterministic, workers)

    @property
    def wall_deadline(self) -> float | None:
        """The deadline the greedy passes stop at, or ``None`` when they must run to the end."""
        return None if self.deterministic else self.deadline

    def left(self) -> float:
        return self.budget if self.deterministic else self.deadline - time.perf_counter()

    def solve(
        self,
        s: Scaled,
        units: Sequence[int],
        limit: float,
        *,
        hint: Sequence[Group],
        share: Fraction = Fraction(1),
        min_count: int | None = None,
        part: _split.Candidates | None = None,
        caps: Sequence[_exact.Cap] = (),
    ) -> _exact.Answer:
        """One CP-SAT call of at most ``limit`` seconds, counted against the budget."""
        answer = _exact.solve(
            s,
            units,
            time_limit_s=limit,
            hint=hint,
            share=share,
            min_count=min_count,
            workers=self.workers,
            deterministic=self.deterministic,
            candidates=part,
            caps=caps,
        )
        self.budget -= answer.work
        return answer


#: Kept back from the limit for what runs after the search: one CP-SAT call's overshoot
#: of its own limit, and per unit, explaining the leftovers and building the result
#: (about 23 µs a unit on 20,000 units here; twice that for slower machines).
_TAIL_SECONDS = 0.3
_TAIL_SECONDS_PER_UNIT = 45e-6
#: Kept back from the limit for packing the result once the leftovers are explained
#: (a machine twice as loaded as this one's worst run in mind).
_FINISH_SECONDS = 0.1


def _reserve(units: int, time_limit_s: float) -> float:
    """Seconds of the limit kept for the end (at most a quarter of it)."""
    return min(time_limit_s / 4, _TAIL_SECONDS + _TAIL_SECONDS_PER_UNIT * units)


def _prune(s: Scaled, units: Sequence[int] | None = None) -> list[int]:
    """Units (of ``units``, default all) that can still share a product with k − 1 others."""
    pool = list(range(len(s))) if units is None else list(units)
    links = {i: {j for j in pool if j != i and s.compatible(i, j)} for i in pool}
    alive = set(pool)
    changed = True
    while changed:
        changed = False
        for i in list(alive):
            if len(links[i] & alive) < s.size - 1:
                alive.discard(i)
                changed = True
    return sorted(alive)


def _quick(s: Scaled, pool: Sequence[int], clock: _Clock) -> list[Group]:
    """The best of sort-and-slide and anchor-greedy up, then down if there is time."""
    ordered = sorted(pool, key=lambda i: (s.cap[i], s.ids[i]))
    sub = set(pool)
    started = time.perf_counter()
    deadline = clock.wall_deadline
    tries = [[g for g in slide(s) if all(i in sub for i in g)], anchor_greedy(s, ordered, deadline=deadline)]
    if deadline is None or deadline - time.perf_counter() > time.perf_counter() - started:
        tries.append(anchor_greedy(s, ordered[::-1], deadline=deadline))
    most = max(len(gs) for gs in tries)
    return min((gs for gs in tries if len(gs) == most), key=lambda gs: _worst(s, gs))


def _worst(s: Scaled, groups: Sequence[Group]) -> Fraction:
    return max((s.share(g) for g in groups), default=Fraction(0))


def _exact_search(s: Scaled, pool: list[int], groups: list[Group], clock: _Clock) -> tuple[list[Group], bool]:
    """The most products, then the least worst spread, part by part (:mod:`secondlife._split`)."""
    pieces = [_Part.of(s, part, groups) for part in _split.parts(_split.candidates(s, pool))]
    proven = True
    for number, piece in enumerate(sorted(pieces, key=lambda p: len(p.units))):
        proven = piece.count(s, clock, parts_left=len(pieces) - number) and proven
    if not proven:
        return [g for piece in pieces for g in piece.groups], False
    low = Fraction(0)
    for piece in sorted(pieces, key=lambda p: -_worst(s, p.groups)):
        low = max(low, piece.least_spread(s, clock, low))
    found = [g for piece in pieces for g in piece.groups]
    return found, _worst(s, found) - low <= SHARE_RESOLUTION


@dataclass
class _Part:
    """One part of the stock for the exact search: its anchors, units, best groups and caps."""

    part: _split.Candidates
    units: list[int]
    groups: list[Group]
    caps: list[_exact.Cap]

    @classmethod
    def of(cls, s: Scaled, part: _split.Candidates, groups: Sequence[Group]) -> _Part:
        # every member of a product within the limits is among its anchor's candidates
        mine = [g for g in groups if _anchor(s, g) in part]
        return cls(part, _split.units_of(part), mine, [])

    def count(self, s: Scaled, clock: _Clock, *, parts_left: int) -> bool:
        """Find the most products of this part; whether it is proven."""
        share = clock.left() / parts_left
        if self._most(s, clock, min(share / 3, _FIRST_SECONDS)):
            return True
        anchors = frozenset(self.part)
        below = _split.cut_points(s, self.part)
        # prefixes from the smallest up, then suffixes from the smallest up: a cap holds
        # in every model (a grouping of a subset is a grouping of the part), so each
        # solve is helped by all those before it
        for subset in [*below, *(anchors - b for b in reversed(below))]:
            sub = {a: self.part[a] for a in subset}
            hint = [g for g in self.groups if _anchor(s, g) in subset]
            limit = min(clock.left(), _CUT_SECONDS)
            if limit <= 0:
                return False
            answer = clock.solve(s, _split.units_of(sub), limit, hint=hint, part=sub, caps=self.caps)
            if answer.bound is not None:
                self.caps.append((subset, answer.bound))
        return self._most(s, clock, clock.left() - (parts_left - 1) * share)

    def _most(self, s: Scaled, clock: _Clock, limit: float) -> bool:
        if limit <= 0:
            return False
        answer = clock.solve(s, self.units, limit, hint=self.groups, part=self.part, caps=self.caps)
        if answer.groups and _better(s, answer.groups, self.groups):
            self.groups = answer.groups
        return answer.outcome is _exact.Outcome.PROVEN or answer.bound == len(self.groups)

    def least_spread(self, s: Scaled, clock: _Clock, floor: Fraction) -> Fraction:
        """Bisect this part's worst spread from ``floor`` (a share already proven impossible
        for the whole) until proven within SHARE_RESOLUTION; returns the share proven
        impossible for the whole (this part's, or ``floor`` when that is higher)."""
        low, high = floor, _worst(s, self.groups)
        while high - low > SHARE_RESOLUTION and self.groups:
            left = clock.left()
            if left <= 0:
                break
            middle = _grid(low + (high - low) / 2)
            answer = clock.solve(
                s,
                self.units,
                left,
                hint=self.groups,
                share=middle,
                min_count=len(self.groups),
                part=self.part,
                caps=self.caps,
            )
            if answer.outcome is _exact.Outcome.INFEASIBLE:
                low = middle
            elif answer.groups:
                self.groups, high = answer.groups, _worst(s, answer.groups)
            else:
                break
        return low


def _anchor(s: Scaled, group: Group) -> int:
    """The unit a group is written down by in the exact model: its first in capacity order."""
    return min(group, key=lambda i: (s.cap[i], i))


#: The first try at a part's count, and each cut's count, get at most this long.
_FIRST_SECONDS = 1.0
_CUT_SECONDS = 2.0


def _grid(value: Fraction) -> Fraction:
    """Round down to the bisection grid (keeps the model's integers small)."""
    steps = 4096
    return Fraction(int(value * steps), steps)


def _better(s: Scaled, new: list[Group], old: list[Group]) -> bool:
    return (len(new), -_worst(s, new)) > (len(old), -_worst(s, old))


def _neighbourhoods(s: Scaled, groups: list[Group], clock: _Clock) -> list[Group]:
    """Re-solve runs of neighbouring capacity holding at least k free units, until the deadline."""
    order = sorted(range(len(s)), key=lambda i: (s.cap[i], s.ids[i]))
    groups = [list(g) for g in groups]
    for offset in (0, _SLICE_MOST // 3, 2 * _SLICE_MOST // 3):
        groups = _one_pass(s, order, groups, offset, clock)
    return groups


def _one_pass(s: Scaled, order: list[int], groups: list[Group], start: int, clock: _Clock) -> list[Group]:
    k = s.size
    while start < len(order) and clock.left() > 0:
        used = {i for g in groups for i in g}
        end, free = start, 0
        while end < len(order) and free < 2 * k and end - start < _SLICE_MOST:
            free += order[end] not in used
            end += 1
        window = set(order[start:end])
        start = max(start + 1, (start + end) // 2)
        if free < k:
            continue
        inside = [g for g in groups if all(i in window for i in g)]
        units = [i for i in window if i not in used] + [i for g in inside for i in g]
        if len(_prune(s, units)) < (len(inside) + 1) * k:
            continue  # no room for one more product here, whatever the grouping
        # in deterministic mode building the model is not timed: nothing to keep back
        left = min(clock.left() - (0 if clock.deterministic else _BUILD_SECONDS), _SLICE_SECONDS)
        if left <= 0:
            break
        answer = clock.solve(s, units, left, hint=inside)
        if answer.groups and _better(s, answer.groups, inside):
            groups = [g for g in groups if not all(i in window for i in g)] + answer.groups
    return groups


#: A neighbourhood holds at most this many units and gets at most this long.
_SLICE_MOST = 320
_SLICE_SECONDS = 2.0
#: Kept back from the deadline for building a neighbourhood's model.
_BUILD_SECONDS = 0.5


def _result(
    s: Scaled,
    groups: list[Group],
    aside: list[Leftover],
    proven: bool,
    method: str,
    started: float,
    end: float,
) -> Regrouping:
    groups = [sorted(g, key=lambda i: (s.cap[i], s.ids[i])) for g in groups]
    groups.sort(key=lambda g: (s.cap[g[0]], s.ids[g[0]]))
    used = {i for g in groups for i in g}
    spreads = tuple(_spreads(s, g) for g in groups)
    worst = float(_worst(s, groups))
    # What is left of the limit goes to explaining leftovers; the rest are marked so.
    reasons = _reasons(s, [i for i in range(len(s)) if i not in used], deadline=end - _FINISH_SECONDS)
    seconds = time.perf_counter() - started
    return Regrouping(
        products=tuple(tuple(s.ids[i] for i in g) for g in groups),
        leftover=tuple(aside + reasons),
        status=Status.OPTIMAL if proven else Status.FEASIBLE,
        solve_seconds=seconds,
        method=method,
        worst_spread=worst,
        spreads=spreads,
    )


def _spreads(s: Scaled, group: Group) -> dict[str, float]:
    n = len(group)
    caps = [s.cap[i] for i in group]
    ress = [s.res[i] for i in group]
    ocvs = [s.ocv[i] for i in group]
    return {
        "capacity_pct": 100 * n * (max(caps) - min(caps)) / sum(caps),
        "resistance_pct": 100 * n * (max(ress) - min(ress)) / sum(ress),
        "ocv_mv": (max(ocvs) - min(ocvs)) / 10,
    }


def _reasons(s: Scaled, left: list[int], *, deadline: float) -> list[Leftover]:
    """Why each unit is left over: the first quantity that leaves it fewer than k − 1 partners.

    Units still waiting at ``deadline`` are marked :attr:`LeftoverReason.NOT_EXAMINED`.
    """
    order = sorted(range(len(s)), key=lambda i: s.cap[i])
    caps = [s.cap[order[q]] for q in range(len(order))]
    need = s.size - 1
    out = []
    for number, i in enumerate(left):
        if time.perf_counter() > deadline:
            out += [Leftover(s.ids[j], LeftoverReason.NOT_EXAMINED) for j in left[number:]]
            break
        near = res_count = all_count = 0
        for j in _capacity_neighbours(s, order, caps, i):
            near += 1
            if s.res_limit.pair_ok(s.size, *sorted((s.res[i], s.res[j]))):
                res_count += 1
                if abs(s.ocv[i] - s.ocv[j]) <= s.ocv_reach:
                    all_count += 1
                    if all_count >= need:
                        break
        if near < need:
            reason = LeftoverReason.CAPACITY
        elif all_count >= need:
            reason = LeftoverReason.NOT_ENOUGH
        elif res_count < need:
            reason = LeftoverReason.RESISTANCE
        else:
            reason = LeftoverReason.OCV
        out.append(Leftover(s.ids[i], reason))
    return out


def _capacity_neighbours(s: Scaled, order: list[int], caps: list[int], i: int) -> Iterator[int]:
    """Units that pass the pairwise capacity test with ``i``, nearest in capacity first (lazily)."""
    position = bisect.bisect_left(caps, s.cap[i])
    low, high = position - 1, position
    while True:
        below = low >= 0 and s.cap_limit.pair_ok(s.size, caps[low], s.cap[i])
        above = high < len(order) and s.cap_limit.pair_ok(s.size, s.cap[i], caps[high])
        if not (below or above):
            return
        if above:
            if order[high] != i:
                yield order[high]
            high += 1
        if below:
            yield order[low]
            low -= 1
