"""The walking coverage is computed once per set of active outlets."""

from __future__ import annotations

import json
from pathlib import Path

from webapp.metrics import _coverage

A, B = (114.045, 22.525), (113.975, 22.512)


def test_key_ignores_order_and_duplicates() -> None:
    """The same outlets in another order, or listed twice, share one key."""
    assert _coverage.cache_key([A, B], 500.0) == _coverage.cache_key([B, A, A], 500.0)


def test_key_changes_with_the_outlets_and_radius() -> None:
    """Closing an outlet or changing the radius asks for a new computation."""
    both = _coverage.cache_key([A, B], 500.0)
    assert _coverage.cache_key([A], 500.0) != both
    assert _coverage.cache_key([A, B], 300.0) != both


def test_result_is_written_and_read_back(cache_dir: Path) -> None:
    """The first call stores a JSON file under the key; a fresh process reads it back."""
    first = _coverage.coverage([A, B], cache_dir=cache_dir)
    key = _coverage.cache_key([A, B], 500.0)
    stored = cache_dir / "metrics" / f"coverage-{key}.json"
    assert json.loads(stored.read_text())["within"] == first.within
    _coverage._memory.clear()
    assert _coverage._read(cache_dir, key) == first
    assert 0 < first.within["all"] < first.households["all"]


def test_no_outlets_cover_nobody(cache_dir: Path) -> None:
    """With no active outlet every household counts and none is covered."""
    empty = _coverage.coverage([], cache_dir=cache_dir)
    assert empty.within["all"] == 0 and empty.households["all"] > 0
