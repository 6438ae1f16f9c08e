"""Solve a collection problem: pick an engine, run it within one time limit, check the plan.

Engines (see :mod:`routing._select` for the rule and why):

- ``exhaustive`` for tiny days: every plan enumerated, the optimum proven;
- ``pyvrp`` (iterated local search) for days PyVRP expresses exactly;
- ``pyvrp+ortools`` for days whose only obstacle is driver breaks: PyVRP sketches the
  day without them, OR-Tools finishes it with them;
- ``ortools`` (guided local search) for everything else: pinned stops, locks,
  "unload before going home".

Determinism
-----------
Both local searches are single-threaded and depend only on the problem and the seed.
What is not reproducible is *where a time limit cuts the path*: a loaded machine gets
fewer iterations done. Pass ``solution_limit`` to stop after a fixed amount of work
instead (accepted solutions for OR-Tools, iterations for PyVRP); then the plan is
identical for a given problem and seed on any machine, provided the time limit (kept
as a safety net) is not hit first -- ``plan.search.stopped_by`` tells which.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from routing._exhaustive import solve_exhaustive
from routing._locks import Lock, check_locks
from routing._ortools import solve_ortools
from routing._precheck import screen
from routing._select import Engine, choose_engine
from routing.check import check
from routing.plan import Plan, SearchInfo, Unassigned
from routing.problem import CollectionProblem, LockedRoute

__all__ = ["solve"]


def _stall_limit(stops: int) -> int:
    """PyVRP iterations without a better plan after which a day counts as searched through.

    Measured on synthetic collection days (benchmarks/vrp.py ``collection_day``) with
    a 20 s limit: a flat 5,000 stopped 5-, 8- and 12-stop days after 0.5, 0.8 and
    2.3 s with the plan of a full run, but a 20-stop day after 11 s, 1.6 % dearer than
    at 20 s. 1,000 per stop keeps small days short and never binds on large ones
    within the usual limits (100 Solomon customers do about 1,500 iterations a second).
    """
    return max(5_000, 1_000 * stops)


def solve(
    problem: CollectionProblem,
    *,
    time_limit_s: float = 30,
    seed: int = 0,
    locked: Sequence[Lock] | None = None,
    solution_limit: int | None = None,
    engine: Engine | str = Engine.AUTO,
) -> Plan:
    """Plan routes that serve every required stop and the optional stops that pay.

    Parameters
    ----------
    problem
        The day to plan.
    time_limit_s
        Wall-clock budget of the whole solve, whichever engines run.
    seed
        Selects one of many equally good search paths; the same seed with the same
        ``solution_limit`` gives the same plan.
    locked
        :class:`~routing.problem.LockedRoute` and :class:`~routing.problem.LockedStop`
        entries the new plan must keep (e.g. routes already handed to drivers).
    solution_limit
        Stop after this many accepted solutions (OR-Tools) or iterations (PyVRP): a
        deterministic budget.
    engine
        ``"auto"`` (the rule in :mod:`routing._select`) or one of ``"exhaustive"``,
        ``"pyvrp"``, ``"pyvrp+ortools"``, ``"ortools"``; an engine that cannot plan
        this day is replaced and ``plan.search.engine`` says which one ran.

    Returns
    -------
    Plan
        Routes of the used vehicles and every other stop with a reason.

    Raises
    ------
    InvalidLockError
        A lock names a vehicle, stop or facility the problem does not have.
    InfeasibleLockError
        The locks cannot all be kept.
    """
    started = time.monotonic()
    locks = tuple(locked or ())
    servable, rejected = screen(problem)
    check_locks(problem, locks, rejected)
    if not servable:
        search = SearchInfo(seed, time_limit_s, solution_limit, 0, 0.0, "nothing_to_solve", 0, engine="none")
        return Plan((), tuple(rejected), search)
    on_locked_routes = {s for lock in locks if isinstance(lock, LockedRoute) for s in lock.visits}
    free = sum(problem.stops[p].id not in on_locked_routes for p in servable)
    chosen = choose_engine(problem, free, locks, Engine(engine))
    plan = _run(chosen, problem, servable, rejected, locks, time_limit_s, seed, solution_limit)
    assert plan.search is not None  # nosec B101 # narrows the type: every engine sets search
    search = replace(plan.search, time_limit_s=time_limit_s, wall_s=_since(started))
    return replace(plan, search=search)


def _run(
    engine: Engine,
    problem: CollectionProblem,
    servable: list[int],
    rejected: list[Unassigned],
    locks: tuple[Lock, ...],
    time_limit_s: float,
    seed: int,
    solution_limit: int | None,
) -> Plan:
    started = time.monotonic()
    if engine is Engine.EXHAUSTIVE:
        return solve_exhaustive(problem, servable, rejected, locks=locks, seed=seed)
    if engine is Engine.HYBRID:
        from routing._hybrid import solve_hybrid

        return solve_hybrid(
            problem,
            servable,
            rejected,
            time_limit_s=time_limit_s,
            seed=seed,
            solution_limit=solution_limit,
            no_improvement=_stall_limit(len(servable)),
        )
    if engine is Engine.PYVRP:
        # Imported here: PyVRP takes a moment to load, and only these engines need it.
        from routing._pyvrp_engine import solve_pyvrp

        plan = solve_pyvrp(
            problem,
            servable,
            rejected,
            time_limit_s=time_limit_s,
            seed=seed,
            solution_limit=solution_limit,
            no_improvement=_stall_limit(len(servable)),
        )
        if plan is not None and not check(problem, plan):
            return plan
        # A plan PyVRP could not make feasible: OR-Tools gets the rest of the time.
        time_limit_s = max(time_limit_s - (time.monotonic() - started), 0.001)
    return solve_ortools(
        problem,
        servable,
        rejected,
        locks=locks,
        time_limit_s=time_limit_s,
        seed=seed,
        solution_limit=solution_limit,
    )


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)
