"""Candidate outlet sites: street intersections, uploaded sites and today's outlets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import networkx as nx

from geodata._upload import RowProblem, UploadError, check_unique, csv_rows, parse_point
from geodata.sampling import _SpacingGrid

__all__ = [
    "Candidate",
    "CandidateFileError",
    "DuplicateCandidateError",
    "NoCandidatesError",
    "combine_candidates",
    "existing_candidates",
    "intersection_candidates",
    "parse_candidates_csv",
    "site_candidates",
]

Kind = Literal["intersection", "user", "existing"]


class CandidateFileError(UploadError):
    """An uploaded candidate-sites file has bad rows (all listed in ``problems``)."""


class DuplicateCandidateError(ValueError):
    """Two candidates from different sources share an id."""


class NoCandidatesError(ValueError):
    """Only uploaded sites were to be considered, and none were uploaded."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A place an outlet could go. ``fixed`` outlets are open in every solution."""

    id: str
    lon: float
    lat: float
    kind: Kind
    fixed: bool = False
    name: str | None = None


def intersection_candidates(
    graph: nx.MultiDiGraph, *, min_degree: int = 3, min_spacing_m: float = 100.0
) -> tuple[Candidate, ...]:
    """Street intersections where ``min_degree`` or more streets meet, thinned.

    Busier intersections (more streets) are taken first, then by node id, and one is
    dropped if an earlier one lies within ``min_spacing_m`` (straight line): a dual
    carriageway crossing is four graph nodes a few metres apart but one place.

    Returns
    -------
    tuple of Candidate
        ``kind="intersection"``, ids ``"node-<osm id>"``.
    """
    simple = nx.Graph(graph.to_undirected(as_view=True))
    simple.remove_edges_from(nx.selfloop_edges(simple))
    degree = {int(n): d for n, d in simple.degree() if d >= min_degree}
    order = sorted(degree, key=lambda n: (-degree[n], n))
    grid = _SpacingGrid(min_spacing_m)
    picked = []
    for node in order:
        data = graph.nodes[node]
        x, y = float(data["x"]), float(data["y"])
        if grid.is_free(x, y):
            grid.add(x, y)
            picked.append(Candidate(f"node-{node}", float(data["lon"]), float(data["lat"]), "intersection"))
    return tuple(picked)


def parse_candidates_csv(text: str) -> tuple[Candidate, ...]:
    """Read user candidate sites from CSV text with columns ``id,lon,lat[,name]``.

    Raises
    ------
    CandidateFileError
        Listing every bad row by line number and field.
    """
    problems: list[RowProblem] = []
    raw = []
    for line, fields in csv_rows(text, required=("id", "lon", "lat"), problems=problems):
        point = parse_point("line", line, fields, want_households=False, problems=problems)
        if point is not None:
            raw.append(point)
    check_unique(raw, "line", problems)
    if problems:
        raise CandidateFileError("candidates", problems)
    return tuple(Candidate(p.id, p.lon, p.lat, "user", name=p.name) for p in raw)


def existing_candidates(
    outlets: Iterable[tuple[str, float, float]], *, fixed: bool = True
) -> tuple[Candidate, ...]:
    """Today's outlets as candidates, from ``(id, lon, lat)`` tuples.

    With ``fixed=True`` (the default) they are open in every solution, so a run adds ``p``
    outlets to today's network; with ``False`` they compete like any other site.
    """
    return tuple(Candidate(str(i), float(lon), float(lat), "existing", fixed) for i, lon, lat in outlets)


def combine_candidates(*groups: Iterable[Candidate]) -> tuple[Candidate, ...]:
    """Concatenate candidate groups, checking that ids are unique.

    Raises
    ------
    DuplicateCandidateError
        If an id appears twice.
    """
    seen: set[str] = set()
    out: list[Candidate] = []
    for group in groups:
        for candidate in group:
            if candidate.id in seen:
                raise DuplicateCandidateError(f"candidate id {candidate.id!r} appears twice")
            seen.add(candidate.id)
            out.append(candidate)
    return tuple(out)


def site_candidates(
    graph: nx.MultiDiGraph,
    *,
    uploaded: Sequence[Candidate] = (),
    existing: Sequence[Candidate] = (),
    only_uploaded: bool = False,
) -> tuple[Candidate, ...]:
    """The candidates of a siting run: street intersections, uploaded sites, today's outlets.

    With ``only_uploaded`` the street intersections are left out, so every outlet a run
    adds is one of ``uploaded`` (a planner who can lease only those sites); ``existing``
    outlets stay, open or competing as their ``fixed`` says.

    Raises
    ------
    NoCandidatesError
        If ``only_uploaded`` and ``uploaded`` is empty.
    DuplicateCandidateError
        If an id appears twice.
    """
    if only_uploaded and not uploaded:
        raise NoCandidatesError("only the uploaded candidate sites were asked for, and none were uploaded")
    streets = () if only_uploaded else intersection_candidates(graph)
    return combine_candidates(streets, uploaded, existing)
