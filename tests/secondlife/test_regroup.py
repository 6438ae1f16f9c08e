"""The engine: known optima, every result checked independently, leftovers explained."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import pytest

from secondlife import (
    SHARE_RESOLUTION,
    InputError,
    LeftoverReason,
    ProductSpec,
    Status,
    Unit,
    check,
    regroup,
)
from tests.secondlife.builders import random_stock, spec, unit


def _share(spec_: ProductSpec, members: tuple[Unit, ...]) -> Fraction | None:
    """Worst spread as a share of its limit, or None when over a limit (brute-force side)."""
    shares = []
    for values, limit, relative in (
        ([Fraction(repr(u.capacity_ah)) for u in members], spec_.max_capacity_spread_pct, True),
        ([Fraction(repr(u.dcir_mohm)) for u in members], spec_.max_resistance_spread_pct, True),
        ([Fraction(repr(u.ocv_v)) * 1000 for u in members], spec_.max_ocv_spread_mv, False),
    ):
        width = max(values) - min(values)
        spread = width * 100 * len(values) / sum(values) if relative else width
        shares.append(spread / Fraction(repr(limit)))
    worst = max(shares)
    return worst if worst <= 1 else None


def _brute_force(spec_: ProductSpec, stock: list[Unit]) -> tuple[int, Fraction]:
    """Most products, then least worst share, by enumerating every set of disjoint groups."""
    k = spec_.units_per_product
    groups = [
        (frozenset(g), s)
        for g in combinations(range(len(stock)), k)
        if (s := _share(spec_, tuple(stock[i] for i in g))) is not None
    ]
    best = (0, Fraction(0))

    def extend(start: int, used: frozenset[int], count: int, worst: Fraction) -> None:
        nonlocal best
        if (count, -worst) > (best[0], -best[1]):
            best = (count, worst)
        for index in range(start, len(groups)):
            members, share = groups[index]
            if not members & used:
                extend(index + 1, used | members, count + 1, max(worst, share))

    extend(0, frozenset(), 0, Fraction(0))
    return best


@pytest.mark.parametrize(
    ("seed", "size", "per_product"), [(s, 9, 3) for s in range(6)] + [(6, 10, 2), (8, 12, 4), (13, 12, 4)]
)
def test_small_stock_matches_brute_force(seed: int, size: int, per_product: int) -> None:
    """On tiny random stock the engine proves the enumerated optimum (count, then worst spread)."""
    stock = random_stock(seed, size)
    product = spec(units_per_product=per_product)
    count, worst = _brute_force(product, stock)
    result = regroup(stock, product, time_limit_s=20)
    assert result.status is Status.OPTIMAL
    assert len(result.products) == count
    assert abs(Fraction(result.worst_spread) - worst) <= SHARE_RESOLUTION
    leftover = [item.unit_id for item in result.leftover]
    assert check(product, stock, result.products, leftover) == []


def test_a_hand_made_optimum_beats_consecutive_windows() -> None:
    """Two products exist only when capacity neighbours are split by resistance."""
    stock = [
        unit("a1", 50.0, 1.00),
        unit("b1", 50.1, 1.30),
        unit("a2", 50.2, 1.01),
        unit("b2", 50.3, 1.31),
        unit("a3", 50.4, 1.02),
        unit("b3", 50.5, 1.32),
    ]
    result = regroup(stock, spec(), time_limit_s=10)
    assert sorted(sorted(p) for p in result.products) == [["a1", "a2", "a3"], ["b1", "b2", "b3"]]
    assert result.status is Status.OPTIMAL


def test_leftover_reasons_name_what_stands_in_the_way() -> None:
    """Each leftover gets the first quantity that leaves it without partners."""
    good = [unit(f"g{i}", 50 + i * 0.1) for i in range(4)]
    stock = [
        *good,
        unit("ncm", chem="NCM"),
        unit("small", cap=40.0),
        unit("stiff", res=2.0),
        unit("charged", ocv=3.50),
    ]
    result = regroup(stock, spec(), time_limit_s=10)
    reasons = {item.unit_id: item.reason for item in result.leftover}
    assert len(result.products) == 1
    assert reasons["ncm"] is LeftoverReason.CHEMISTRY
    assert reasons["small"] is LeftoverReason.CAPACITY
    assert reasons["stiff"] is LeftoverReason.RESISTANCE
    assert reasons["charged"] is LeftoverReason.OCV
    (spare,) = [uid for uid, r in reasons.items() if uid.startswith("g")]
    assert reasons[spare] is LeftoverReason.NOT_ENOUGH
    leftover = list(reasons)
    assert check(spec(), stock, result.products, leftover) == []


def test_units_below_the_target_capacity_are_left_over() -> None:
    """With 100 Ah over 2 strings, a 49 Ah unit cannot serve."""
    stock = [unit(f"u{i}", 50.0 + i * 0.1) for i in range(4)] + [unit("weak", 49.0)]
    product = spec(units_per_product=4, series_count=2, parallel_count=2, target_capacity_ah=100)
    result = regroup(stock, product, time_limit_s=10)
    reasons = {item.unit_id: item.reason for item in result.leftover}
    assert reasons == {"weak": LeftoverReason.BELOW_TARGET}
    assert check(product, stock, result.products, list(reasons)) == []


def test_large_stock_path_returns_a_checked_feasible_grouping() -> None:
    """Without the exact model the fast method's grouping still passes the checker."""
    stock = random_stock(11, 60)
    product = spec(units_per_product=4)
    result = regroup(stock, product, time_limit_s=5, exact_max_units=0)
    assert result.status is Status.FEASIBLE and result.products
    assert check(product, stock, result.products, [i.unit_id for i in result.leftover]) == []


