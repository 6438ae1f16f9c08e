"""Small hand-made stocks and specs for the regrouping tests."""

from __future__ import annotations

import random
from typing import Any

from secondlife import ProductSpec, Unit, make_spec, make_unit


def spec(**changes: Any) -> ProductSpec:
    """LFP, 3 units a product, 3 % capacity, 10 % resistance, 50 mV unless changed."""
    data: dict[str, Any] = {
        "chemistry": "LFP",
        "units_per_product": 3,
        "max_capacity_spread_pct": 3,
        "max_resistance_spread_pct": 10,
        "max_ocv_spread_mv": 50,
    }
    data.update(changes)
    return make_spec(data)


def unit(uid: str, cap: float = 50.0, res: float = 1.0, ocv: float = 3.30, chem: str = "LFP") -> Unit:
    """A unit with middling values unless told."""
    return make_unit(uid, chem, cap, res, ocv)


def random_stock(seed: int, n: int) -> list[Unit]:
    """Units spread so that some groupings fit and others do not."""
    rng = random.Random(seed)
    return [
        unit(
            f"U{i}",
            cap=round(rng.uniform(48.0, 52.0), 3),
            res=round(rng.uniform(0.9, 1.15), 3),
            ocv=round(rng.uniform(3.28, 3.34), 4),
        )
        for i in range(n)
    ]
