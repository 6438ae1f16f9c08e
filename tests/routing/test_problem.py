"""Validation of the collection problem and its unit conventions."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import routing
from routing import (
    Break,
    InvalidMatrixError,
    InvalidProblemError,
    InvalidStopError,
    InvalidVehicleTypeError,
    Load,
    Stop,
)
from tests.routing.builders import DAY, line_problem, stop, truck


def test_negative_load_names_the_stop() -> None:
    """A negative weight is rejected with the stop's id in the message."""
    with pytest.raises(InvalidStopError, match="'bin-7'"):
        Stop("bin-7", 1, (Load("paper", -1.0),), DAY)


def test_unknown_depot_names_the_vehicle_type() -> None:
    """A vehicle type starting at a depot the problem lacks is rejected by name."""
    with pytest.raises(InvalidVehicleTypeError, match="'truck'.*'nowhere'"):
        line_problem([0, 1000], [stop("a", 1)], [truck(start_depot="nowhere")])


def test_stop_location_outside_matrix_is_rejected() -> None:
    """A stop pointing past the matrices names the stop."""
    with pytest.raises(InvalidStopError, match="'far'"):
        line_problem([0, 1000], [stop("far", 5)])


def test_duplicate_stop_id_is_rejected() -> None:
    """Two stops with one id are an error."""
    with pytest.raises(InvalidProblemError, match="duplicate"):
        line_problem([0, 1000], [stop("a", 1), stop("a", 1)])


def test_non_square_matrix_is_rejected() -> None:
    """Matrices must be n x n for n locations."""
    base = line_problem([0, 1000], [stop("a", 1)])
    with pytest.raises(InvalidMatrixError):
        type(base)(
            base.locations,
            base.depots,
            base.facilities,
            base.stops,
            base.vehicle_types,
            np.zeros((2, 3), dtype=np.int64),
            base.duration_s,
        )


def test_break_longer_than_its_window_is_rejected() -> None:
    """A 45-minute break cannot fit a 30-minute window."""
    with pytest.raises(InvalidProblemError, match="break"):
        Break(2700, 0, 1800)


def test_units_are_integer_grams_and_rounded_up_service() -> None:
    """12.3456 kg is 12346 g; service of 2 s/kg on it is 25 s plus the base."""
    s = Stop("a", 0, (Load("paper", 12.3456, 0.5),), DAY, service_base_s=60, service_s_per_kg=2)
    assert s.demand_g == 12346
    assert s.demand_l == 500
    assert s.service_s == 60 + 25


def test_matrices_are_read_only() -> None:
    """The problem's matrices cannot be modified after construction."""
    problem = line_problem([0, 1000], [stop("a", 1)])
    with pytest.raises(ValueError):
        problem.distance_m[0, 1] = 5


def test_routing_never_imports_the_web_stack() -> None:
    """routing/ is pure: no flask, sqlmodel or webapp imports."""
    forbidden = {"flask", "sqlmodel", "sqlalchemy", "webapp"}
    for path in Path(routing.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not {n.split(".")[0] for n in names} & forbidden, path
