"""Regroup graded units into cascade products: most products, then the smallest worst spread.

:func:`regroup` works in three steps.

1. Units of another chemistry, or too weak for the product's rated capacity, are set
   aside; so are units that cannot share a product with k − 1 others at all (a pairwise
   necessary test on each quantity, repeated until nothing changes).
2. Quick groupings — sort-and-slide and anchor-greedy upwards and downwards in
   capacity (:mod:`secondlife._heuristic`) — give a first answer; the best is kept.
3. Small stock (``exact_max_units``, 400 by default) goes to CP-SAT
   (:mod:`secondlife._exact`): first the most products, proven; then, with that many
   products required, a bisection on the worst spread: "is there a grouping with every
   spread within t of its limit?" until the best found and the largest t proven
   impossible are within :data:`SHARE_RESOLUTION` of each other. Larger stock is
   improved by CP-SAT on slices of neighbouring capacity (a large-neighbourhood search)
   until the time limit.

The time limit bounds steps 2 and 3: a greedy pass stops at the deadline (keeping the
products built so far), the downward pass runs only if the upward one left it as much
time as it took, and building a CP-SAT model counts against the limit (a model not
built in time answers nothing). Outside the limit are step 1 (on stock up to
``exact_max_units``; linear filtering above it), the sort-and-slide pass (about 0.5 s
on 20,000 units here), one CP-SAT call's overshoot of its own limit, and explaining the
leftovers at the end: a 10 s call on 20,000 units takes about 10.3 s here.

``status`` is ``optimal`` only when both steps of 3 were proven (the worst spread to
within :data:`SHARE_RESOLUTION` of its limit), or when no product can be built at all.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterator, Sequence
from fractions import Fraction

from secondlife import _exact
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
) -> Regrouping:
    """Group ``stock`` into products of ``spec``; see the module docstring for the method."""
    started = time.perf_counter()
    deadline = started + time_limit_s
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
    groups = _quick(s, pool, deadline)
    proven = len(pool) < s.size
    method = "heuristic"
    if not proven and len(pool) <= exact_max_units:
        groups, proven = _exact_search(s, pool, groups, deadline, workers)
        method = "cp-sat"
    elif not proven:
        groups = _neighbourhoods(s, groups, deadline, workers)
        method = "heuristic+cp-sat"
    return _result(s, groups, aside, proven, method, time.perf_counter() - started)


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


def _quick(s: Scaled, pool: Sequence[int], deadline: float) -> list[Group]:
    """The best of sort-and-slide and anchor-greedy up, then down if there is time."""
    ordered = sorted(pool, key=lambda i: (s.cap[i], s.ids[i]))
    sub = set(pool)
    started = time.perf_counter()
    tries = [[g for g in slide(s) if all(i in sub for i in g)], anchor_greedy(s, ordered, deadline=deadline)]
    if deadline - time.perf_counter() > time.perf_counter() - started:
        tries.append(anchor_greedy(s, ordered[::-1], deadline=deadline))
    return min(tries, key=lambda gs: (-len(gs), _worst(s, gs)))


def _worst(s: Scaled, groups: Sequence[Group]) -> Fraction:
    return max((s.share(g) for g in groups), default=Fraction(0))


def _exact_search(
    s: Scaled, pool: list[int], groups: list[Group], deadline: float, workers: int
) -> tuple[list[Group], bool]:
    first = _exact.solve(s, pool, time_limit_s=deadline - time.perf_counter(), hint=groups, workers=workers)
    if first.outcome in (_exact.Outcome.PROVEN, _exact.Outcome.FOUND) and _better(s, first.groups, groups):
        groups = first.groups
    if first.outcome is not _exact.Outcome.PROVEN:
        return groups, False
    if not groups:
        return groups, True
    low, high = Fraction(0), _worst(s, groups)
    while high - low > SHARE_RESOLUTION:
        left = deadline - time.perf_counter()
        if left <= 0:
            return groups, False
        middle = _grid(low + (high - low) / 2)
        answer = _exact.solve(
            s, pool, time_limit_s=left, hint=groups, share=middle, min_count=len(groups), workers=workers
        )
        if answer.outcome is _exact.Outcome.INFEASIBLE:
            low = middle
        elif answer.groups:
            groups, high = answer.groups, _worst(s, answer.groups)
        else:
            return groups, False
    return groups, True


def _grid(value: Fraction) -> Fraction:
    """Round down to the bisection grid (keeps the model's integers small)."""
    steps = 4096
    return Fraction(int(value * steps), steps)


def _better(s: Scaled, new: list[Group], old: list[Group]) -> bool:
    return (len(new), -_worst(s, new)) > (len(old), -_worst(s, old))


def _neighbourhoods(s: Scaled, groups: list[Group], deadline: float, workers: int) -> list[Group]:
    """Re-solve runs of neighbouring capacity holding at least k free units, until the deadline."""
    order = sorted(range(len(s)), key=lambda i: (s.cap[i], s.ids[i]))
    groups = [list(g) for g in groups]
    for offset in (0, _SLICE_MOST // 3, 2 * _SLICE_MOST // 3):
        groups = _one_pass(s, order, groups, offset, deadline, workers)
    return groups


def _one_pass(
    s: Scaled, order: list[int], groups: list[Group], start: int, deadline: float, workers: int
) -> list[Group]:
    k = s.size
    while start < len(order) and time.perf_counter() < deadline:
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
        left = min(deadline - time.perf_counter() - _BUILD_SECONDS, _SLICE_SECONDS)
        if left <= 0:
            break
        answer = _exact.solve(s, units, time_limit_s=left, hint=inside, workers=workers)
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
    seconds: float,
) -> Regrouping:
    groups = [sorted(g, key=lambda i: (s.cap[i], s.ids[i])) for g in groups]
    groups.sort(key=lambda g: (s.cap[g[0]], s.ids[g[0]]))
    used = {i for g in groups for i in g}
    reasons = _reasons(s, [i for i in range(len(s)) if i not in used])
    spreads = tuple(_spreads(s, g) for g in groups)
    return Regrouping(
        products=tuple(tuple(s.ids[i] for i in g) for g in groups),
        leftover=tuple(aside + reasons),
        status=Status.OPTIMAL if proven else Status.FEASIBLE,
        solve_seconds=seconds,
        method=method,
        worst_spread=float(_worst(s, groups)),
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


def _reasons(s: Scaled, left: list[int]) -> list[Leftover]:
    """Why each unit is left over: the first quantity that leaves it fewer than k − 1 partners."""
    order = sorted(range(len(s)), key=lambda i: s.cap[i])
    caps = [s.cap[order[q]] for q in range(len(order))]
    need = s.size - 1
    out = []
    for i in left:
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
