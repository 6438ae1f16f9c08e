"""Benchmark our router against PyVRP and VROOM on Solomon / CVRPLIB instances.

All solvers get the same integer matrices (the family's own convention, scaled), the
same fleet and the same wall-clock limit, one thread each. Every solution is then
scored in the convention of its ``bks.csv`` row -- never mixing conventions -- and
printed side by side with gaps to the best-known solution and cost ratios.

    python benchmarks/vrp.py C101 R101 RC201 --time-limit-s 10
    python benchmarks/vrp.py X-n101-k25 --time-limit-s 10
    python benchmarks/vrp.py solomon --time-limit-s 10 --jobs 1   # all 56 Solomon
    python benchmarks/vrp.py day-200 day-200-breaks --time-limit-s 30

``day-N`` is a synthetic collection day (N outlets, 2 facilities, reloads, optional
outlets, opening hours; ``-breaks`` adds a lunch break). No peer expresses it -- VROOM
has no reloads, PyVRP no breaks -- so the engine our rule picks is compared with
OR-Tools alone there.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from routing import check, solve
from routing.instances import (
    Convention,
    Instance,
    Objective,
    read_instance,
    route_distance,
    solve_convention,
    solve_instance,
    to_problem,
)
from routing.problem import (
    Break,
    CollectionProblem,
    Depot,
    Facility,
    Load,
    Location,
    Stop,
    TimeWindow,
    VehicleType,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "vrp"
Routes = list[list[int]]


@dataclass(frozen=True)
class Run:
    """One solver's answer on one instance, scored in the best-known row's convention."""

    solver: str
    routes: Routes
    distance: float
    complete: bool
    seconds: float


def find_instance(data: Path, name: str) -> Path:
    """The file of an instance by name, searched under the data folder."""
    for pattern in (f"{name}.txt", f"{name}.vrp"):
        found = sorted(data.rglob(pattern))
        if found:
            return found[0]
    raise SystemExit(f"instance {name} not found under {data}")


def best_known(data: Path, name: str, objective: Objective) -> tuple[float, int, Convention]:
    """(distance, vehicles, convention) of the bks.csv row for this objective."""
    wanted = "hierarchical" if objective is Objective.VEHICLES_THEN_DISTANCE else "distance only"
    with (data / "bks.csv").open() as file:
        for row in csv.DictReader(file):
            convention_text = row["objective_convention"]
            if row["instance"] == name and convention_text.startswith(wanted):
                return (
                    float(row["bks_distance"]),
                    int(row["bks_vehicles"]),
                    _convention(convention_text),
                )
    raise SystemExit(f"no {wanted!r} row for {name} in bks.csv")


def _convention(text: str) -> Convention:
    if "EUC_2D" in text or "nearest integer" in text:
        return Convention.EUC_2D
    if "truncated" in text or "DIMACS" in text:
        return Convention.DIMACS
    return Convention.EXACT


def run_ours(path: Path, instance: Instance, objective: Objective, limit: float, seed: int) -> Routes:
    """Our router through the same entry point as the CLI, in the best-known row's convention.

    The peers get the same matrices; the CLI's default (exact, feasible in double precision)
    would make the comparison unfair under DIMACS, where truncated edges are shorter.
    """
    convention = solve_convention(instance, objective)
    result = solve_instance(path, time_limit_s=limit, seed=seed, objective=objective, convention=convention)
    routes: Routes = result["routes"]
    return routes


def run_pyvrp(
    problem: CollectionProblem, instance: Instance, objective: Objective, limit: float, seed: int
) -> Routes:
    """PyVRP's hybrid genetic search on the same integer matrices."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    model = Model()
    locations = [model.add_location(x, y) for x, y in instance.coords]
    fleet = problem.vehicle_types[0]
    depot = model.add_depot(locations[0], tw_early=fleet.shift.start_s, tw_late=fleet.shift.end_s)
    model.add_vehicle_type(
        num_available=fleet.count,
        capacity=instance.capacity,
        tw_early=fleet.shift.start_s,
        tw_late=fleet.shift.end_s,
        fixed_cost=fleet.fixed_cost_fen * 1000,
        start_depot=depot,
        end_depot=depot,
    )
    for stop in problem.stops:
        model.add_client(
            locations[stop.location],
            delivery=round(stop.demand_kg),
            service_duration=stop.service_s,
            tw_early=stop.window.start_s,
            tw_late=stop.window.end_s,
        )
    for a, frm in enumerate(locations):
        for b, to in enumerate(locations):
            model.add_edge(frm, to, int(problem.distance_m[a, b]), int(problem.duration_s[a, b]))
    result = model.solve(stop=MaxRuntime(limit), seed=seed, display=False)
    if not result.is_feasible():
        print(f"PyVRP found no feasible solution on {instance.name}")
    # Activities index clients in the order they were added, i.e. problem.stops.
    return [
        [int(problem.stops[activity.idx].id) for activity in route if activity.is_client()]
        for route in result.best.routes()
    ]