def test_no_product_possible_is_proven() -> None:
    """Fewer matching units than a product needs: nothing built, and that is optimal."""
    result = regroup([unit("a"), unit("b")], spec(), time_limit_s=5)
    assert result.products == () and result.status is Status.OPTIMAL


def test_the_same_unit_twice_is_refused() -> None:
    """Stock naming a unit twice is refused, naming the unit."""
    with pytest.raises(InputError, match="'a'"):
        regroup([unit("a"), unit("a"), unit("b")], spec())


def test_the_greedy_stops_at_its_deadline() -> None:
    """Construction is bounded by the time limit: past its deadline the walk builds nothing more."""
    import time

    from secondlife._heuristic import anchor_greedy
    from secondlife._scaled import Scaled

    stock = random_stock(3, 60)
    s = Scaled.build(stock, spec())
    order = sorted(range(len(s)), key=lambda i: s.cap[i])
    assert anchor_greedy(s, order, deadline=time.perf_counter() - 1) == []
    assert len(anchor_greedy(s, order, deadline=time.perf_counter() + 60)) > 0


def test_an_exact_model_past_its_deadline_answers_unknown() -> None:
    """Building a CP-SAT model counts against the limit; out of time the answer proves nothing."""
    from secondlife import _exact
    from secondlife._scaled import Scaled

    s = Scaled.build(random_stock(4, 30), spec())
    answer = _exact.solve(s, range(len(s)), time_limit_s=-1)
    assert answer.outcome is _exact.Outcome.UNKNOWN and answer.groups == []


def test_a_large_stock_run_ends_near_its_time_limit() -> None:
    """The large-stock path (construction and neighbourhood search) stops near the limit, still checked."""
    import time

    stock = random_stock(5, 3000)
    product = spec()
    started = time.perf_counter()
    result = regroup(stock, product, time_limit_s=1, exact_max_units=0)
    # slack for the final bookkeeping (leftover reasons) and a loaded machine
    assert time.perf_counter() - started < 6
    assert not check(product, stock, [list(p) for p in result.products])


def test_leftovers_not_reached_by_the_limit_are_marked_not_examined() -> None:
    """Explaining leftovers stops at its deadline: the rest are not_examined, the others keep their reason."""
    from secondlife._scaled import Scaled
    from secondlife.regroup import _reasons

    stock = [unit("a", cap=50.0), unit("b", cap=80.0), unit("c", cap=120.0)]
    s = Scaled.build(stock, spec())
    late = _reasons(s, [0, 1, 2], deadline=0.0)
    assert [r.reason for r in late] == [LeftoverReason.NOT_EXAMINED] * 3
    timely = _reasons(s, [0, 1, 2], deadline=float("inf"))
    assert [r.reason for r in timely] == [LeftoverReason.CAPACITY] * 3


@pytest.mark.parametrize("exact_max_units", [400, 0])
def test_deterministic_runs_give_identical_groupings(exact_max_units: int) -> None:
    """With deterministic=True two runs on the same stock give the same products and leftovers."""
    stock = random_stock(21, 80)
    product = spec(units_per_product=4)
    runs = [
        regroup(stock, product, time_limit_s=0.5, exact_max_units=exact_max_units, deterministic=True)
        for _ in range(2)
    ]
    assert runs[0].products and runs[0].products == runs[1].products
    assert runs[0].leftover == runs[1].leftover and runs[0].status == runs[1].status
    assert check(product, stock, runs[0].products, [item.unit_id for item in runs[0].leftover]) == []
