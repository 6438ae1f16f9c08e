"""Narrowing the exact model: each anchor's possible members, independent parts, proven caps.

A product is written down by its anchor, its first unit in capacity order (see
:mod:`secondlife._exact`). :func:`candidates` keeps, for each anchor a, the units that
may still share a product with it, by tests every member of a product within the limits
passes:

- a member is compatible (:meth:`Scaled.compatible`) with a and with at least k − 1
  kept units: the product's other members;
- a member lies in a resistance window and in an OCV window holding at least k kept
  units: the product's own minimum opens such a window (the pairwise test of
  :mod:`secondlife._scaled` bounds any product's max/min, and OCV is an absolute range).

The tests are repeated until nothing changes, so each removes only units no product
anchored at a can hold. :func:`parts` splits the anchors into groups whose kept units
never meet: no product takes units of two parts, so the most products is the sum of
each part's most, and with every part at its most the least worst spread is the
largest of the parts' own least (a grouping with the most products must have the most
in every part).

:func:`cut_points` picks anchors to cut a part at by capacity: products anchored below
a cut and those anchored at or above it are counted separately, each count proven by a
smaller solve; the caps are valid whatever else holds and let CP-SAT close the gap a
single model often leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from secondlife._exact import _pair_ok
from secondlife._scaled import Scaled

Candidates = dict[int, frozenset[int]]


def candidates(s: Scaled, units: Sequence[int]) -> Candidates:
    """By anchor, the units (after it in capacity order) that pass the tests above."""
    k = s.size
    order = sorted(units, key=lambda i: (s.cap[i], i))
    near = {a: {b for b in units if b != a and s.compatible(a, b)} for a in units}
    res = (s.res_limit.num, s.res_limit.den)
    out: Candidates = {}
    for position, a in enumerate(order):
        kept = {a} | {b for b in order[position + 1 :] if b in near[a]}
        while len(kept) >= k:
            size = len(kept)
            kept = {b for b in kept if b == a or len(near[b] & kept) >= k - 1}
            kept &= _in_full_window(kept, s.res, k, lambda low, high: _pair_ok(res, k, low, high))
            kept &= _in_full_window(kept, s.ocv, k, lambda low, high: high - low <= s.ocv_reach)
            if a not in kept:
                kept = set()
            if len(kept) == size:
                break
        if len(kept) >= k:
            out[a] = frozenset(kept - {a})
    return out


def _in_full_window(
    kept: set[int], values: Sequence[int], k: int, fits: Callable[[int, int], bool]
) -> set[int]:
    """Units of ``kept`` in some window, opened at a kept unit's value, that holds k kept units."""
    ordered = sorted(kept, key=lambda i: values[i])
    inside: set[int] = set()
    for start, low in enumerate(ordered):
        window = [b for b in ordered[start:] if fits(values[low], values[b])]
        if len(window) >= k:
            inside.update(window)
    return inside


def parts(found: Candidates) -> list[Candidates]:
    """The anchors split into parts whose units never meet (a union-find over anchors' units)."""
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        while parent.setdefault(i, i) != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, members in found.items():
        for b in members:
            parent[root(b)] = root(a)
    out: dict[int, Candidates] = {}
    for a, members in found.items():
        out.setdefault(root(a), {})[a] = members
    return list(out.values())


def units_of(part: Candidates) -> list[int]:
    """Every unit a part's anchors may use."""
    return sorted(set(part) | {b for members in part.values() for b in members})


def cut_points(s: Scaled, part: Candidates, count: int = 7) -> list[frozenset[int]]:
    """Anchor sets "below the cut" at ``count`` capacity quantiles of the part's anchors."""
    anchors = sorted(part, key=lambda a: (s.cap[a], a))
    cuts = {round(len(anchors) * (q + 1) / (count + 1)) for q in range(count)}
    return [frozenset(anchors[:c]) for c in sorted(cuts) if 0 < c < len(anchors)]
