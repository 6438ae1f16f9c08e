"""Run a siting scenario on the walking network: demand, candidates, model, coverage.

One function serves the CLI and the background job; the web layer only stores its
result and draws it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlmodel import Session, select

import geodata
from geodata.streets import address_line, load_streets, reverse_geocode
from webapp.models import Outlet, OutletStatus

MODELS = ("mclp", "lscp", "pmedian")
NO_CANDIDATES = (
    "candidates: only-candidates needs a candidate sites file (CSV id,lon,lat) with at least one site"
)


class ScenarioError(ValueError):
    """Parameters or uploaded files were refused; the message names the field or line."""


@dataclass(frozen=True)
class ScenarioParams:
    """What the dispatcher asked for."""

    model: str
    radius_m: float = 500.0
    p: int = 20
    share: float = 1.0
    fixed_existing: bool = True
    time_limit_s: float = 30.0
    households_per_outlet: int = 2000  # SB/T 10719-2012, urban
    demand_csv: str | None = None
    candidates_csv: str | None = None
    # Solve over the uploaded candidate sites alone (a planner who can lease only those);
    # street intersections are candidates otherwise.
    only_candidates: bool = False

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ScenarioError(f"model must be one of {', '.join(MODELS)}")
        if not 50 <= self.radius_m <= 3000:
            raise ScenarioError("radius_m must be between 50 and 3000 metres")
        if not 1 <= self.p <= 1000:
            raise ScenarioError("p must be between 1 and 1000")
        if not 0 < self.share <= 1:
            raise ScenarioError("share must be above 0 and at most 1")
        if not 1 <= self.time_limit_s <= 600:
            raise ScenarioError("time_limit_s must be between 1 and 600 seconds")
        if self.only_candidates and not (self.candidates_csv or "").strip():
            raise ScenarioError(NO_CANDIDATES)


def _existing(session: Session) -> list[Outlet]:
    return list(session.exec(select(Outlet).where(Outlet.status == OutletStatus.ACTIVE).order_by(Outlet.id)))


def _demand(params: ScenarioParams, graph: Any) -> geodata.Demand:
    """The uploaded compounds (CSV, or GeoJSON when the text is a JSON object), else the proxy."""
    text = params.demand_csv
    if text is None:
        return geodata.street_frontage_demand(graph)
    try:
        if text.lstrip().startswith("{"):
            return geodata.parse_demand_geojson(text, graph=graph)
        return geodata.parse_demand_csv(text, graph=graph)
    except geodata.DemandFileError as exc:
        raise ScenarioError(f"demand file: {exc}") from exc


def _served_points(
    problem: Any, demand: geodata.Demand, chosen_ids: set[str], radius_m: float, limit: int = 4000
) -> list[list[float]]:
    """Demand points within ``radius_m`` walk of an added site (the "served streets"), capped for the map."""
    columns = [j for j, cid in enumerate(problem.candidate_ids) if cid in chosen_ids]
    if not columns:
        return []
    block = problem.distances[:, columns]
    if hasattr(block, "tocoo"):  # sparse: every stored entry is a pair within the limit
        coo = block.tocoo()
        served = np.unique(coo.row[coo.data <= radius_m])
    else:
        served = np.nonzero((np.asarray(block) <= radius_m).any(axis=1))[0]
    where = {p.id: (p.lon, p.lat) for p in demand.points}
    ids = [problem.demand_ids[i] for i in served[:limit]]
    return [[round(where[i][0], 6), round(where[i][1], 6)] for i in ids if i in where]


def _candidates(params: ScenarioParams, graph: Any, outlets: list[Outlet]) -> tuple[geodata.Candidate, ...]:
    uploaded: tuple[geodata.Candidate, ...] = ()
    if params.candidates_csv is not None:
        try:
            uploaded = geodata.parse_candidates_csv(params.candidates_csv)
        except geodata.CandidateFileError as exc:
            raise ScenarioError(f"candidates file: {exc}") from exc
    existing: tuple[geodata.Candidate, ...] = ()
    if params.fixed_existing:
        existing = geodata.existing_candidates(
            ((f"outlet:{o.code}", o.lon, o.lat) for o in outlets), fixed=True
        )
    try:
        return geodata.site_candidates(
            graph, uploaded=uploaded, existing=existing, only_uploaded=params.only_candidates
        )
    except geodata.NoCandidatesError as exc:
        raise ScenarioError(NO_CANDIDATES) from exc
    except geodata.DuplicateCandidateError as exc:
        raise ScenarioError(f"candidates: {exc}") from exc


def _solve(params: ScenarioParams, problem: geodata.SitingProblem) -> geodata.SitingResult:
    if params.model == "mclp":
        return geodata.solve_mclp(
            problem, radius_m=params.radius_m, p=params.p, time_limit_s=params.time_limit_s
        )
    if params.model == "lscp":
        return geodata.solve_lscp(
            problem, radius_m=params.radius_m, share=params.share, time_limit_s=params.time_limit_s
        )
    return geodata.solve_pmedian(
        problem, p=params.p, radius_m=params.radius_m, time_limit_s=params.time_limit_s
    )


def run_scenario(
    session: Session, params: ScenarioParams, *, cache_dir: Path | None, progress: Any = None
) -> dict[str, Any]:
    """Solve the scenario; returns the CLI's keys plus what the map and table need."""
    report = progress or (lambda _p, _m="": None)
    started = time.perf_counter()
    graph = geodata.load_network(mode="walk", cache_dir=cache_dir)
    outlets = _existing(session)
    report(10, "demand")
    demand = _demand(params, graph)
    candidates = _candidates(params, graph, outlets)
    report(30, "distances")
    limit = None if params.model == "pmedian" else params.radius_m
    problem = geodata.build_problem(graph, demand, candidates, limit_m=limit)
    report(50, "solve")
    try:
        result = _solve(params, problem)
    except geodata.SitingInputError as exc:  # e.g. p-median asked for more sites than were uploaded
        raise ScenarioError(str(exc)) from exc
    report(80, "coverage")
    by_id = {c.id: c for c in candidates}
    chosen = [by_id[i] for i in result.selected]
    before = geodata.coverage_report(graph, demand, [(o.lon, o.lat) for o in outlets])
    after = geodata.coverage_report(graph, demand, [(c.lon, c.lat) for c in chosen])
    rate = geodata.check_outlet_rate(
        demand, [(c.lon, c.lat) for c in chosen], households_per_outlet=params.households_per_outlet
    )
    return {
        **result.to_dict(),
        "added_sites": [_named_site(c) for c in chosen if c.id in set(result.added)],
        "served_points": _served_points(problem, demand, set(result.added), params.radius_m),
        "outlet_rate": [
            {
                "district": r.district,
                "households": r.households,
                "outlets": r.outlets,
                "required": r.required,
                "meets": r.meets,
            }
            for r in rate
        ],
        "coverage_before": before.to_dict(),
        "coverage_after": after.to_dict(),
        "demand_source": demand.source,
        "demand_note": demand.note,
        # The counts behind the note, so the page can say it in the reader's language.
        "demand_counts": {
            "compounds": len(demand.points),
            "flagged": sum(p.flag is not None for p in demand.points),
        },
        "notes": list(result.notes),
        "params": {k: v for k, v in params.__dict__.items() if not k.endswith("_csv")},
        "wall_seconds": round(time.perf_counter() - started, 2),
    }


def _named_site(site: geodata.Candidate) -> dict[str, Any]:
    """An added site with its nearest named street and address, as people would find it."""
    streets = load_streets()
    return {
        "id": site.id,
        "lon": site.lon,
        "lat": site.lat,
        "district": geodata.district_of(site.lon, site.lat),
        "street": reverse_geocode(streets, site.lon, site.lat).street or "",
        "address": address_line(streets, site.lon, site.lat),
    }
