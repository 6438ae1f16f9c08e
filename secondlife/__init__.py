"""Cascade use (梯次利用) of retired power batteries: pure domain logic, no Flask.

Regrouping graded modules into cascade products lives here, beside ``routing``,
``traceability`` and ``geodata``: :func:`regroup` builds products, :func:`check`
verifies any grouping independently of it.
"""

from secondlife.baselines import sort_and_slide
from secondlife.check import Violation, ViolationKind, check, check_edit, swap
from secondlife.model import (
    InputError,
    Leftover,
    LeftoverReason,
    ProductSpec,
    Regrouping,
    Status,
    Unit,
    make_spec,
    make_unit,
)
from secondlife.regroup import SHARE_RESOLUTION, regroup
from secondlife.stock import StockFileError, read_spec, read_stock

__all__ = [
    "SHARE_RESOLUTION",
    "InputError",
    "Leftover",
    "LeftoverReason",
    "ProductSpec",
    "Regrouping",
    "Status",
    "StockFileError",
    "Unit",
    "Violation",
    "ViolationKind",
    "check",
    "check_edit",
    "make_spec",
    "make_unit",
    "read_spec",
    "read_stock",
    "regroup",
    "sort_and_slide",
    "swap",
]
