"""Fast grouping for large stock: anchors in capacity order, resistance windows.

Walk the units in capacity order. The first unused unit anchors a product; its
partners come from the next unused units close in capacity. Among those, each
resistance window that holds the anchor (a window [r, r·(1 + limit)] is within the
resistance limit whatever the mean) is filled with the lowest-capacity units that keep
the OCV range within its limit; the window whose product reaches the least far up in
capacity wins, so higher units stay free for the next anchors. An anchor no window can
fill is passed over. Windows are sufficient conditions and every product is checked
exactly before it is kept.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from secondlife._scaled import Limit, Scaled

Group = list[int]

#: Windows tried per anchor and quantity: more finds slightly tighter products, slower.
_TRIES = 6


def _sample(values: list[Any], most: int) -> list[Any]:
    """At most ``most`` values spread evenly over ``values``, both ends kept."""
    if len(values) <= most:
        return values
    step = (len(values) - 1) / (most - 1)
    return sorted({values[round(i * step)] for i in range(most)})


def _upper(limit: Limit, low: int) -> int:
    """Largest value v with (v − low) ≤ limit·low: within the limit whatever the mean."""
    return low + (low * limit.num) // (100 * limit.den)


class _Free:
    """Unused positions in an order, with a skip-pointer walk (path halving)."""

    def __init__(self, n: int) -> None:
        self._next = list(range(n + 1))

    def take(self, position: int) -> None:
        self._next[position] = position + 1

    def first_from(self, position: int) -> int:
        nxt = self._next
        while nxt[position] != position:
            nxt[position] = nxt[nxt[position]]
            position = nxt[position]
        return position


def anchor_greedy(
    s: Scaled, order: Sequence[int], *, window: int = 0, deadline: float | None = None
) -> list[Group]:
    """Groups built anchor by anchor along ``order`` (capacity ascending or descending).

    At ``deadline`` (a :func:`time.perf_counter` value) the walk stops and the groups
    built so far are returned.
    """
    k = s.size
    window = window or 6 * k
    n = len(order)
    free = _Free(n)
    groups: list[Group] = []
    ascending = n < 2 or s.cap[order[0]] <= s.cap[order[-1]]
    for p in range(n):
        if free.first_from(p) != p:
            continue
        if deadline is not None and time.perf_counter() > deadline:
            break
        a = order[p]
        cands, positions = _candidates(s, order, free, p, window, ascending)
        if len(cands) < k - 1:
            continue
        picked = _pick(s, a, cands)
        if picked is None:
            continue
        group = [a, *picked]
        if not s.feasible(group):
            continue
        groups.append(group)
        free.take(p)
        for b in picked:
            free.take(positions[b])
    return groups


def _candidates(
    s: Scaled, order: Sequence[int], free: _Free, p: int, window: int, ascending: bool
) -> tuple[list[int], dict[int, int]]:
    a = order[p]
    low_cap = s.cap[a]
    reach = _upper(s.cap_limit, low_cap) if ascending else None
    cands: list[int] = []
    positions: dict[int, int] = {}
    q = free.first_from(p + 1)
    while q < len(order) and len(cands) < window:
        b = order[q]
        if reach is not None and s.cap[b] > reach:
            break
        if reach is None and _upper(s.cap_limit, s.cap[b]) < low_cap:
            break
        if abs(s.ocv[a] - s.ocv[b]) <= s.ocv_reach and s.compatible(a, b):
            cands.append(b)
            positions[b] = q
        q = free.first_from(q + 1)
    return cands, positions


def _pick(s: Scaled, a: int, cands: list[int]) -> list[int] | None:
    """The k − 1 partners of ``a`` reaching least far along ``cands``, or ``None``."""
    need = s.size - 1
    r_a = s.res[a]
    lows = _sample(sorted({s.res[b] for b in cands if s.res[b] <= r_a} | {r_a}), _TRIES)
    best: tuple[int, Fraction] | None = None
    chosen: list[int] | None = None
    for low in lows:
        high = _upper(s.res_limit, low)
        if high < r_a:
            continue
        members = [i for i, b in enumerate(cands) if low <= s.res[b] <= high]
        if len(members) < need:
            continue
        picked = _fill_ocv(s, a, cands, members, need)
        if picked is None:
            continue
        group = [a, *(cands[i] for i in picked)]
        score = (picked[-1], s.share(group))
        if best is None or score < best:
            best, chosen = score, [cands[i] for i in picked]
    return chosen


def _fill_ocv(s: Scaled, a: int, cands: list[int], members: list[int], need: int) -> list[int] | None:
    """First ``need`` members in order whose OCVs stay within the limit with ``a``'s.

    Tries the OCV window starting at each value at or below the anchor's, so a member at
    one edge does not shut out the rest.
    """
    limit = s.ocv_reach
    v_a = s.ocv[a]
    starts = _sample(
        sorted({s.ocv[cands[i]] for i in members if v_a - limit <= s.ocv[cands[i]] <= v_a} | {v_a}), _TRIES
    )
    best: list[int] | None = None
    for low in starts:
        high = low + limit
        picked: list[int] = []
        for i in members:
            if low <= s.ocv[cands[i]] <= high:
                picked.append(i)
                if len(picked) == need:
                    break
        if len(picked) == need and (best is None or picked[-1] < best[-1]):
            best = picked
    return best
