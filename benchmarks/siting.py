"""Benchmark our siting models against PySAL spopt (MCLP, LSCP, PMedian with CBC via pulp).

Both solve the same instances from the same walking-distance matrix on the bundled
Shenzhen street network, in one run, and the table shows both objectives (they must agree)
and the time ratio ours / spopt. Our time covers everything ``solve_*`` does (reductions,
heuristics, bounds, the MIP); spopt's covers building its pulp model and solving it, which
is how it is used. The distance matrix is shared and timed separately.

    python benchmarks/siting.py                 # 2,000 demand x 200 candidates, p=20, 500 m
    python benchmarks/siting.py --scale         # also 20,000 x 2,000, p=100 (MCLP, LSCP)
    python benchmarks/siting.py --backends      # ours with every OR-Tools back end too

Instances: demand is the street-frontage proxy (households scaled to district totals),
candidates are street intersections; both are drawn with a fixed seed. At scale the
p-median is left out: spopt's model would have 40 million assignment variables. spopt's
LSCP only knows full covering, so LSCP runs at 100 % of the coverable households.
Needs ``pip install spopt pulp`` (benchmark-only dependencies).
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import dataclass

import networkx as nx
import numpy as np
import numpy.typing as npt

from geodata import (
    SitingProblem,
    build_problem,
    intersection_candidates,
    load_network,
    solve_lscp,
    solve_mclp,
    solve_pmedian,
    street_frontage_demand,
)
from geodata.candidates import Candidate
from geodata.demand import Demand

RADIUS_M = 500.0


@dataclass(frozen=True)
class Case:
    """One benchmark size."""

    name: str
    n_demand: int
    n_candidates: int
    p: int
    frontage_spacing_m: float
    candidate_spacing_m: float
    models: tuple[str, ...]


SMALL = Case("2,000 x 200", 2_000, 200, 20, 50.0, 100.0, ("mclp", "lscp", "pmedian"))
SCALE = Case("20,000 x 2,000", 20_000, 2_000, 100, 14.0, 50.0, ("mclp", "lscp"))


@dataclass(frozen=True)
class Run:
    """One solver's answer: objective in the model's own units, time, proven or not."""

    objective: float
    seconds: float
    status: str


def instance(graph: nx.MultiDiGraph, case: Case, *, seed: int) -> tuple[Demand, list[Candidate]]:
    """Seeded samples of the frontage proxy and of the thinned intersections."""
    rng = np.random.default_rng(seed)
    proxy = street_frontage_demand(graph, spacing_m=case.frontage_spacing_m)
    picked = np.sort(rng.choice(len(proxy), case.n_demand, replace=False))
    demand = Demand(tuple(proxy.points[i] for i in picked), proxy.source, proxy.note)
    sites = intersection_candidates(graph, min_spacing_m=case.candidate_spacing_m)
    chosen = np.sort(rng.choice(len(sites), case.n_candidates, replace=False))
    return demand, [sites[i] for i in chosen]


def ours(model: str, problem: SitingProblem, p: int, backend: str | None, limit: float) -> Run:
    """Solve with this project; objective in spopt's units (households, count, sum)."""
    kw = {"backend": backend, "time_limit_s": limit}
    if model == "mclp":
        r = solve_mclp(problem, radius_m=RADIUS_M, p=p, **kw)  # type: ignore[arg-type]
        value = r.objective
    elif model == "lscp":
        r = solve_lscp(problem, radius_m=RADIUS_M, share=1.0, **kw)  # type: ignore[arg-type]
        value = r.objective
    else:
        r = solve_pmedian(problem, p=p, radius_m=RADIUS_M, **kw)  # type: ignore[arg-type]
        value = r.objective * int(problem.households.sum())  # weighted sum, as spopt reports
    return Run(value, r.solve_seconds, r.status)


