"""Keep locked routes and stops on re-plan by restricting the model's variables.

A locked route fixes the whole chain of ``NextVar`` from the vehicle's start to its
end, so nothing can be inserted or reordered; a locked stop fixes only its
``VehicleVar``. Restricting domains (rather than ``ApplyLocks``, which only fixes a
chain prefix of every vehicle) keeps the other vehicles completely free.
"""

from __future__ import annotations

from collections.abc import Sequence

from routing._errors import InfeasibleLockError, InvalidLockError
from routing._model import Model, NodeKind
from routing.plan import Unassigned
from routing.problem import CollectionProblem, LockedRoute, LockedStop

__all__ = ["Lock", "apply_locks", "check_locks", "reloads_needed"]

Lock = LockedRoute | LockedStop


def check_locks(problem: CollectionProblem, locks: Sequence[Lock], rejected: Sequence[Unassigned]) -> None:
    """Raise if a lock names unknown things, repeats itself or keeps an unservable stop."""
    rejected_by_id = {u.stop_id: u for u in rejected}
    routes_of: set[tuple[str, int]] = set()
    locked_stops: set[str] = set()
    for lock in locks:
        vehicle = (lock.vehicle_type_id, lock.unit)
        _check_vehicle(problem, vehicle)
        if isinstance(lock, LockedRoute):
            if vehicle in routes_of:
                raise InvalidLockError(f"two locked routes for vehicle {vehicle[0]}#{vehicle[1]}")
            routes_of.add(vehicle)
            stop_ids = [v for v in lock.visits if v not in problem.facility_index]
        else:
            stop_ids = [lock.stop_id]
        for stop_id in stop_ids:
            if stop_id not in problem.stop_index:
                raise InvalidLockError(f"locked stop {stop_id!r} is not in the problem")
            if stop_id in locked_stops:
                raise InvalidLockError(f"stop {stop_id!r} is locked twice")
            locked_stops.add(stop_id)
            if stop_id in rejected_by_id:
                why = rejected_by_id[stop_id]
                raise InfeasibleLockError(f"locked stop {stop_id!r}: {why.reason.label}, {why.detail}")
    for lock in locks:
        if isinstance(lock, LockedStop) and (lock.vehicle_type_id, lock.unit) in routes_of:
            raise InvalidLockError(f"stop {lock.stop_id!r} is locked to a vehicle whose route is locked")


def _check_vehicle(problem: CollectionProblem, vehicle: tuple[str, int]) -> None:
    type_id, unit = vehicle
    if type_id not in problem.vehicle_type_index:
        raise InvalidLockError(f"locked vehicle type {type_id!r} is not in the problem")
    count = problem.vehicle_types[problem.vehicle_type_index[type_id]].count
    if not 0 <= unit < count:
        raise InvalidLockError(f"vehicle {type_id}#{unit} does not exist ({count} units)")


def reloads_needed(problem: CollectionProblem, locks: Sequence[Lock]) -> int:
    """Most visits any one facility gets in the locked routes together."""
    counts = [
        sum(v == f.id for lock in locks if isinstance(lock, LockedRoute) for v in lock.visits)
        for f in problem.facilities
    ]
    return max(counts, default=0)


def apply_locks(model: Model, locks: Sequence[Lock]) -> None:
    """Restrict the model so that every lock holds in any solution."""
    problem, routing = model.problem, model.routing
    vehicle_of = {(problem.vehicle_types[v.type_index].id, v.unit): i for i, v in enumerate(model.vehicles)}
    stop_index = {
        model.nodes[n].ref: model.manager.NodeToIndex(n)
        for n in range(len(model.nodes))
        if model.nodes[n].kind is NodeKind.STOP
    }
    free_reloads = _reload_indices(model)
    for lock in locks:
        v = vehicle_of[(lock.vehicle_type_id, lock.unit)]
        if isinstance(lock, LockedStop):
            routing.VehicleVar(stop_index[problem.stop_index[lock.stop_id]]).SetValue(v)
            continue
        chain = [routing.Start(v)]
        for visit in lock.visits:
            if visit in problem.facility_index:
                copies = free_reloads[problem.facility_index[visit]]
                if not copies:
                    raise InfeasibleLockError(f"facility {visit!r} is closed during every shift")
                chain.append(copies.pop(0))
            else:
                chain.append(stop_index[problem.stop_index[visit]])
        chain.append(routing.End(v))
        for here, there in zip(chain, chain[1:], strict=False):
            routing.NextVar(here).SetValue(there)
        for index in chain[1:-1]:
            routing.VehicleVar(index).SetValue(v)


def _reload_indices(model: Model) -> dict[int, list[int]]:
    """Unused reload-copy indices per facility position."""
    copies: dict[int, list[int]] = {f: [] for f in range(len(model.problem.facilities))}
    for n, node in enumerate(model.nodes):
        if node.kind is NodeKind.RELOAD:
            copies[node.ref].append(model.manager.NodeToIndex(n))
    return copies
