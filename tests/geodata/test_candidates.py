"""Candidate sites: intersections, uploaded sites and existing outlets."""

from __future__ import annotations

import pytest

from geodata import (
    Candidate,
    CandidateFileError,
    DuplicateCandidateError,
    combine_candidates,
    existing_candidates,
    intersection_candidates,
    parse_candidates_csv,
)
from tests.geodata.toy import grid


def test_intersections_need_three_streets() -> None:
    """On a 3 x 3 grid only the five inner-edge and centre nodes have degree >= 3."""
    sites = intersection_candidates(grid(3), min_spacing_m=0)
    assert sorted(s.id for s in sites) == ["node-1", "node-3", "node-4", "node-5", "node-7"]
    assert all(s.kind == "intersection" and not s.fixed for s in sites)


def test_intersections_are_thinned_busiest_first() -> None:
    """With 150 m spacing on a 100 m grid the centre (degree 4) wins over its neighbours."""
    sites = intersection_candidates(grid(3), min_spacing_m=150)
    assert [s.id for s in sites] == ["node-4"]


def test_candidate_csv_is_read_and_errors_named() -> None:
    """User sites come from id,lon,lat[,name]; bad rows are named by line."""
    sites = parse_candidates_csv("id,lon,lat,name\nS1,114.05,22.54,门口\n")
    assert sites == (Candidate("S1", 114.05, 22.54, "user", name="门口"),)
    with pytest.raises(CandidateFileError) as caught:
        parse_candidates_csv("id,lon,lat\nS1,114.05,x\nS1,114.05,22.5\nS1,114.0,22.5\n")
    assert {(p.row, p.field) for p in caught.value.problems} == {(2, "lat"), (4, "id")}


def test_existing_outlets_are_fixed_by_default() -> None:
    """Existing outlets become fixed candidates unless fixed=False."""
    (kept,) = existing_candidates([("O-1", 114.05, 22.54)])
    (free,) = existing_candidates([("O-1", 114.05, 22.54)], fixed=False)
    assert kept.fixed and kept.kind == "existing" and not free.fixed


def test_combining_rejects_duplicate_ids() -> None:
    """Two groups sharing an id cannot be combined."""
    a = existing_candidates([("X", 114.05, 22.54)])
    with pytest.raises(DuplicateCandidateError):
        combine_candidates(a, parse_candidates_csv("id,lon,lat\nX,114.0,22.5\n"))
