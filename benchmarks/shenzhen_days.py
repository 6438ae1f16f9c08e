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

A second table is a day of residents' doorstep bookings (issue 15): ``--bookings``
pickups (default 150) at residential doors in two-hour slots, each a required stop
whose window is its slot (built by the product's ``webapp.dispatch.bookings``), beside
the due outlets of a demo-sized network (``--demo-outlets``, as ``reloop seed demo``
places them; half-full ones optional), served by the demo's fleet from its two depots.
It shows whether the plan is feasible (checker violations), how many bookings are
served inside their slot and why the others are not, and the solve's wall time,
ours beside OR-Tools alone.

    python benchmarks/shenzhen_days.py [--sizes 100 200 400] [--time-limit-s 30]
    python benchmarks/shenzhen_days.py --sizes --bookings 150 --booking-time-limit-s 25
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


SLOTS = [(8, 10), (10, 12), (12, 14), (14, 16)]  # two-hour slots inside the demo's 08:00–17:00 shifts
BOOKED_STREETS = {"residential", "living_street", "unclassified"}


# A doorstep van: an electric 1.5 t box van (plate, kind, model, g, L, tare, fixed fen, fen/km, depot).
VAN = ("van", "box_truck", "EV van 1.5 t", 1_500_000, 6_000, 2_000_000, 6_000, 70)


def build_booking_day(
    bookings: int, demo_outlets: int, *, seed: int, extra_vans: int = 0
) -> routing.CollectionProblem:
    """Residents' bookings in two-hour slots beside a demo-sized network's outlets.

    Outlets: placed as the demo seeds them (same streets and spacing); a fill drawn per
    outlet makes about a fifth due (required) and a third half-full (optional, with a
    prize). Bookings: doors on residential streets, a slot each, 5–25 kg estimated.
    Fleet: the demo's four trucks, their capacities and costs, 08:00–17:00 with lunch,
    plus ``extra_vans`` doorstep vans shared between the depots.
    """
    from webapp.dispatch.bookings import booking_key, booking_stop
    from webapp.seed import _OUTLET_STREETS, FLEET, SHIFT_HOURS

    rng = random.Random(seed)
    graph = geodata.load_network(mode="drive")
    outlets = geodata.sample_street_points(
        graph, demo_outlets, seed=seed, highway=_OUTLET_STREETS, min_spacing_m=250
    )
    doors = geodata.sample_street_points(
        graph, bookings, seed=seed + 1, highway=BOOKED_STREETS, min_spacing_m=60
    )
    sites = [_nearest_node(graph, lon, lat) for _kind, lon, lat, _u in FACILITIES]
    worth = []
    for p in outlets:
        fill = rng.random()
        if fill >= 0.5:
            worth.append((p, fill))
    points = np.array(sites + [(p.lon, p.lat) for p, _f in worth] + [(d.lon, d.lat) for d in doors])
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
    stops = [_outlet(i, len(sites) + i, fill, rng) for i, (_p, fill) in enumerate(worth)]
    first = len(sites) + len(worth)
    for i, _door in enumerate(doors):
        start, end = SLOTS[i % len(SLOTS)]
        kg = round(rng.uniform(5, 25), 1)
        loads = (routing.Load("mixed", kg=kg, m3=round(kg / 80, 3)),)
        stops.append(booking_stop(booking_key(i + 1), first + i, (start * 3600, end * 3600), loads))
    shift = routing.TimeWindow(SHIFT_HOURS[0].hour * 3600, SHIFT_HOURS[1].hour * 3600)
    vehicle_types = tuple(
        routing.VehicleType(
            id=f"v{n}",
            count=1,
            capacity_kg=grams / 1000,
            capacity_m3=litres / 1000,
            shift=shift,
            start_depot=f"d{depot}",
            end_depot=f"d{depot}",
            fixed_cost_fen=fixed,
            cost_per_km_fen=per_km,
            breaks=(LUNCH,),
            max_duration_s=10 * 3600,
        )
        for n, (_plate, _kind, _model, grams, litres, _tare, fixed, per_km, depot) in enumerate(
            [*FLEET, *[(*VAN, i % 2) for i in range(extra_vans)]]
        )
    )
    return routing.CollectionProblem(
        locations=tuple(routing.Location(float(x), float(y)) for x, y in points),
        depots=(routing.Depot("d0", 0), routing.Depot("d1", 1)),
        facilities=facilities,
        stops=tuple(stops),
        vehicle_types=vehicle_types,
        distance_m=legs.distance_m,
        duration_s=legs.duration_s,
    )


def _outlet(i: int, location: int, fill: float, rng: random.Random) -> routing.Stop:
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


def booking_figures(problem: routing.CollectionProblem, plan: routing.Plan) -> dict[str, object]:
    """Bookings served inside their slot, and the reasons of those left out."""
    stops = {s.id: s for s in problem.stops}
    booked = [s for s in problem.stops if s.id.startswith("b")]
    inside = sum(
        1
        for route in plan.routes
        for v in route.visits
        if v.id.startswith("b") and stops[v.id].window.start_s <= v.arrival_s <= stops[v.id].window.end_s
    )
    left: dict[str, int] = {}
    for u in plan.unassigned:
        if u.stop_id.startswith("b"):
            left[u.reason.value] = left.get(u.reason.value, 0) + 1
    due = [s.id for s in problem.stops if s.id.startswith("o") and s.required]
    served = {v.id for r in plan.routes for v in r.visits}
    return {
        "bookings": len(booked),
        "in_slot": inside,
        "left": left,
        "due": len(due),
        "due_served": sum(d in served for d in due),
    }


def booking_day(args: argparse.Namespace) -> None:
    day = build_booking_day(args.bookings, args.demo_outlets, seed=args.seed, extra_vans=args.extra_vans)
    header = (
        f"{'solver':>8} | {'secs':>5} {'viol':>4} {'routes':>6} {'km':>7} {'cost':>9} | "
        f"{'bookings in slot':>16} {'left (reason: n)':>22} | {'due outlets served':>18}"
    )
    print()
    print(
        f"Booking day: {args.bookings} bookings in two-hour slots + {args.demo_outlets} demo outlets "
        f"({sum(s.required for s in day.stops if s.id.startswith('o'))} due, "
        f"{sum(not s.required for s in day.stops)} half-full optional), "
        f"demo fleet of {len(day.vehicle_types) - args.extra_vans} trucks + {args.extra_vans} doorstep vans"
    )
    print(header)
    print("-" * len(header))
    for label, engine in (("ours", None), ("ortools", "ortools")):
        plan, secs = run(day, args.booking_time_limit_s, engine=engine)
        f = booking_figures(day, plan)
        left = ", ".join(f"{k}: {v}" for k, v in sorted(f["left"].items())) or "none"  # type: ignore[attr-defined]
        print(
            f"{label:>8} | {secs:>5.1f} {len(routing.check(day, plan)):>4} {len(plan.routes):>6} "
            f"{plan.km:>7.1f} "
            f"{cost(plan, day):>9.1f} | {f['in_slot']:>7}/{f['bookings']:<8} {left:>22} | "
            f"{f['due_served']:>9}/{f['due']:<8}"
        )
    print(
        "secs = wall time of routing.solve (limit "
        f"{args.booking_time_limit_s:g} s); a booking in slot = served starting inside its two-hour window"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 200, 400])
    parser.add_argument("--time-limit-s", type=float, default=30)
    parser.add_argument("--bookings", type=int, default=150, help="booking day: bookings (0: no booking day)")
    parser.add_argument(
        "--demo-outlets", type=int, default=150, help="booking day: outlets of the demo network"
    )
    parser.add_argument("--booking-time-limit-s", type=float, default=25)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--extra-vans", type=int, default=0, help="booking day: 1.5 t doorstep vans added")
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
    if args.bookings:
        booking_day(args)


def _pyvrp(problem: routing.CollectionProblem, seconds: float) -> routing.Plan | None:
    try:
        plan, _ = run(problem, seconds, engine="pyvrp")
    except (ImportError, ValueError) as exc:
        print(f"  (pyvrp engine unavailable: {exc})")
        return None
    return plan


if __name__ == "__main__":
    main()
