"""Why a stop was left out of a plan, in the reader's language and with the figures.

The solver gives a reason code; the figures a dispatcher weighs (how far out of the
way the stop is and what that costs against what it is worth, how heavy it is against
the largest truck) are worked out here when the plan is saved, from the problem the
plan was solved on, and stored with the unassigned stop.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

import routing


def figures(problem: routing.CollectionProblem, plan: routing.Plan) -> dict[str, dict[str, Any]]:
    """The figures behind each unassigned stop's reason, by stop id (JSON-able)."""
    found: dict[str, dict[str, Any]] = {}
    from webapp.dispatch import bookings
    from webapp.dispatch.diagnosis import diagnose

    fleet = [vt for vt in problem.vehicle_types if vt.count > 0]
    for left in plan.unassigned:
        stop = problem.stops[problem.stop_index[left.stop_id]]
        if bookings.is_booking_stop(stop.id):
            # A resident is told why: the booking's own diagnosis replaces the solver's code.
            found[stop.id] = diagnose(problem, plan, stop)
        elif left.reason is routing.Reason.NOT_PROFITABLE:
            found[stop.id] = {"prize_fen": stop.prize_fen, **_cheapest_detour(problem, plan, stop)}
        elif left.reason is routing.Reason.TOO_HEAVY and fleet:
            found[stop.id] = {"kg": stop.demand_kg, "largest_kg": max(vt.capacity_kg for vt in fleet)}
        elif left.reason is routing.Reason.TOO_BULKY and fleet:
            found[stop.id] = {"m3": stop.demand_m3, "largest_m3": max(vt.capacity_m3 for vt in fleet)}
        elif left.reason is routing.Reason.TIME_WINDOW:
            found[stop.id] = {"opens_s": stop.window.start_s, "closes_s": stop.window.end_s}
    return found


def _cheapest_detour(
    problem: routing.CollectionProblem, plan: routing.Plan, stop: routing.Stop
) -> dict[str, int]:
    """The least extra driving (and its cost) to take ``stop`` into the plan.

    Cheapest insertion between two consecutive places of a route, or, when no route
    is cheaper, a truck of its own (its fixed cost plus the round trip).
    """
    d, s = problem.distance_m, stop.location
    types = {vt.id: vt for vt in problem.vehicle_types}
    options: list[tuple[int, int]] = []  # (cost in fen, metres)
    for route in plan.routes:
        vt = types[route.vehicle_type_id]
        places = [
            problem.depot_location(route.start_depot),
            *[v.location for v in route.visits],
            problem.depot_location(route.end_depot),
        ]
        for a, b in zip(places, places[1:], strict=False):
            legs = (int(d[a, s]), int(d[s, b]), int(d[a, b]))
            if routing.UNREACHABLE in legs:
                continue
            extra = legs[0] + legs[1] - legs[2]
            options.append((round(extra * vt.cost_per_km_fen / 1000), extra))
    for vt in problem.vehicle_types:
        depot = problem.depot_location(vt.start_depot)
        legs = (int(d[depot, s]), int(d[s, problem.depot_location(vt.end_depot)]))
        if vt.count > 0 and routing.UNREACHABLE not in legs:
            options.append((vt.fixed_cost_fen + round(sum(legs) * vt.cost_per_km_fen / 1000), sum(legs)))
    if not options:
        return {}
    cost, metres = min(options)
    return {"detour_m": metres, "detour_cost_fen": cost}


def reason_label(reason: str) -> str:
    """Why a stop was not served, in a few words of the reader's language."""
    labels = {
        "no_vehicles": _("no vehicle available"),
        "too_heavy": _("heavier than any truck"),
        "too_bulky": _("bulkier than any truck"),
        "unreachable": _("not reachable on the road network"),
        "time_window": _("opening hours cannot be met"),
        "not_profitable": _("the prize does not cover the detour"),
        "no_route_found": _("no feasible route found"),
        "no_vehicle_today": _("no vehicle is working that day"),
        "outside_area": _("the address cannot be reached from the depot (outside the service area)"),
        "slot_unreachable": _("the slot cannot be reached from the depot within the shift"),
        "capacity": _("every truck of the day is full"),
        "time_ran_out": _("the planner's time ran out before a route took it"),
    }
    return labels.get(reason, reason)


def reason_detail(entry: dict[str, Any]) -> str:
    """The figures of an unassigned stop as a sentence; empty when none were kept."""
    reason = entry.get("reason")
    if reason == "not_profitable" and "detour_m" in entry:
        return _(
            "detour %(km).1f km costing %(cost).2f yuan, worth %(prize).2f yuan",
            km=entry["detour_m"] / 1000,
            cost=entry["detour_cost_fen"] / 100,
            prize=entry["prize_fen"] / 100,
        )
    if reason == "too_heavy" and "largest_kg" in entry:
        return _(
            "%(kg).1f kg; the largest truck takes %(largest).1f kg",
            kg=entry["kg"],
            largest=entry["largest_kg"],
        )
    if reason == "too_bulky" and "largest_m3" in entry:
        return _(
            "%(m3).2f m³; the largest truck takes %(largest).2f m³",
            m3=entry["m3"],
            largest=entry["largest_m3"],
        )
    if reason == "slot_unreachable" and "earliest_s" in entry:
        return _(
            "slot %(opens)s–%(closes)s; earliest arrival %(earliest)s, shifts end %(end)s",
            opens=_hhmm(entry["opens_s"]),
            closes=_hhmm(entry["closes_s"]),
            earliest=_hhmm(entry["earliest_s"]),
            end=_hhmm(entry["shift_end_s"]),
        )
    if reason == "capacity" and "free_kg" in entry:
        return _(
            "%(kg).1f kg; at most %(free).1f kg of room left on a truck",
            kg=entry["kg"],
            free=entry["free_kg"],
        )
    if reason == "time_ran_out" and entry.get("wall_s") is not None:
        return _("searched %(s).0f s", s=entry["wall_s"])
    if reason == "time_window" and "opens_s" in entry:
        return _("open %(opens)s–%(closes)s", opens=_hhmm(entry["opens_s"]), closes=_hhmm(entry["closes_s"]))
    return ""


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
