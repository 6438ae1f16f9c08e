"""The controlled vocabulary of cascade-use applications (梯次利用应用领域).

Grade rules, grades, product specs and shipments name applications by these codes
only. ``e_bike`` is known so that it can be refused with its reason wherever it is
asked for: cascade products may never go into electric bicycles (2024 industry
conditions for the comprehensive use of retired power batteries, repeated by the
2026 rules). Pure module: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Application:
    """One application a graded unit or a cascade product may go into."""

    code: str
    label_zh: str
    label_en: str
    allowed: bool = True


APPLICATIONS: tuple[Application, ...] = (
    Application("energy_storage", "储能", "energy storage"),
    Application("telecom_backup", "通信基站备电", "telecom base-station backup power"),
    Application("low_speed_vehicle", "低速车辆", "low-speed vehicles"),
    Application("ups_backup", "不间断电源备电", "UPS backup power"),
    Application("street_lighting", "路灯及离网照明", "street and off-grid lighting"),
    Application("e_bike", "电动自行车", "electric bicycles", allowed=False),
)
BY_CODE = {a.code: a for a in APPLICATIONS}
ALLOWED_CODES = tuple(a.code for a in APPLICATIONS if a.allowed)
E_BIKE = "e_bike"
E_BIKE_REASON_ZH = (
    "梯次利用产品不得用于电动自行车（《新能源汽车废旧动力电池综合利用行业规范条件（2024年本）》，"
    "2026年相关规定重申）"
)
E_BIKE_REASON_EN = (
    "cascade products may never go into electric bicycles (2024 industry conditions for the "
    "comprehensive use of retired power batteries, repeated by the 2026 rules)"
)


class ApplicationError(ValueError):
    """An application code is unknown or refused; ``code`` names it."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def check_application(code: str) -> Application:
    """The application with ``code``; raise :class:`ApplicationError` if unknown or refused."""
    found = BY_CODE.get(code)
    if found is None:
        raise ApplicationError(code, f"unknown application {code!r}; known: {', '.join(ALLOWED_CODES)}")
    if not found.allowed:
        raise ApplicationError(code, f"{code}: {E_BIKE_REASON_EN} / {E_BIKE_REASON_ZH}")
    return found


def check_applications(codes: Iterable[str]) -> tuple[str, ...]:
    """``codes`` checked, without repeats, in the vocabulary's order."""
    wanted = {check_application(c.strip()).code for c in codes if c.strip()}
    return tuple(a.code for a in APPLICATIONS if a.code in wanted)


def label_zh(code: str) -> str:
    """Chinese name of an application code (the code itself when unknown)."""
    found = BY_CODE.get(code)
    return found.label_zh if found else code
