"""Reference groupings that ReLoop is measured against (benchmarks) and seeded with.

Sort-and-slide is what a workshop does by hand with a spreadsheet: sort the units by
capacity and walk a window of k consecutive units; when the window is within every
limit it becomes a product and the walk jumps past it, otherwise it slides by one.
"""

from __future__ import annotations

from collections.abc import Sequence

from secondlife._scaled import Scaled
from secondlife.model import ProductSpec, Unit

__all__ = ["sort_and_slide"]


def sort_and_slide(stock: Sequence[Unit], spec: ProductSpec) -> list[list[str]]:
    """Products (unit ids) of the sort-and-slide greedy over units of the spec's chemistry."""
    units = [u for u in stock if u.chemistry == spec.chemistry]
    floor = spec.min_unit_capacity_ah
    if floor is not None:
        units = [u for u in units if u.capacity_ah >= floor]
    scaled = Scaled.build(units, spec)
    return [[scaled.ids[i] for i in group] for group in slide(scaled)]


def slide(s: Scaled) -> list[list[int]]:
    """Sort-and-slide over scaled units, as index groups."""
    order = sorted(range(len(s)), key=lambda i: (s.cap[i], s.ids[i]))
    k = s.size
    groups = []
    start = 0
    while start + k <= len(order):
        window = order[start : start + k]
        if s.feasible(window):
            groups.append(window)
            start += k
        else:
            start += 1
    return groups
