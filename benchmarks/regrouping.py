"""Regrouping retired modules into cascade products: ReLoop beside two baselines.

Run: ``.venv/bin/python benchmarks/regrouping.py [--sizes 200 2000 20000] [--time-limit-s 10]
[--prove-limit-s 120]``

Stock up to the engine's exact size (400 units) gets ``--prove-limit-s``: the issue asks
for a proven optimum there, and the engine returns as soon as it has one (its seconds
column is the time to the proof); larger stock gets ``--time-limit-s``.

Stock: synthetic retired LFP modules. No public data set of measured retired modules
with a licence that allows use here was found: the CETL-HFUT "Imbalanced retired
battery data" (3,000 retired LFP cells) is "academic study only, no commercial use";
the TBSI-Lijing pulse data set gives pulse responses, not graded capacity/DCIR/OCV. So
the stock is drawn from a stated model, with parameters chosen to look like a
workshop's intake of retired packs, not fitted to data:

- modules arrive by pack, 8 to 12 modules a pack (a pack is one vehicle's history);
- pack state of health ~ Normal(82 %, 5 %) clipped to 65–95 %: packs are retired
  around the 80 % end-of-life convention, some early, some late;
- module capacity = nominal 100 Ah × pack SOH × Normal(1, 1.5 %): modules of one
  pack are closer to each other than to other packs;
- module DCIR = 0.90 mΩ × (1 + 2.5 × (1 − SOH)) × LogNormal(0, 5 %) per pack ×
  LogNormal(0, 6 %) per module: resistance grows as capacity fades, with scatter;
- module OCV = 13.20 V (4 LFP cells in series at storage charge) + a pack offset
  Normal(0, 15 mV) for its storage state of charge + Normal(0, 6 mV) per module.

Product: 16 modules, capacity spread ≤ 3 %, resistance spread ≤ 10 %, OCV spread
≤ 50 mV. Three groupings of the same stock, every one verified by
:func:`secondlife.check`:

- ReLoop (:func:`secondlife.regroup`);
- sort-and-slide greedy (:func:`secondlife.sort_and_slide`);
- size-constrained k-means (the ``k-means-constrained`` package, BSD-3-Clause,
  optional extra ``bench``) on the three quantities each divided by its limit, so
  one limit weighs the same in every direction; clusters of 16 within every limit are
  products, the rest left over. Its min-cost-flow assignment grows with units ×
  clusters, so above 4,000 units it runs on consecutive capacity slices of 2,000.

"Worst" is the largest spread of any product as a share of its limit (the engine's
second objective); the capacity and resistance columns give the worst of each.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from secondlife import ProductSpec, Unit, check, make_spec, make_unit, regroup, sort_and_slide  # noqa: E402

EXACT_MAX_UNITS = 400  # regroup()'s default exact_max_units

SPEC = make_spec(
    {
        "chemistry": "LFP",
        "units_per_product": 16,
        "max_capacity_spread_pct": 3,
        "max_resistance_spread_pct": 10,
        "max_ocv_spread_mv": 50,
    }
)


def stock(size: int, seed: int) -> list[Unit]:
    """``size`` retired LFP modules drawn pack by pack from the model in the docstring."""
    rng = random.Random(seed)
    units: list[Unit] = []
    while len(units) < size:
        soh = min(max(rng.gauss(0.82, 0.05), 0.65), 0.95)
        pack_res = rng.lognormvariate(0, 0.05)
        pack_ocv = rng.gauss(0, 0.015)
        pack = len(units) // 10
        for _ in range(min(rng.randint(8, 12), size - len(units))):
            capacity = 100 * soh * rng.gauss(1, 0.015)
            resistance = 0.90 * (1 + 2.5 * (1 - soh)) * pack_res * rng.lognormvariate(0, 0.06)
            ocv = 13.20 + pack_ocv + rng.gauss(0, 0.006)
            units.append(make_unit(f"P{pack:05d}-M{len(units):06d}", "LFP", capacity, resistance, ocv))
    return units


def kmeans_constrained(units: Sequence[Unit], spec: ProductSpec, seed: int) -> list[list[str]]:
    """Size-constrained k-means on (capacity, resistance, OCV) scaled by their limits."""
    import numpy as np
    from k_means_constrained import KMeansConstrained

    k = spec.units_per_product
    ordered = sorted(units, key=lambda u: u.capacity_ah)
    if len(ordered) <= 4000:
        chunks = [ordered]
    else:
        chunks = [ordered[i : i + 2000] for i in range(0, len(ordered), 2000)]
    products: list[list[str]] = []
    for chunk in chunks:
        if len(chunk) < k:
            continue
        cap = np.array([u.capacity_ah for u in chunk])
        res = np.array([u.dcir_mohm for u in chunk])
        ocv = np.array([u.ocv_v * 1000 for u in chunk])
        features = np.column_stack(
            [
                cap / cap.mean() * 100 / spec.max_capacity_spread_pct,
                res / res.mean() * 100 / spec.max_resistance_spread_pct,
                ocv / spec.max_ocv_spread_mv,
            ]
        )
        clusters = -(-len(chunk) // k)
        model = KMeansConstrained(n_clusters=clusters, size_max=k, n_init=3, random_state=seed)
        labels = model.fit_predict(features)
        for label in range(clusters):
            members = [chunk[i] for i in np.flatnonzero(labels == label)]
            if len(members) == k and not check(spec, members, [[u.unit_id for u in members]]):
                products.append([u.unit_id for u in members])
    return products


def _spreads(units: dict[str, Unit], products: Sequence[Sequence[str]]) -> tuple[float, float, float]:
    worst = cap_worst = res_worst = 0.0
    for product in products:
        members = [units[uid] for uid in product]
        caps = [u.capacity_ah for u in members]
        ress = [u.dcir_mohm for u in members]
        ocvs = [u.ocv_v * 1000 for u in members]
        cap = (max(caps) - min(caps)) / (sum(caps) / len(caps)) * 100
        res = (max(ress) - min(ress)) / (sum(ress) / len(ress)) * 100
        ocv = max(ocvs) - min(ocvs)
        cap_worst, res_worst = max(cap_worst, cap), max(res_worst, res)
        worst = max(
            worst,
            cap / SPEC.max_capacity_spread_pct,
            res / SPEC.max_resistance_spread_pct,
            ocv / SPEC.max_ocv_spread_mv,
        )
    return worst, cap_worst, res_worst


def _row(name: str, units: list[Unit], run: Callable[[], tuple[list[list[str]], str]]) -> str:
    started = time.perf_counter()
    try:
        products, note = run()
    except ImportError as exc:
        return f"  {name:<26} not run: {exc}"
    seconds = time.perf_counter() - started
    violations = check(SPEC, units, products)
    if violations:
        raise SystemExit(f"{name}: the checker refuses its grouping: {violations[:3]}")
    worst, cap, res = _spreads({u.unit_id: u for u in units}, products)
    used = sum(len(p) for p in products)
    return (
        f"  {name:<26} {len(products):>8} {used:>7} {worst:>7.1%} {cap:>7.2f} {res:>7.2f} "
        f"{seconds:>8.2f}  {note}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000, 20000])
    parser.add_argument("--time-limit-s", type=float, default=10.0)
    parser.add_argument("--prove-limit-s", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    print(__doc__.splitlines()[0])
    print(f"product: 16 modules, capacity ≤ 3 %, resistance ≤ 10 %, OCV ≤ 50 mV; seed {args.seed}")
    for size in args.sizes:
        limit = args.prove_limit_s if size <= EXACT_MAX_UNITS else args.time_limit_s
        _compare(stock(size, args.seed + size), limit, args.seed)


def _compare(units: list[Unit], time_limit_s: float, seed: int) -> None:
    limit = f"limit {time_limit_s:g} s"
    print(f"\nstock of {len(units)} modules, {limit} (every grouping verified by secondlife.check)")
    header = ("method", "products", "units", "worst", "cap %", "res %", "seconds")
    print("  {:<26} {:>8} {:>7} {:>7} {:>7} {:>7} {:>8}".format(*header))

    def reloop() -> tuple[list[list[str]], str]:
        result = regroup(units, SPEC, time_limit_s=time_limit_s)
        return [list(p) for p in result.products], f"{result.status.value}, {result.method}"

    print(_row("ReLoop", units, reloop))
    print(_row("sort-and-slide greedy", units, lambda: (sort_and_slide(units, SPEC), "")))

    def kmeans() -> tuple[list[list[str]], str]:
        return kmeans_constrained(units, SPEC, seed), "k-means-constrained"

    print(_row("size-constrained k-means", units, kmeans))


if __name__ == "__main__":
    main()
