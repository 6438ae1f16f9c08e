"""Errors raised by the routing package: small subclasses of ``ValueError``."""

from __future__ import annotations

__all__ = [
    "InfeasibleLockError",
    "InstanceFormatError",
    "InvalidLockError",
    "InvalidMatrixError",
    "InvalidProblemError",
    "InvalidStopError",
    "InvalidVehicleTypeError",
]


class InvalidProblemError(ValueError):
    """The collection problem is malformed (ids, references, time windows)."""


class InvalidStopError(InvalidProblemError):
    """A stop carries impossible data; the message names the stop."""


class InvalidVehicleTypeError(InvalidProblemError):
    """A vehicle type carries impossible data; the message names the type."""


class InvalidMatrixError(InvalidProblemError):
    """The distance or duration matrix has the wrong shape or values."""


class InvalidLockError(ValueError):
    """A locked route or stop refers to something the problem does not have."""


class InfeasibleLockError(ValueError):
    """No plan can keep the locked routes and stops as they are."""


class InstanceFormatError(ValueError):
    """A benchmark instance file cannot be read."""