def run_vroom(
    problem: CollectionProblem, instance: Instance, objective: Objective, limit: float, seed: int
) -> Routes:
    """VROOM at its deepest exploration level, one thread, the same time limit."""
    import vroom

    fleet = problem.vehicle_types[0]
    data = vroom.Input()
    data.set_durations_matrix("car", problem.duration_s.tolist())
    data.set_costs_matrix("car", problem.distance_m.tolist())
    window = vroom.TimeWindow(fleet.shift.start_s, fleet.shift.end_s)
    costs = vroom.VehicleCosts(fixed=fleet.fixed_cost_fen * 1000)
    data.add_vehicle(
        [
            vroom.Vehicle(v, start=0, end=0, capacity=[instance.capacity], time_window=window, costs=costs)
            for v in range(fleet.count)
        ]
    )
    data.add_job(
        [
            vroom.Job(
                int(stop.id),
                location=stop.location,
                default_service=stop.service_s,
                delivery=[round(stop.demand_kg)],
                time_windows=[vroom.TimeWindow(stop.window.start_s, stop.window.end_s)],
            )
            for stop in problem.stops
        ]
    )
    solution = data.solve(exploration_level=5, nb_threads=1, timeout=timedelta(seconds=limit))
    jobs = solution.routes[solution.routes["type"] == "job"]
    return [[int(j) for j in group["id"]] for _, group in jobs.groupby("vehicle_id", sort=True)]


Solver = Callable[[CollectionProblem, Instance, Objective, float, int], Routes]


def _peers() -> dict[str, Solver]:
    peers: dict[str, Solver] = {"pyvrp": run_pyvrp}  # a dependency of ReLoop's own routing
    try:
        import vroom  # noqa: F401

        peers["vroom"] = run_vroom
    except ImportError:
        print("pyvroom not installed: skipped")
    return peers


def bench(
    data: Path, name: str, objective: Objective, limit: float, seed: int
) -> tuple[tuple[float, int, Convention], list[Run]]:
    """Run every solver on one instance."""
    path = find_instance(data, name)
    instance = read_instance(path)
    bks = best_known(data, name, objective)
    problem = to_problem(instance, convention=solve_convention(instance, objective), objective=objective)
    solvers: dict[str, Callable[[], Routes]] = {
        "ours": partial(run_ours, path, instance, objective, limit, seed)
    }
    for peer, run in _peers().items():
        solvers[peer] = partial(run, problem, instance, objective, limit, seed)
    runs = []
    for solver, call in solvers.items():
        started = time.monotonic()
        routes = [r for r in call() if r]
        seconds = time.monotonic() - started
        served = sorted(c for r in routes for c in r)
        distance = route_distance(instance, routes, convention=bks[2])
        complete = served == list(range(1, instance.n_customers + 1))
        runs.append(Run(solver, routes, distance, complete, seconds))
    return bks, runs


