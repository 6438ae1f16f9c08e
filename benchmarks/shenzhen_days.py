"""Shenzhen collection days on the bundled street network: our router beside PyVRP.

Each day: N outlets sampled on real residential streets of the extract, a sorting
centre and a transfer station (both depots and unloading facilities), trucks of
3 t / 10 m³ with a 45-minute lunch break between 11:30 and 13:30, fastest-path
driving matrices by road class, due outlets required and half-full ones optional.

No peer expresses this exact problem: PyVRP has reloads but no driver breaks,
VROOM has breaks but no mid-route unloading. So the table shows
  * ours     — routing.solve as the product calls it (engine "auto"), full problem,
               with the checker's violation count;
  * ortools  — OR-Tools alone on the same full problem, what the hybrid improves on;
  * pyvrp*   — PyVRP on the day with the breaks removed: a relaxation, so a cost
               below ours is expected; it shows what the lunch break costs.

    python benchmarks/shenzhen_days.py [--sizes 100 200 400] [--time-limit-s 30]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import time

import numpy as np

import geodata
import routing
from geodata.driving import drive_matrices

FACILITIES = [("sorting_centre", 113.975, 22.512, 30 * 60), ("transfer_station", 114.045, 22.525, 15 * 60)]
LUNCH = routing.Break(duration_s=45 * 60, earliest_start_s=11 * 3600 + 1800, latest_end_s=13 * 3600 + 1800)


def build_day(n: int, *, seed: int, breaks: bool = True) -> routing.CollectionProblem:
    """A reproducible day of ``n`` outlets on the real network."""
    rng = random.Random(seed)
    graph = geodata.load_network(mode="drive")
    outlets = geodata.sample_street_points(graph, n, seed=seed, min_spacing_m=120)
    sites = [_nearest_node(graph, lon, lat) for _kind, lon, lat, _u in FACILITIES]
    points = np.array(sites + [(p.lon, p.lat) for p in outlets])
    legs = drive_matrices(graph, points)
    facilities = tuple(
        routing.Facility(
            id=f"f{i}",
            location=i,
            opening=routing.TimeWindow(6 * 3600, 20 * 3600),
            unload_s=unload,
            kind=routing.FacilityKind(kind),
        )
        for i, (kind, _lon, _lat, unload) in enumerate(FACILITIES)
    )
    stops = tuple(_stop(i, len(sites) + i, rng) for i in range(len(outlets)))
    trucks = max(2, n // 40)
    vehicle_types = tuple(
        routing.VehicleType(
            id=f"t{d}",
            count=trucks // 2,
            capacity_kg=3000,
            capacity_m3=10,
            shift=routing.TimeWindow(7 * 3600, 17 * 3600),
            start_depot=f"d{d}",
            end_depot=f"d{d}",
            fixed_cost_fen=30_000,
            cost_per_km_fen=250,
            breaks=(LUNCH,) if breaks else (),
            max_duration_s=10 * 3600,
        )
        for d in range(2)
    )
    return routing.CollectionProblem(
        locations=tuple(routing.Location(float(x), float(y)) for x, y in points),
        depots=(routing.Depot("d0", 0), routing.Depot("d1", 1)),
        facilities=facilities,
        stops=stops,
        vehicle_types=vehicle_types,
        distance_m=legs.distance_m,
        duration_s=legs.duration_s,
    )


def _nearest_node(graph, lon: float, lat: float) -> tuple[float, float]:
    best = min(graph.nodes(data=True), key=lambda nd: (nd[1]["lon"] - lon) ** 2 + (nd[1]["lat"] - lat) ** 2)
    return best[1]["lon"], best[1]["lat"]


def _stop(i: int, location: int, rng: random.Random) -> routing.Stop:
    fill = rng.uniform(0.5, 1.0)
    litres = rng.choice([660, 1000, 1200, 2400]) * fill
    kg = round(litres / 1000 * rng.choice([60, 90, 120, 150]), 1)
    due = fill >= 0.8
    return routing.Stop(
        id=f"o{i}",
        location=location,
        loads=(routing.Load("mixed", kg=kg, m3=round(litres / 1000, 3)),),
        window=routing.TimeWindow(7 * 3600, 19 * 3600),
        service_base_s=300,
        service_s_per_kg=0.6,
        required=due,
        prize_fen=0 if due else round(kg * 80),
    )


def run(
    problem: routing.CollectionProblem, seconds: float, engine: str | None = None
) -> tuple[routing.Plan, float]:
    started = time.perf_counter()
    kwargs = {"engine": engine} if engine else {}
    plan = routing.solve(problem, time_limit_s=seconds, seed=0, **kwargs)
    return plan, time.perf_counter() - started


def cost(plan: routing.Plan, problem: routing.CollectionProblem) -> float:
    """Objective in yuan: fixed + per-km costs plus the prizes of optional stops left out."""
    prizes = {s.id: s.prize_fen for s in problem.stops}
    return (plan.cost_fen + sum(prizes[u.stop_id] for u in plan.unassigned)) / 100


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 200, 400])
    parser.add_argument("--time-limit-s", type=float, default=30)
    args = parser.parse_args()
    header = (
        f"{'outlets':>7} {'req':>4} | {'ours cost':>10} {'km':>7} {'unl':>4} {'viol':>4} {'engine':>14} | "
        f"{'ortools':>10} {'ours/ortools':>12} | {'pyvrp* (no breaks)':>18}"
    )
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        day = build_day(n, seed=n)
        plan, _secs = run(day, args.time_limit_s)
        unloads = sum(v.kind == routing.VisitKind.UNLOAD for r in plan.routes for v in r.visits)
        alone, _ = run(day, args.time_limit_s, engine="ortools")
        relaxed = dataclasses.replace(
            day, vehicle_types=tuple(dataclasses.replace(t, breaks=()) for t in day.vehicle_types)
        )
        peer = _pyvrp(relaxed, args.time_limit_s)
        peer_cost = f"{cost(peer, relaxed):.1f}" if peer else "n/a"
        engine = plan.search.engine if plan.search else "?"
        print(
            f"{n:>7} {sum(s.required for s in day.stops):>4} | {cost(plan, day):>10.1f} {plan.km:>7.1f} "
            f"{unloads:>4} {len(routing.check(day, plan)):>4} {engine:>14} | {cost(alone, day):>10.1f} "
            f"{cost(plan, day) / cost(alone, day):>12.4f} | {peer_cost:>18}"
        )
    print(
        "cost = fixed + per-km cost + prizes of optional outlets left out, in yuan; "
        f"{args.time_limit_s:g} s per solve, one thread"
    )


def _pyvrp(problem: routing.CollectionProblem, seconds: float) -> routing.Plan | None:
    try:
        plan, _ = run(problem, seconds, engine="pyvrp")
    except (ImportError, ValueError) as exc:
        print(f"  (pyvrp engine unavailable: {exc})")
        return None
    return plan


if __name__ == "__main__":
    main()
