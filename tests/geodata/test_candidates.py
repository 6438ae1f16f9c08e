"""Candidate sites: intersections, uploaded sites and existing outlets."""

from __future__ import annotations

import pytest

from geodata import (
    Candidate,
    CandidateFileError,
    DuplicateCandidateError,
    NoCandidatesError,
    combine_candidates,
    existing_candidates,
    intersection_candidates,
    parse_candidates_csv,
    site_candidates,
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


def test_site_candidates_are_streets_plus_uploads_by_default() -> None:
    """Without only_uploaded the intersections come first, then the uploaded and existing sites."""
    uploaded = (Candidate("S1", 114.05, 22.54, "user"),)
    existing = existing_candidates([("outlet:1", 114.06, 22.55)])
    ids = [c.id for c in site_candidates(grid(3), uploaded=uploaded, existing=existing)]
    assert ids[-2:] == ["S1", "outlet:1"] and any(i.startswith("node-") for i in ids)


def test_only_uploaded_sites_leave_the_intersections_out() -> None:
    """only_uploaded: the uploaded sites and today's outlets, no intersection."""
    uploaded = (Candidate("S1", 114.05, 22.54, "user"), Candidate("S2", 114.06, 22.54, "user"))
    existing = existing_candidates([("outlet:1", 114.06, 22.55)])
    sites = site_candidates(grid(3), uploaded=uploaded, existing=existing, only_uploaded=True)
    assert [c.id for c in sites] == ["S1", "S2", "outlet:1"]


def test_only_uploaded_sites_without_an_upload_is_refused() -> None:
    """Asking for the uploaded sites alone with none uploaded raises NoCandidatesError."""
    with pytest.raises(NoCandidatesError, match="none were uploaded"):
        site_candidates(
            grid(3), existing=existing_candidates([("outlet:1", 114.06, 22.55)]), only_uploaded=True
        )