def collection_day(n: int, *, breaks: bool, seed: int = 0) -> CollectionProblem:
    """A synthetic day: n outlets in a 20 x 20 km square, 30 km/h, 2 facilities, 2 truck types."""
    import numpy as np

    rng = np.random.default_rng(seed + n)
    xy = np.vstack([[0.0, 0.0], [-6000.0, 3000.0], [5000.0, -4000.0]])
    xy = np.vstack([xy, rng.uniform(-10_000, 10_000, size=(n, 2))])
    distance = np.rint(1.3 * np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    distance = distance.astype(np.int64)
    duration = (distance / 8.3).astype(np.int64)
    hour = 3600
    stops = []
    for k in range(n):
        kg, m3 = float(rng.uniform(20, 300)), float(rng.uniform(0.1, 2.0))
        opens = int(rng.integers(7, 15)) * hour
        window = TimeWindow(opens, opens + 3 * hour) if rng.random() < 0.4 else TimeWindow(0, 86_399)
        required = bool(rng.random() < 0.7)
        stops.append(
            Stop(
                f"o{k}",
                3 + k,
                (Load("mixed", kg, m3),),
                window,
                service_base_s=120,
                service_s_per_kg=0.5,
                required=required,
                prize_fen=0 if required else int(kg * 30),  # 0.3 yuan/kg of low-value recyclables
            )
        )
    lunch = (Break(45 * 60, 11 * hour + 1800, 13 * hour + 1800),) if breaks else ()
    shift = TimeWindow(6 * hour, 18 * hour)
    fleet = (
        VehicleType("big", max(2, n // 25), 2000, 12, shift, "d", "d", 20_000, 300, lunch),
        VehicleType("small", max(2, n // 25), 1000, 6, shift, "d", "d", 12_000, 200, lunch),
    )
    facilities = (
        Facility("centre", 1, TimeWindow(7 * hour, 19 * hour), 900),
        Facility("transfer", 2, TimeWindow(6 * hour, 17 * hour), 600),
    )
    return CollectionProblem(
        tuple(Location(float(x), float(y)) for x, y in xy),
        (Depot("d", 0),),
        facilities,
        tuple(stops),
        fleet,
        distance,
        duration,
    )


@dataclass(frozen=True)
class DayRun:
    """One engine's plan of a synthetic day."""

    engine: str
    cost_fen: int
    objective: int
    served: int
    unassigned: int
    feasible: bool
    seconds: float


def bench_day(name: str, limit: float, seed: int) -> list[DayRun]:
    """Every engine that can plan the day, same limit; the checker judges each plan."""
    parts = name.split("-")
    problem = collection_day(int(parts[1]), breaks=parts[-1] == "breaks")
    runs = []
    # The rule's choice against OR-Tools alone, which expresses every day.
    for engine in ("auto", "ortools"):
        started = time.monotonic()
        plan = solve(problem, time_limit_s=limit, seed=seed, engine=engine)
        seconds = time.monotonic() - started
        assert plan.search is not None
        runs.append(
            DayRun(
                f"{engine}->{plan.search.engine}" if engine == "auto" else plan.search.engine,
                plan.cost_fen,
                plan.search.objective,
                plan.stops_served,
                len(plan.unassigned),
                check(problem, plan) == [],
                seconds,
            )
        )
    return runs


def print_days(rows: Sequence[tuple[str, list[DayRun]]]) -> None:
    """One line per day and engine: cost, objective (with dropped-stop penalties), service."""
    head = f"{'day':<16} {'engine':<20} {'cost yuan':>10} {'objective':>14} {'served':>6}"
    head += f" {'left':>5} {'ok':>3} {'s':>6}"
    print(head)
    print("-" * len(head))
    for name, runs in rows:
        for r in runs:
            print(
                f"{name:<16} {r.engine:<20} {r.cost_fen / 100:>10.2f} {r.objective:>14d} "
                f"{r.served:>6d} {r.unassigned:>5d} {'yes' if r.feasible else 'NO':>3} "
                f"{r.seconds:>6.1f}"
            )


def print_table(rows: Sequence[tuple[str, tuple[float, int, Convention], list[Run]]]) -> None:
    """One line per instance: each solver's distance, vehicles, gap and seconds, then ratios."""
    solvers = [run.solver for run in rows[0][2]]
    head = f"{'instance':<11} {'bks':>9} {'veh':>3} {'conv':<6}"
    for s in solvers:
        head += f" | {s + ' dist':>11} {'veh':>3} {'gap%':>6} {'s':>5}"
    head += "".join(f" | {'ours/' + s:>11}" for s in solvers if s != "ours")
    print(head)
    print("-" * len(head))
    gaps: dict[str, list[float]] = {s: [] for s in solvers}
    ratios: dict[str, list[float]] = {s: [] for s in solvers[1:]}
    for name, (bks, bks_vehicles, convention), runs in rows:
        line = f"{name:<11} {bks:>9.2f} {bks_vehicles:>3} {convention.value:<6}"
        for run in runs:
            gap = 100 * (run.distance - bks) / bks
            gaps[run.solver].append(gap)
            flag = " " if run.complete else "!"
            line += f" | {run.distance:>11.2f} {len(run.routes):>3} {gap:>+6.2f}{flag}"
            line += f"{run.seconds:>5.1f}"
        for run in runs[1:]:
            ratios[run.solver].append(runs[0].distance / run.distance)
            line += f" | {ratios[run.solver][-1]:>11.4f}"
        print(line)
    print("-" * len(head))
    print("mean gap to bks: " + "  ".join(f"{s} {sum(g) / len(g):+.2f}%" for s, g in gaps.items()))
    print("mean cost ratio: " + "  ".join(f"ours/{s} {sum(r) / len(r):.4f}" for s, r in ratios.items()))
    print("('!' = not every customer served; gaps in each bks row's own convention)")


def main(argv: Sequence[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("instances", nargs="+", help="instance names, e.g. C101 X-n101-k25")
    parser.add_argument("--time-limit-s", type=float, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--objective", choices=[o.value for o in Objective], default=Objective.DISTANCE.value)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--jobs", type=int, default=1, help="instances solved at once (each solver one thread)"
    )
    args = parser.parse_args(argv)
    objective = Objective(args.objective)
    print(f"time limit {args.time_limit_s} s per solver, seed {args.seed}, {objective.value}")
    names = _expand(args.data, args.instances)
    days = [n for n in names if n.startswith("day-")]
    benchmarks = [n for n in names if not n.startswith("day-")]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [
            pool.submit(bench, args.data, n, objective, args.time_limit_s, args.seed) for n in benchmarks
        ]
        day_futures = [pool.submit(bench_day, n, args.time_limit_s, args.seed) for n in days]
        rows = [(n, *f.result()) for n, f in zip(benchmarks, futures, strict=True)]
        day_rows = [(n, f.result()) for n, f in zip(days, day_futures, strict=True)]
    if rows:
        print_table(rows)
    if day_rows:
        print_days(day_rows)


def _expand(data: Path, names: Sequence[str]) -> list[str]:
    """Instance names, with ``solomon`` standing for all 56 Solomon instances."""
    out: list[str] = []
    for name in names:
        if name == "solomon":
            out += sorted(p.stem for p in (data / "solomon").glob("*.txt"))
        else:
            out.append(name)
    return out


if __name__ == "__main__":
    main()