def spopt_run(
    model: str, cost: npt.NDArray[np.float64], w: npt.NDArray[np.int64], p: int, limit: float
) -> Run:
    """Solve with spopt + CBC (pulp), timing model building and solving."""
    import pulp
    from spopt.locate import LSCP, MCLP, PMedian

    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=limit)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if model == "mclp":
            solved = MCLP.from_cost_matrix(cost, w, RADIUS_M, p).solve(solver)
        elif model == "lscp":
            coverable = (cost <= RADIUS_M).any(axis=1)
            solved = LSCP.from_cost_matrix(cost[coverable], RADIUS_M).solve(solver)
        else:
            solved = PMedian.from_cost_matrix(cost, w, p).solve(solver)
    seconds = time.perf_counter() - start
    # sol_status, not status: pulp reports status "Optimal" also when CBC stopped at its
    # time limit with an integer solution.
    status = {1: "optimal", 2: "feasible"}.get(solved.problem.sol_status, "none")
    return Run(float(pulp.value(solved.problem.objective)), seconds, status)


def agree(model: str, a: float, b: float) -> bool:
    """Integer objectives must be equal; the p-median's weighted sum to 1e-6."""
    return abs(a - b) <= (1e-6 * abs(b) if model == "pmedian" else 0.5)


def run_case(graph: nx.MultiDiGraph, case: Case, args: argparse.Namespace) -> None:
    demand, sites = instance(graph, case, seed=args.seed)
    start = time.perf_counter()
    sparse = build_problem(graph, demand, sites, limit_m=RADIUS_M)
    t_sparse = time.perf_counter() - start
    print(f"\n== {case.name}: p={case.p}, radius {RADIUS_M:g} m, walking network ==")
    print(
        f"demand {len(sparse.demand_ids):,} points / {sparse.total_households:,} households; "
        f"candidates {len(sparse.candidate_ids):,}"
    )
    print(f"walking matrix within {RADIUS_M:g} m: {t_sparse:.2f} s")
    dense_problem = None
    if "pmedian" in case.models or not args.no_peer:
        start = time.perf_counter()
        dense_problem = build_problem(graph, demand, sites, limit_m=None)
        print(f"walking matrix, all pairs: {time.perf_counter() - start:.2f} s")
    backends = ["scip", "cbc", "cp-sat"] if args.backends else [None]
    _header()
    for model in case.models:
        problem = dense_problem if model == "pmedian" else sparse
        assert problem is not None
        runs = {
            f"ours[{b or 'default'}]": ours(model, problem, case.p, b, args.time_limit_s)
            for b in backends
            if not (model == "pmedian" and b == "cp-sat")
        }
        _print_ours(model, runs)
        if args.no_peer:
            continue
        assert dense_problem is not None
        cost = dense_problem.dense()
        peer = spopt_run(
            model,
            np.where(np.isfinite(cost), cost, 1e9),
            dense_problem.households,
            case.p,
            args.peer_time_limit_s,
        )
        _print_peer(model, runs, peer)


def _header() -> None:
    header = f"{'model':8} {'solver':16} {'objective':>18} {'status':9} {'seconds':>9}  vs spopt"
    print(header)
    print("-" * (len(header) + 20), flush=True)


def _print_ours(model: str, runs: dict[str, Run]) -> None:
    """Our rows at once, so they are on screen while spopt is still working."""
    for name, run in runs.items():
        print(
            f"{model:8} {name:16} {run.objective:18,.2f} {run.status:9} {run.seconds:9.2f}",
            flush=True,
        )


def _print_peer(model: str, runs: dict[str, Run], peer: Run) -> None:
    """spopt's row, then each of ours as a time ratio and whether the objectives agree."""
    verdicts = ", ".join(
        f"{name} x{run.seconds / peer.seconds:.3f} "
        f"{'agree' if agree(model, run.objective, peer.objective) else 'DISAGREE'}"
        for name, run in runs.items()
    )
    print(
        f"{model:8} {'spopt+CBC':16} {peer.objective:18,.2f} {peer.status:9} {peer.seconds:9.2f}  {verdicts}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", action="store_true", help="also run 20,000 x 2,000")
    parser.add_argument("--only-scale", action="store_true", help="run 20,000 x 2,000 only")
    parser.add_argument("--backends", action="store_true", help="ours with scip, cbc, cp-sat")
    parser.add_argument("--no-peer", action="store_true", help="skip spopt")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--time-limit-s", type=float, default=60.0)
    parser.add_argument("--peer-time-limit-s", type=float, default=600.0)
    args = parser.parse_args(argv)
    graph = load_network(mode="walk")
    cases = [SCALE] if args.only_scale else [SMALL, SCALE] if args.scale else [SMALL]
    for case in cases:
        run_case(graph, case, args)


if __name__ == "__main__":
    main()
