"""Narrowing the exact model: candidates keep every product, parts and caps keep the optimum."""

from __future__ import annotations

import importlib
from fractions import Fraction
from itertools import combinations

import pytest

from secondlife import SHARE_RESOLUTION, Status, check, regroup
from secondlife._scaled import Scaled
from secondlife._split import candidates, parts
from tests.secondlife.builders import random_stock, spec, unit
from tests.secondlife.test_regroup import _brute_force


@pytest.mark.parametrize(("seed", "size", "per_product"), [(1, 12, 3), (2, 12, 4), (3, 14, 4)])
def test_candidates_keep_every_member_of_every_product(seed: int, size: int, per_product: int) -> None:
    """Every group within the limits is among its anchor's candidates: only the impossible is removed."""
    s = Scaled.build(random_stock(seed, size), spec(units_per_product=per_product))
    found = candidates(s, range(len(s)))
    feasible = [g for g in combinations(range(len(s)), per_product) if s.feasible(g)]
    assert feasible
    for group in feasible:
        anchor = min(group, key=lambda i: (s.cap[i], i))
        assert set(group) - {anchor} <= found[anchor]


def test_stock_far_apart_in_capacity_splits_into_parts_and_is_proven() -> None:
    """Two capacity clusters are two parts; the engine proves the brute-forced count and spread."""
    low = [unit(f"L{i}", 40 + 0.1 * i, 1 + 0.01 * i) for i in range(7)]
    high = [unit(f"H{i}", 60 + 0.15 * i, 1 + 0.02 * i) for i in range(5)]
    stock = low + high
    product = spec()
    s = Scaled.build(stock, product)
    assert sorted(len(p) for p in parts(candidates(s, range(len(s))))) == [3, 5]
    count, worst = _brute_force(product, stock)
    result = regroup(stock, product, time_limit_s=20)
    assert result.status is Status.OPTIMAL and len(result.products) == count == 3
    assert abs(Fraction(result.worst_spread) - worst) <= SHARE_RESOLUTION
    assert check(product, stock, result.products, [i.unit_id for i in result.leftover]) == []


@pytest.mark.parametrize(("seed", "size", "per_product"), [(0, 9, 3), (8, 12, 4), (13, 12, 4)])
def test_counts_proven_with_cut_caps_match_brute_force(
    seed: int, size: int, per_product: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no first try, the count is proven through the caps of each cut, and is the enumerated optimum."""
    monkeypatch.setattr(importlib.import_module("secondlife.regroup"), "_FIRST_SECONDS", 0.0)
    stock = random_stock(seed, size)
    product = spec(units_per_product=per_product)
    count, worst = _brute_force(product, stock)
    result = regroup(stock, product, time_limit_s=20)
    assert result.status is Status.OPTIMAL and len(result.products) == count
    assert abs(Fraction(result.worst_spread) - worst) <= SHARE_RESOLUTION


def test_the_count_bound_is_the_enumerated_optimum() -> None:
    """A proven most-products solve reports its bound, equal to the brute-forced count."""
    from secondlife import _exact

    stock = random_stock(2, 12)
    product = spec(units_per_product=4)
    s = Scaled.build(stock, product)
    answer = _exact.solve(s, range(len(s)), time_limit_s=20, candidates=candidates(s, range(len(s))))
    assert answer.outcome is _exact.Outcome.PROVEN and answer.bound == _brute_force(product, stock)[0]
